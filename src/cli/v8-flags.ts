import { setFlagsFromString } from "node:v8";

/**
 * V8 flags for a smaller resident footprint, set before any other module of the CLI is evaluated (main.ts imports
 * this module first; V8 reads these flags when it compiles or sizes a space, so they apply from then on).
 * Measured with bench/soak (memory) and bench/soak/run-flags-bench.ts (speed); see bench/soak/README.md.
 *
 * - `--liftoff-only`: Prisma's query compiler is a WebAssembly module, compiled at the first query. Compiled by
 *   Liftoff only (no TurboFan tier-up) it costs each process about 35 MB less resident memory.
 * - `--max-semi-space-size`: V8's young generation grows to two 16 MB semi-spaces while the modules load and
 *   stays that size; 2 MB semi-spaces cost each process about 25 MB less, for more frequent (cheap) scavenges.
 *   An operator's own value (NODE_OPTIONS or a node flag) wins.
 */
export const SEMI_SPACE_MB = 2;

export function chooseV8Flags(given: { execArgv: readonly string[]; nodeOptions: string | undefined }): string[] {
  const flags = ["--liftoff-only"];
  const mentioned = (name: string) => given.execArgv.some((a) => a.startsWith(name)) || (given.nodeOptions ?? "").includes(name);
  if (!mentioned("--max-semi-space-size")) flags.push(`--max-semi-space-size=${SEMI_SPACE_MB}`);
  return flags;
}

for (const flag of chooseV8Flags({ execArgv: process.execArgv, nodeOptions: process.env["NODE_OPTIONS"] })) setFlagsFromString(flag);
