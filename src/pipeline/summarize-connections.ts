/** Connection events (`agent.connection`, `qa.connection`) as the tracking comment summarizes them. */
export interface ConnectionSummary {
  refused: number;
  /** Distinct refused `host:port`, most frequent first. */
  hosts: string[];
}

interface EventLike {
  type: string;
  data: unknown;
}

/** Count the refused connection attempts among a run's events and name their hosts. Pure. */
export function summarizeConnections(events: readonly EventLike[]): ConnectionSummary {
  const counts = new Map<string, number>();
  let refused = 0;
  for (const e of events) {
    if (e.type !== "agent.connection" && e.type !== "qa.connection") continue;
    const d = e.data as { host?: unknown; port?: unknown; allowed?: unknown } | null;
    if (!d || d.allowed !== false || typeof d.host !== "string") continue;
    refused++;
    const key = `${d.host}:${String(d.port)}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const hosts = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([k]) => k);
  return { refused, hosts };
}
