/** Phases of one run, in order. Used in error reports and the tracking comment. */
export const PHASES = ["prepare", "plan", "execute", "qa", "decide", "publish", "improve", "record"] as const;
export type Phase = (typeof PHASES)[number];

/**
 * An error a maintainer can act on: which phase, what happened, what to do.
 * `transient` errors are retried by the queue with backoff; the others end the run at once.
 * `infrastructure` errors conclude the check run `neutral` rather than `failure`.
 */
export class ModeratorError extends Error {
  readonly phase: Phase | undefined;
  readonly hint: string | undefined;
  readonly transient: boolean;
  readonly infrastructure: boolean;
  constructor(
    message: string,
    opts: { phase?: Phase; hint?: string; transient?: boolean; infrastructure?: boolean; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = "ModeratorError";
    this.phase = opts.phase;
    this.hint = opts.hint;
    this.transient = opts.transient ?? false;
    this.infrastructure = opts.infrastructure ?? false;
  }
}

/** Configuration that does not validate; `problems` holds one line per problem, with its path. */
export class ConfigError extends Error {
  readonly problems: string[];
  readonly source: string;
  constructor(source: string, problems: string[]) {
    super(`${source} is invalid:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
    this.source = source;
    this.problems = problems;
  }
}

/** The run was cancelled (abort signal); not retried, not a failure. */
export class CancelledError extends Error {
  constructor(message = "cancelled") {
    super(message);
    this.name = "CancelledError";
  }
}
