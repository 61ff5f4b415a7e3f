#!/usr/bin/env node
import { existsSync } from "node:fs";
import path from "node:path";
import { setFlagsFromString } from "node:v8";
import { loadEnv, type Env } from "../config/env.ts";
import { ConfigError, ModeratorError } from "../util/errors.ts";
import { COMMANDS } from "./commands.ts";
import { parseCommandLine } from "./parse-command-line.ts";
import { readPackageVersion } from "./read-package-version.ts";

// Prisma's query compiler is a WebAssembly module, compiled at the first query. Compiled by Liftoff only (no TurboFan
// tier-up) it costs each process about 35 MB less resident memory (bench/soak); its queries are a small part of a run.
setFlagsFromString("--liftoff-only");

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
