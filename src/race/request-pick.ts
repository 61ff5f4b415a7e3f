import type { Prisma } from "../generated/prisma/client.ts";
import type { RunQueue } from "../queue/run-queue.ts";
import type { Store } from "../store/store.ts";

export type PickResult =
  | { ok: true; raceId: string }
  | { ok: false; message: string };

/**
 * `/moderator pick <candidate>`: the issue's last judged race publishes that candidate instead (force-push of the
 * PR branch, the PR body rewritten). The race's job does the work; this records the request and queues it.
 */
export async function requestPick(
  deps: { store: Store; queue: RunQueue },
  input: { repositoryId: number; issueNumber: number; candidate: string; by: string; now?: number },
): Promise<PickResult> {
  const race = await deps.store.prisma.execution.findFirst({
    where: { repositoryId: input.repositoryId, issueNumber: input.issueNumber, kind: "race", prNumber: { not: null } },
    orderBy: { createdAt: "desc" },
  });
  if (!race) return { ok: false, message: "There is no judged race on this issue to pick from." };
  const candidates = await deps.store.prisma.execution.findMany({ where: { raceId: race.id }, select: { candidate: true, resultBundle: false, status: true, summary: true } });
  const finished = candidates.filter((c) => c.status === "completed" && c.candidate).map((c) => c.candidate as string).sort();
  if (input.candidate === "") return { ok: false, message: `Name the candidate: \`/moderator pick <candidate>\`, one of ${finished.map((n) => `\`${n}\``).join(", ") || "none"}.` };
  if (!finished.includes(input.candidate)) {
    return { ok: false, message: `\`${input.candidate}\` is not a finished candidate of this race; pick one of ${finished.map((n) => `\`${n}\``).join(", ") || "none"}.` };
  }
  await deps.store.updateExecution(race.id, { followUp: { pick: { name: input.candidate, by: input.by } } as Prisma.InputJsonObject });
  await deps.store.appendEvent(race.id, { type: "race.pick_requested", message: `${input.candidate} by ${input.by}` });
  await deps.queue.enqueue({ executionId: race.id }, `race-pick-${race.id}-${input.candidate}-${input.now ?? Date.now()}`);
  return { ok: true, raceId: race.id };
}
