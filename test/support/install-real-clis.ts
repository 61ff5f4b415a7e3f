import { findClaudeCode, findCodex } from "./real-clis.ts";

/**
 * vitest's global set-up: installs the real agent CLIs (when not given or cached) once, one after the other, before
 * any test file runs. Two files use Claude Code; on a fresh machine each would otherwise start its own npm install
 * into the same folder at the same time, inside a hook's time limit. A failure is only reported here: the tests that
 * need a CLI try again and fail with the reason.
 */
export default async function setup(): Promise<void> {
  for (const [name, find] of [["Claude Code", findClaudeCode], ["Codex", findCodex]] as const) {
    try {
      await find();
    } catch (err) {
      process.stderr.write(`global set-up: could not install the real ${name} CLI: ${(err as Error).message.split("\n")[0]}\n`);
    }
  }
}
