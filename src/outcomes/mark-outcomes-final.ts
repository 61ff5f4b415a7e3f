import type { Store } from "../store/store.ts";
import { OUTCOMES_FINAL_EVENT } from "./outcomes-final-event.ts";
import type { PullRequestTarget } from "./pull-request-target.ts";

/** Appends the final mark once (a repeat finds it and appends nothing). */
export async function markOutcomesFinal(
  store: Store,
  target: Pick<PullRequestTarget, "repositoryId" | "prNumber">,
  executionId: string,
  event: { message: string; level?: string; data: { prNumber: number; [key: string]: string | number | boolean } },
): Promise<void> {
  const marked = await store.prisma.executionEvent.count({
    where: { type: OUTCOMES_FINAL_EVENT, execution: { repositoryId: target.repositoryId, prNumber: target.prNumber } },
  });
  if (marked > 0) return;
  await store.appendEvent(executionId, { type: OUTCOMES_FINAL_EVENT, message: event.message, data: event.data, ...(event.level ? { level: event.level } : {}) });
}
