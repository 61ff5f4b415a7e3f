import type { Env } from "../config/env.ts";

/** One option of a command: `--name <value>` (string) or `--name` (boolean). */
export interface CliOption {
  type: "string" | "boolean";
  /** What the value is, shown in help as `--name <value>` (string options only). */
  value?: string;
  description: string;
  required?: boolean;
  short?: string;
}

export interface CliPositional {
  name: string;
  description: string;
  required: boolean;
}

export type CliValues = Record<string, string | boolean | undefined>;

export interface CliContext {
  values: CliValues;
  positionals: string[];
  /** The process environment (with .env loaded), parsed on first call; throws ConfigError when invalid. */
  env(): Env;
  /** The raw process environment, for commands that report on it instead of failing (doctor). */
  rawEnv: Readonly<Record<string, string | undefined>>;
}

/**
 * A command of the `moderator` CLI: its name, one-line summary, options and positionals (parsed by
 * parse-command-line.ts with node:util parseArgs) and what it does. Adding a command is one file
 * exporting one of these and one line in commands.ts.
 */
export interface CliCommand {
  name: string;
  summary: string;
  /** Paragraphs shown under the usage line in the command's own --help. */
  description?: string;
  options: Record<string, CliOption>;
  positionals?: CliPositional[];
  /** Returns the process exit code. */
  run(ctx: CliContext): Promise<number>;
}

/** The string value of `name`, or undefined. */
export function stringValue(values: CliValues, name: string): string | undefined {
  const v = values[name];
  return typeof v === "string" ? v : undefined;
}
