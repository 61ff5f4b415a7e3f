import { CancelledError, ModeratorError, type Phase } from "../util/errors.ts";

export interface ClassifiedError {
  kind: "transient" | "permanent" | "cancelled";
  /** Infrastructure (GitHub, network, our own config): the check run concludes `neutral`, not `failure`. */
  infrastructure: boolean;
  message: string;
  hint: string | undefined;
  phase: Phase | undefined;
}

const NETWORK_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
]);

/**
 * Decide whether a failure is worth retrying. Transient: network errors, GitHub 5xx, 429 and
 * rate-limit 403s, ModeratorError({ transient: true }). Everything else (agent failures, 4xx,
 * bad config) is permanent: retrying would fail the same way and cost money.
 */
export function classifyError(err: unknown, phase: Phase | undefined): ClassifiedError {
  if (err instanceof CancelledError || (err as { name?: string })?.name === "AbortError") {
    return { kind: "cancelled", infrastructure: false, message: (err as Error).message || "cancelled", hint: undefined, phase };
  }
  if (err instanceof ModeratorError) {
    return {
      kind: err.transient ? "transient" : "permanent",
      infrastructure: err.infrastructure || err.transient,
      message: err.message,
      hint: err.hint,
      phase: err.phase ?? phase,
    };
  }
  const e = err as {
    status?: number;
    code?: string;
    message?: string;
    cause?: { code?: string };
    errors?: Array<{ type?: string }>;
    response?: { headers?: Record<string, string> };
  };
  const message = e?.message ?? String(err);
  // GraphQL answers 200 with errors; a rate limit there has no HTTP status.
  if (Array.isArray(e?.errors) && e.errors.some((x) => x?.type === "RATE_LIMITED")) {
    return { kind: "transient", infrastructure: true, message: `GitHub's GraphQL API is rate limited: ${message}`, hint: "Moderator retries on its own.", phase };
  }
  const status = typeof e?.status === "number" ? e.status : undefined;
  if (status !== undefined) {
    const headers = e.response?.headers ?? {};
    const rateLimited = status === 429 || (status === 403 && (headers["x-ratelimit-remaining"] === "0" || /rate limit/i.test(message)));
    if (status >= 500 || rateLimited) {
      return {
        kind: "transient",
        infrastructure: true,
        message: `GitHub answered ${status}: ${message}`,
        hint: "GitHub had a temporary problem; Moderator retries on its own.",
        phase,
      };
    }
    return {
      kind: "permanent",
      infrastructure: true,
      message: `GitHub answered ${status}: ${message}`,
      hint: status === 401 || status === 403 || status === 404
        ? "Check that the Moderator app is installed on this repository with the permissions in app.yml (contents, issues, pull requests, checks: write)."
        : "This looks like a bug in Moderator or a GitHub change; re-run with the label, and report it if it persists.",
      phase,
    };
  }
  const code = e?.code ?? e?.cause?.code;
  if ((code && NETWORK_CODES.has(code)) || /fetch failed|socket hang up|network/i.test(message)) {
    return { kind: "transient", infrastructure: true, message, hint: "A network problem; Moderator retries on its own.", phase };
  }
  return { kind: "permanent", infrastructure: true, message, hint: "An unexpected error inside Moderator; see the worker's log for the stack.", phase };
}
