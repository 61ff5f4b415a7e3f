/** A migration problem that stops start-up; `migration` names the folder concerned, when there is one. */
export class MigrationError extends Error {
  readonly migration: string | undefined;
  constructor(message: string, opts: { migration?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = "MigrationError";
    this.migration = opts.migration;
  }
}
