import type { Phase } from "../util/errors.ts";
import { CancelledError, ModeratorError } from "../util/errors.ts";

export interface GitFailureContext {
  /** What was being done, for the message: "clone", "fetch branch x of", "push to". */
  action: string;
  /** The remote URL (never containing the token). */
  url: string;
  phase: Phase;
  /** Removes secrets (the token, the auth header) from git's output. */
  redact: (text: string) => string;
  aborted?: boolean;
}

const AUTH = [
  /authentication failed/i,
  /could not read (username|password)/i,
  /terminal prompts disabled/i,
  /returned error: 40[13]\b/i,
  /\b40[13] (unauthorized|forbidden)\b/i,
  /permission to .* denied/i,
  /write access to repository not granted/i,
  /invalid username or (password|token)/i,
];
const NOT_FOUND = [/repository '.*' not found/i, /returned error: 404\b/i, /does not appear to be a git repository/i];
const MISSING_REF = [/couldn't find remote ref/i];
const TRANSIENT = [
  /returned error: 5\d\d\b/i,
  /\b5\d\d (internal server error|bad gateway|service unavailable|gateway time-?out)\b/i,
  /returned error: 429\b/i,
  /connection refused/i,
  /connection reset/i,
  /connection timed out/i,
  /operation timed out/i,
  /couldn't connect to server/i,
  /failed to connect to/i,
  /could not resolve host/i,
  /temporary failure in name resolution/i,
  /network is unreachable/i,
  /empty reply from server/i,
  /early eof/i,
  /rpc failed/i,
  /unexpected disconnect/i,
  /the remote end hung up unexpectedly/i,
  /transfer closed with outstanding read data/i,
  /operation too slow/i,
  /ssl_error_syscall|gnutls_handshake|tls connection was non-properly terminated/i,
  /http\/2 stream \d+ was not closed cleanly/i,
];

function lastLines(text: string, n: number): string {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && !/^(hint|warning):/i.test(l))
    .slice(-n)
    .join(" | ");
}

/**
 * Turn a failed git network command into an error a maintainer can act on. The message names the
 * action and URL and quotes git (redacted). Network trouble and HTTP 5xx/429 are transient (the queue
 * retries); a rejected token (401/403) or a missing repository is an infrastructure problem that
 * retrying will not fix; an abort becomes a CancelledError.
 */
export function classifyGitError(err: unknown, ctx: GitFailureContext): Error {
  const raw = err instanceof Error ? err.message : String(err);
  const redacted = ctx.redact(raw);
  const gitSaid = lastLines(redacted, 3) || "no output";
  // The original error is not attached: it may hold unredacted text and ends up in logs.
  const cause = new Error(redacted);
  const subject = `${ctx.action} ${ctx.url}`;
  if (ctx.aborted) return new CancelledError(`${subject} was cancelled`);
  const test = (patterns: RegExp[]): boolean => patterns.some((re) => re.test(raw));

  if (test(AUTH)) {
    return new ModeratorError(`could not ${subject}: the server rejected the credentials (HTTP 401/403). git said: ${gitSaid}`, {
      phase: ctx.phase,
      transient: false,
      infrastructure: true,
      hint: "Check that the GitHub App is installed on this repository with Contents: read & write permission.",
      cause,
    });
  }
  if (test(NOT_FOUND)) {
    return new ModeratorError(`could not ${subject}: the repository was not found. git said: ${gitSaid}`, {
      phase: ctx.phase,
      transient: false,
      infrastructure: true,
      hint: "The repository may have been renamed or deleted, or the App lost access to it.",
      cause,
    });
  }
  if (test(MISSING_REF)) {
    return new ModeratorError(`could not ${subject}: the branch does not exist on the remote. git said: ${gitSaid}`, {
      phase: ctx.phase,
      transient: false,
      hint: "Check the base branch name (the repository's default branch or the one the run was started for).",
      cause,
    });
  }
  if (test(TRANSIENT)) {
    return new ModeratorError(`could not ${subject}: network or server error (transient). git said: ${gitSaid}`, {
      phase: ctx.phase,
      transient: true,
      infrastructure: true,
      cause,
    });
  }
  return new ModeratorError(`could not ${subject}. git said: ${gitSaid}`, { phase: ctx.phase, transient: false, cause });
}
