#!/usr/bin/env -S node --max-semi-space-size=2
// First: V8's flags, before the other modules load (see v8-flags.ts).
import "./v8-flags.ts";
import { existsSync } from "node:fs";
import path from "node:path";
import { loadEnv, type Env } from "../config/env.ts";
import { ConfigError, ModeratorError } from "../util/errors.ts";
import { COMMANDS } from "./commands.ts";
import { parseCommandLine } from "./parse-command-line.ts";
import { readPackageVersion } from "./read-package-version.ts";

async function main(argv: string[]): Promise<number> {
  const parsed = parseCommandLine(argv, COMMANDS, readPackageVersion());
  switch (parsed.kind) {
    case "help":
    case "version":
      console.log(parsed.text);
      return 0;
    case "error":
      console.error(`moderator: ${parsed.problems.length === 1 ? parsed.problems[0] : `\n${parsed.problems.map((p) => `  - ${p}`).join("\n")}`}\n\n${parsed.usage}`);
      return 2;
  }
  if (existsSync(path.resolve(".env"))) process.loadEnvFile(path.resolve(".env"));
  let env: Env | undefined;
  return parsed.command.run({
    values: parsed.values,
    positionals: parsed.positionals,
    rawEnv: process.env,
    env: () => (env ??= loadEnv(process.env)),
  });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    if (err instanceof ModeratorError) {
      console.error(`moderator: ${err.message}${err.hint ? `\n${err.hint}` : ""}`);
      process.exit(1);
    }
    console.error(err);
    process.exit(1);
  },
);
