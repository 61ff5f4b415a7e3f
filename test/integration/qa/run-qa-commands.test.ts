import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { buildCheckRunOutput } from "../../../src/qa/build-check-run.ts";
import { runQaCommands, type RunQaCommandsOptions } from "../../../src/qa/run-qa-commands.ts";
import { createProcessRunner } from "../../../src/sandbox/create-process-runner.ts";
import type { ProcessRunner } from "../../../src/sandbox/process-runner.ts";
import { CancelledError } from "../../../src/util/errors.ts";

const dirs: string[] = [];
async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), `moderator-qa-${prefix}-`));
  dirs.push(dir);
  return dir;
}
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

let none: ProcessRunner;
let bwrap: ProcessRunner;
beforeAll(async () => {
  none = await createProcessRunner({ mode: "none" });
  bwrap = await createProcessRunner({ mode: "bwrap" });
});

const SECRET = "hunter2-installation-token";

async function options(extra: Partial<RunQaCommandsOptions>): Promise<RunQaCommandsOptions> {
  const cwd = await tempDir("clone");
  await writeFile(path.join(cwd, "package.txt"), "demo\n");
  return { setup: [], commands: [], cwd, scratchDir: await tempDir("scratch"), defaultTimeoutMs: 30_000, knownSecrets: [SECRET], ...extra };
}

describe.each([
  ["none", () => none],
  ["bwrap", () => bwrap],
] as const)("runQaCommands (%s)", (_mode, runner) => {
  it("shows the workspace as repository-relative paths in output tails and findings, never the server's folders", async () => {
    const opts = await options({
      commands: [{ name: "test", run: `echo "FAIL $PWD/src/app.test.js:3"; echo "cwd is $PWD"; echo "tmp $HOME/cache" >&2; exit 1` }],
    });
    const out = await runQaCommands(runner(), opts);
    const finding = out.findings.find((f) => f.ruleId === "qa/command-failed");
    const shown = `${out.results[0]?.outputTail}\n${finding?.message}`;
    expect(shown).toContain("FAIL src/app.test.js:3");
    expect(shown).toContain("cwd is .");
    expect(shown).not.toContain(opts.cwd);
    expect(shown).not.toContain(opts.scratchDir);
  });

  it("runs setup, then every check: a failure and a timeout become findings, output tails are redacted", async () => {
    const opts = await options({
      setup: [{ name: "install", run: "echo installing > installed.txt && echo done" }],
      commands: [
        { name: "lint", run: "echo lint ok" },
        { name: "test", run: `echo "1 test failed (token ${SECRET})"; echo "see above" >&2; exit 3` },
        { name: "slow", run: "echo starting; sleep 30", timeoutSeconds: 1 },
        { name: "after", run: "cat installed.txt" },
      ],
    });
    const out = await runQaCommands(runner(), opts);

    expect(out.qaError).toBeUndefined();
    expect(out.results.map((r) => [r.stage, r.name, r.timedOut ? "timed out" : r.exitCode])).toEqual([
      ["setup", "install", 0],
      ["check", "lint", 0],
      ["check", "test", 3],
      ["check", "slow", "timed out"],
      ["check", "after", 0],
    ]);
    expect(out.results[0]!.command).toEqual(["sh", "-c", "echo installing > installed.txt && echo done"]);
    expect(out.results[2]!.outputTail).toBe("1 test failed (token ****)\nsee above");
    expect(out.results[4]!.outputTail).toBe("installing");
    expect(out.findings.map((f) => [f.ruleId, f.severity, f.title])).toEqual([
      ["qa/command-failed", "high", "QA command `test` failed (exit 3)"],
      ["qa/command-timeout", "medium", "QA command `slow` timed out"],
    ]);
    expect(out.findings[0]!.message).toContain("1 test failed (token ****)");
    expect(JSON.stringify(out)).not.toContain(SECRET);
    expect(buildCheckRunOutput(out.findings, { failOn: "high", commands: out.results }).conclusion).toBe("failure");
  });

  it("a failing setup stops QA and is reported as QA not run (check run neutral), not as a finding", async () => {
    const opts = await options({
      setup: [
        { name: "install", run: `echo "npm ERR! 403 Forbidden with ${SECRET}"; exit 1` },
        { name: "build", run: "touch built.txt" },
      ],
      commands: [{ name: "test", run: "touch tested.txt" }],
    });
    const out = await runQaCommands(runner(), opts);

    expect(out.results.map((r) => [r.stage, r.name, r.exitCode])).toEqual([["setup", "install", 1]]);
    expect(out.findings).toEqual([]);
    expect(out.qaError).toBe(
      "setup command `install` exited with code 1, so QA could not run. The check was not run.\n" +
        "Last lines of its output:\nnpm ERR! 403 Forbidden with ****\n" +
        "Fix the setup commands in .github/moderator.yml (qa.setup), or ask the operator whether the sandbox allows what they need (network, tools).",
    );
    expect(existsSync(path.join(opts.cwd, "built.txt"))).toBe(false);
    expect(existsSync(path.join(opts.cwd, "tested.txt"))).toBe(false);
    const check = buildCheckRunOutput(out.findings, { failOn: "high", commands: out.results, qaError: out.qaError! });
    expect(check.conclusion).toBe("neutral");
  });

  it("a setup that times out is QA not run too", async () => {
    const opts = await options({ setup: [{ name: "install", run: "sleep 30", timeoutSeconds: 1 }], commands: [{ name: "a", run: "true" }, { name: "b", run: "true" }] });
    const out = await runQaCommands(runner(), opts);
    expect(out.results).toHaveLength(1);
    expect(out.qaError).toMatch(/^setup command `install` timed out after \d+ s, so QA could not run\. The 2 checks were not run\./);
  });

  it("commands see only the allow-listed environment, a private HOME in the scratch folder, and CI=true", async () => {
    process.env.MODERATOR_TEST_LEAK = "must-not-leak";
    try {
      const opts = await options({ commands: [{ name: "env", run: 'env | sort > "$HOME/env.txt"' }], env: { EXTRA: "yes" } });
      const out = await runQaCommands(runner(), opts);
      expect(out.findings).toEqual([]);
      const env = await readFile(path.join(opts.scratchDir, "qa-home", "env.txt"), "utf8");
      expect(env).toContain("CI=true\n");
      expect(env).toContain("EXTRA=yes\n");
      expect(env).toContain(`HOME=${path.join(opts.scratchDir, "qa-home")}\n`);
      expect(env).not.toContain("MODERATOR_TEST_LEAK");
    } finally {
      delete process.env.MODERATOR_TEST_LEAK;
    }
  });
});

describe("runQaCommands edge cases", () => {
  it("no commands: nothing runs, nothing to report", async () => {
    expect(await runQaCommands(none, await options({}))).toEqual({ results: [], findings: [] });
  });

  it("an abort stops the running command and throws CancelledError", async () => {
    const controller = new AbortController();
    const opts = await options({ commands: [{ name: "hang", run: "sleep 30" }, { name: "never", run: "touch never.txt" }], signal: controller.signal });
    const pending = runQaCommands(none, opts);
    setTimeout(() => controller.abort("test"), 300);
    await expect(pending).rejects.toBeInstanceOf(CancelledError);
    expect(existsSync(path.join(opts.cwd, "never.txt"))).toBe(false);
  });

  it("bad options are reported as QA not run, without running anything", async () => {
    const opts = await options({ commands: [{ name: "x", run: "  " }] });
    expect(await runQaCommands(none, opts)).toEqual({ results: [], findings: [], qaError: 'runQaCommands: command 0 needs a name and a non-empty run, got {"name":"x","run":"  "}' });
    const relative = await options({ cwd: "relative/dir", commands: [{ name: "x", run: "true" }] });
    expect((await runQaCommands(none, relative)).qaError).toBe("runQaCommands: cwd must be an absolute path, got relative/dir");
    const badTimeout = await options({ commands: [{ name: "x", run: "true", timeoutSeconds: -1 }] });
    expect((await runQaCommands(none, badTimeout)).qaError).toBe("runQaCommands: command `x`: timeoutSeconds must be a positive number, got -1");
  });

  it("a check whose runner cannot start is QA not run; the other checks still run", async () => {
    const broken: ProcessRunner = {
      mode: "none",
      run: async (o) => {
        if (o.command[2] === "boom") throw new Error(`cannot start sh in ${o.cwd}`);
        return none.run(o);
      },
    };
    const opts = await options({ commands: [{ name: "first", run: "boom" }, { name: "second", run: "exit 1" }] });
    const out = await runQaCommands(broken, opts);
    expect(out.results.map((r) => r.name)).toEqual(["second"]);
    expect(out.findings.map((f) => f.ruleId)).toEqual(["qa/command-failed"]);
    expect(out.qaError).toBe(`check command \`first\` could not be started: cannot start sh in ${opts.cwd}`);
  });
});
