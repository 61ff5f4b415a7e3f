/**
 * The abort reason a cancelled run's AbortSignal carries, so the pipeline can tell a cancellation
 * (record the run `cancelled`, say by whom) from a shutdown (`moderator:shutdown`: re-queue and resume).
 *
 * Format: `moderator:cancel:<by>` or `moderator:cancel:<by>:<reason>`. In `<by>`, `%` and `:` are
 * percent-encoded so the first `:` after it always ends it; `<reason>` is the rest, verbatim.
 */
export const CANCEL_REASON_PREFIX = "moderator:cancel:";

export interface CancelReason {
  /** Who asked: a GitHub login, or "moderator" when a new trigger superseded the run. */
  by: string;
  /** Why, in words, when given. */
  reason?: string;
}

const escapeBy = (by: string): string => by.replace(/[%:]/g, (c) => (c === "%" ? "%25" : "%3A"));
const unescapeBy = (by: string): string => by.replace(/%(25|3A)/gi, (_m, code: string) => (code === "25" ? "%" : ":"));

/** `formatCancelReason("maia", "superseded")` -> `moderator:cancel:maia:superseded`. `by` must not be empty. */
export function formatCancelReason(by: string, reason?: string): string {
  if (by.length === 0) throw new Error("formatCancelReason: `by` must not be empty");
  const head = `${CANCEL_REASON_PREFIX}${escapeBy(by)}`;
  return reason ? `${head}:${reason}` : head;
}

/** The inverse of formatCancelReason; undefined for anything else (a shutdown, a plain abort, garbage). */
export function parseCancelReason(reason: string): CancelReason | undefined {
  if (typeof reason !== "string" || !reason.startsWith(CANCEL_REASON_PREFIX)) return undefined;
  const rest = reason.slice(CANCEL_REASON_PREFIX.length);
  const colon = rest.indexOf(":");
  const by = unescapeBy(colon === -1 ? rest : rest.slice(0, colon));
  if (by.length === 0) return undefined;
  const text = colon === -1 ? "" : rest.slice(colon + 1);
  return text ? { by, reason: text } : { by };
}
