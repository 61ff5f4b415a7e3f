import { ModeratorError } from "../util/errors.ts";

export type LlmRequestErrorKind = "unreachable" | "timeout" | "model_not_found" | "http" | "stream" | "context_overflow";

/**
 * A request to the model server failed (as opposed to LlmOutputError: the model answered, but unusably).
 * The message names the host and the model and says what to do. Network problems and a busy server (503)
 * are transient: the queue may retry them.
 */
export class LlmRequestError extends ModeratorError {
  readonly kind: LlmRequestErrorKind;
  readonly host: string;
  readonly model: string;
  /** The HTTP status the server answered, when it answered. */
  readonly httpStatus: number | undefined;
  constructor(
    kind: LlmRequestErrorKind,
    message: string,
    opts: { host: string; model: string; httpStatus?: number; hint?: string; transient?: boolean; cause?: unknown },
  ) {
    super(message, {
      infrastructure: true,
      transient: opts.transient ?? false,
      ...(opts.hint !== undefined ? { hint: opts.hint } : {}),
      ...(opts.cause !== undefined ? { cause: opts.cause } : {}),
    });
    this.name = "LlmRequestError";
    this.kind = kind;
    this.host = opts.host;
    this.model = opts.model;
    this.httpStatus = opts.httpStatus;
  }
}
