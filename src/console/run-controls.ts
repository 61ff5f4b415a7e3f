/** Statuses of a run that has ended. */
export const FINAL_STATUSES: ReadonlySet<string> = new Set(["completed", "failed", "cancelled"]);
/** Kinds of run the console retries (a race candidate or an improvement is retried through its race or parent). */
export const RETRYABLE_KINDS: ReadonlySet<string> = new Set(["run", "review", "race"]);
/** Longest answer the console takes (what the agent's prompt keeps of an answer). */
export const MAX_ANSWER_CHARS = 8000;
