import { formatDuration } from "../render/format-duration.ts";

interface ExecutionLike {
  id: string;
  status: string;
  issueNumber: number;
  issueTitle: string;
  trigger: string;
  triggeredBy: string;
  backend: string | null;
  branch: string | null;
  prUrl: string | null;
  checkRunUrl: string | null;
  attempts: number;
  errorPhase: string | null;
  error: string | null;
  phaseTimings: unknown;
  createdAt: Date;
  finishedAt: Date | null;
  repository: { owner: string; name: string };
}
interface EventLike {
  at: Date;
  type: string;
  phase: string | null;
  level: string;
  message: string;
}
interface FindingLike {
  ruleId: string;
  severity: string;
  path: string | null;
  line: number | null;
  message: string;
}

/** `moderator list`: one line per run. Pure. */
export function formatExecutionList(rows: ExecutionLike[]): string {
  if (rows.length === 0) return "no runs yet";
  const lines = rows.map((e) =>
    [
      e.id,
      e.status.padEnd(17),
      `${e.repository.owner}/${e.repository.name}#${e.issueNumber}`.padEnd(32),
      e.createdAt.toISOString().replace(/\.\d+Z$/, "Z"),
      e.prUrl ?? "",
    ].join("  "),
  );
  return ["id                                    status             issue                             created               pr", ...lines].join("\n");
}

/** `moderator status <id>`. Pure. */
export function formatExecution(e: ExecutionLike, events: EventLike[], findings: FindingLike[]): string {
  const out: string[] = [];
  out.push(`run ${e.id}: ${e.status}`);
  out.push(`  issue     ${e.repository.owner}/${e.repository.name}#${e.issueNumber} ${e.issueTitle}`);
  out.push(`  trigger   ${e.trigger} by ${e.triggeredBy}; attempts ${e.attempts}`);
  if (e.backend) out.push(`  backend   ${e.backend}`);
  if (e.branch) out.push(`  branch    ${e.branch}`);
  if (e.prUrl) out.push(`  pr        ${e.prUrl}`);
  if (e.checkRunUrl) out.push(`  check run ${e.checkRunUrl}`);
  if (e.error) out.push(`  error     ${e.errorPhase ?? "?"}: ${e.error}`);
  const timings = (e.phaseTimings ?? {}) as Record<string, { state?: string; durationMs?: number }>;
  const phases = Object.entries(timings);
  if (phases.length > 0) {
    out.push("phases:");
    for (const [p, t] of phases) out.push(`  ${p.padEnd(8)} ${(t.state ?? "").padEnd(8)} ${t.durationMs !== undefined ? formatDuration(t.durationMs) : ""}`);
  }
  if (findings.length > 0) {
    out.push(`findings (${findings.length}):`);
    for (const f of findings) out.push(`  ${f.severity.padEnd(8)} ${f.ruleId.padEnd(22)} ${f.path ?? ""}${f.line ? `:${f.line}` : ""}  ${f.message.split("\n")[0]}`);
  }
  const connections = events.filter((ev) => ev.type === "agent.connection" || ev.type === "qa.connection");
  const refused = connections.filter((ev) => ev.level === "warn");
  if (connections.length > 0) {
    out.push(`network (${connections.length} connection attempts, ${refused.length} refused):`);
    for (const ev of refused.slice(0, 100)) out.push(`  refused  ${ev.type === "qa.connection" ? "qa    " : "agent "} ${ev.message.replace(/^(.*?: )?refused /, "$1")}`);
    if (refused.length > 100) out.push(`  ... and ${refused.length - 100} more refused`);
    const allowed = connections.length - refused.length;
    if (allowed > 0) out.push(`  allowed  ${allowed} (see the events)`);
  }
  out.push(`events (${events.length}):`);
  for (const ev of events.slice(-40)) {
    out.push(`  ${ev.at.toISOString().slice(11, 19)} ${ev.level.padEnd(5)} ${ev.type}${ev.phase ? ` [${ev.phase}]` : ""} ${ev.message}`);
  }
  if (events.length > 40) out.unshift(`(showing the last 40 of ${events.length} events)`);
  return out.join("\n");
}
