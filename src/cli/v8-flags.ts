import { setFlagsFromString } from "node:v8";

/**
 * V8 flags for a smaller resident footprint, set before any other module of the CLI is evaluated (main.ts imports
 * this module first). Measured with bench/soak (memory) and bench/soak/run-flags-bench.ts (speed); see
 * bench/soak/README.md.
 *
 * - `--liftoff-only`: Prisma's query compiler is a WebAssembly module, compiled at the first query. Compiled by
 *   Liftoff only (no TurboFan tier-up) it costs each process about 35 MB less resident memory.
 * - `--max-semi-space-size`: V8's young generation grows to two 16 MB semi-spaces. Set here, at run time, it keeps
 *   the young generation small while the modules load (an idle worker holds about 35 MB less), but not once runs
 *   allocate: V8 sized its heap when the process started. So the ways Moderator is started pass it to node too
 *   (Dockerfile ENTRYPOINT, `npm start`, the bin's `env -S` line); with it a worker holds about 30 MB less after runs.
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
