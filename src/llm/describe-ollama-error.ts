import { CancelledError } from "../util/errors.ts";
import { LlmRequestError } from "./llm-request-error.ts";

export interface OllamaErrorContext {
  host: string;
  /** The model the request was for; undefined for server-level requests (version, list). */
  model?: string | undefined;
  timeoutMs: number;
  /** The caller's signal: when it is aborted the error is a cancellation, not a failure. */
  callerSignal?: AbortSignal | undefined;
  /** The request's own time limit. */
  timeoutSignal: AbortSignal;
}

interface ErrorLike {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  status_code?: unknown;
  error?: unknown;
  cause?: unknown;
}

function asErrorLike(value: unknown): ErrorLike {
  return typeof value === "object" && value !== null ? (value as ErrorLike) : {};
}

/** The first error code (ECONNREFUSED, UND_ERR_HEADERS_TIMEOUT, ...) found in an error's cause chain. */
function findCode(err: unknown): string | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 5 && current; depth++) {
    const e = asErrorLike(current);
    if (typeof e.code === "string") return e.code;
    const nested = (current as { errors?: unknown }).errors;
    if (Array.isArray(nested)) {
      for (const inner of nested) {
        const code = findCode(inner);
        if (code) return code;
      }
    }
    current = e.cause;
  }
  return undefined;
}

/**
 * Turns whatever the ollama client or fetch threw into an error a maintainer can act on: which host,
 * which model, what happened and what to do. A cancelled caller signal becomes CancelledError.
 */
export function describeOllamaError(err: unknown, ctx: OllamaErrorContext): Error {
  if (err instanceof LlmRequestError || err instanceof CancelledError) return err;
  const model = ctx.model ?? "";
  const where = ctx.model === undefined ? `Ollama at ${ctx.host}` : `Ollama at ${ctx.host} (model "${ctx.model}")`;
  if (ctx.callerSignal?.aborted) return new CancelledError(`the request to ${where} was cancelled`);
  if (ctx.timeoutSignal.aborted) {
    return new LlmRequestError("timeout", `${where} did not answer within ${ctx.timeoutMs < 1000 ? `${ctx.timeoutMs} ms` : `${Math.round(ctx.timeoutMs / 1000)}s`}`, {
      host: ctx.host,
      model,
      hint: "A local model on a slow machine may need more time (raise the timeout), a smaller model, or a smaller context window.",
      cause: err,
    });
  }
  const e = asErrorLike(err);
  const name = typeof e.name === "string" ? e.name : "";
  const message = typeof e.message === "string" ? e.message : String(err);

  if (name === "ResponseError" && typeof e.status_code === "number") {
    const status = e.status_code;
    const detail = typeof e.error === "string" && e.error !== "" ? e.error : message;
    if (status === 404 && ctx.model !== undefined) {
      return new LlmRequestError("model_not_found", `${where} answered 404: ${detail}. Pull the model on that host with \`ollama pull ${ctx.model}\``, {
        host: ctx.host,
        model,
        httpStatus: status,
        hint: `Run \`ollama pull ${ctx.model}\` on ${ctx.host}, or name a model listed by \`ollama list\` in the operator config.`,
        cause: err,
      });
    }
    return new LlmRequestError("http", `${where} answered HTTP ${status}: ${detail}`, {
      host: ctx.host,
      model,
      httpStatus: status,
      transient: status === 503 || status === 429 || status === 502 || status === 504,
      hint:
        status >= 500
          ? "The model server failed; see its log (`journalctl -u ollama` or the `ollama serve` output). Out of memory is common: try a smaller model or context window."
          : status === 404
            ? `Check that ${ctx.host} is an Ollama server (its /api/version answers).`
            : "The request was refused; check the model name and the Ollama version.",
      cause: err,
    });
  }

  const code = findCode(err);
  if (code !== undefined || /fetch failed|socket hang up|network|ECONNREFUSED|ENOTFOUND/i.test(message)) {
    const reason = code ?? message;
    const timedOut = code === "UND_ERR_HEADERS_TIMEOUT" || code === "UND_ERR_BODY_TIMEOUT";
    return new LlmRequestError(timedOut ? "timeout" : "unreachable", timedOut ? `${where} stopped answering (${reason})` : `cannot reach ${where}: ${reason}`, {
      host: ctx.host,
      model,
      transient: true,
      hint: timedOut
        ? "The server took more than 5 minutes to send anything; use a smaller model or context window."
        : `Check that \`ollama serve\` is running on ${ctx.host} and that the operator config's host is right.`,
      cause: err,
    });
  }

  return new LlmRequestError("stream", `${where} failed while answering: ${message}`, {
    host: ctx.host,
    model,
    hint: "See the Ollama server's log for the cause.",
    cause: err,
  });
}
