import { existsSync, realpathSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { parseDiff } from "../../../src/qa/parse-diff.ts";
import { runSarifScanners, type RunSarifScannersOptions } from "../../../src/qa/run-sarif-scanners.ts";
import { createProcessRunner } from "../../../src/sandbox/create-process-runner.ts";
import type { ProcessRunner } from "../../../src/sandbox/process-runner.ts";
import { CancelledError } from "../../../src/util/errors.ts";

const FIXTURES = fileURLToPath(new URL("../../fixtures/sarif/", import.meta.url));
const ESLINT_ROOT = "/Users/stefan/Documents/Projects/repositories/eslint-test-examples";

const dirs: string[] = [];
async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), `moderator-sarif-${prefix}-`));
  dirs.push(dir);
  return dir;
}
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

let runner: ProcessRunner;
beforeAll(async () => {
  runner = await createProcessRunner({ mode: "none" });
});

const AUTOFIX_PY = ["def f(inputs, x):", "  # look up", "  y = 0", "  z = 1", "  inputs[x] = 1", "  if inputs[x + 1] == True:", "    return y", ""].join("\n");

/** The change: autofix.py modified (only line 5 added), with-config-file.js and app.js new. */
const DIFF = [
  "diff --git a/targets/autofix/autofix.py b/targets/autofix/autofix.py",
  "index 1111111..2222222 100644",
  "--- a/targets/autofix/autofix.py",
  "+++ b/targets/autofix/autofix.py",
  "@@ -3,4 +3,4 @@ def f(inputs, x):",
  "   y = 0",
  "   z = 1",
  "-  inputs[x] = 0",
  "+  inputs[x] = 1",
  "   if inputs[x + 1] == True:",
  "diff --git a/with-config-file.js b/with-config-file.js",
  "new file mode 100644",
  "index 0000000..3333333",
  "--- /dev/null",
  "+++ b/with-config-file.js",
  "@@ -0,0 +1,15 @@",
  ...Array.from({ length: 15 }, (_, i) => `+line ${i + 1}`),
  "diff --git a/app.js b/app.js",
  "new file mode 100644",
  "index 0000000..4444444",
  "--- /dev/null",
  "+++ b/app.js",
  "@@ -0,0 +1,2 @@",
  "+let count = 1;",
  "+export { count };",
  "",
].join("\n");

async function workspace(): Promise<Pick<RunSarifScannersOptions, "cwd" | "scratchDir" | "changedFiles" | "defaultTimeoutMs">> {
  const cwd = await tempDir("clone");
  await mkdir(path.join(cwd, "targets", "autofix"), { recursive: true });
  await writeFile(path.join(cwd, "targets", "autofix", "autofix.py"), AUTOFIX_PY);
  await writeFile(path.join(cwd, "with-config-file.js"), Array.from({ length: 15 }, (_, i) => `line ${i + 1}`).join("\n") + "\n");
  await writeFile(path.join(cwd, "app.js"), "let count = 1;\nexport { count };\n");
  for (const name of ["semgrep-autofix.sarif", "eslint.sarif", "gitleaks.sarif"]) await copyFile(path.join(FIXTURES, name), path.join(cwd, name));
  return { cwd, scratchDir: await tempDir("scratch"), changedFiles: parseDiff(DIFF), defaultTimeoutMs: 30_000 };
}

describe("runSarifScanners", () => {
  it("reads SARIF from stdout and keeps only results on lines the change added", async () => {
    const ws = await workspace();
    const out = await runSarifScanners(runner, { ...ws, scanners: [{ name: "semgrep", run: "cat semgrep-autofix.sarif; exit 1" }] });
    expect(out.problems).toEqual([]);
    expect(out.findings.map((f) => [f.ruleId, f.path, f.line, f.replacement])).toEqual([
      ["sarif/semgrep/rules.autofix.use-dict-get", "targets/autofix/autofix.py", 5, "  inputs.get(x) = 1"],
    ]);
    expect(out.runs).toEqual([
      {
        name: "semgrep",
        command: ["sh", "-c", "cat semgrep-autofix.sarif; exit 1"],
        exitCode: 1,
        timedOut: false,
        durationMs: out.runs[0]!.durationMs,
        reported: 2,
        kept: 1,
        outsideChange: 0,
        outsideChangedLines: 1,
        problems: [],
      },
    ]);
  });

  it("onlyChangedLines: false keeps every line of a changed file", async () => {
    const ws = await workspace();
    const out = await runSarifScanners(runner, { ...ws, scanners: [{ name: "semgrep", run: "cat semgrep-autofix.sarif", onlyChangedLines: false }] });
    expect(out.findings.map((f) => f.line)).toEqual([5, 6]);
  });

  it("absolute file:// paths under the clone are made relative (eslint's formatter prints them)", async () => {
    const ws = await workspace();
    const out = await runSarifScanners(runner, {
      ...ws,
      scanners: [{ name: "eslint", run: `sed "s#file://${ESLINT_ROOT}#file://$PWD#g" eslint.sarif` }],
    });
    expect(out.problems).toEqual([]);
    expect(out.findings.map((f) => [f.ruleId, f.path, f.line])).toEqual([
      ["sarif/eslint/no-unused-vars", "with-config-file.js", 11],
      ["sarif/eslint/unicorn/better-regex", "with-config-file.js", 11],
      ["sarif/eslint/no-unused-vars", "with-config-file.js", 13],
      ["sarif/eslint/no-redeclare", "with-config-file.js", 15],
    ]);
  });

  it("results in files outside the change are dropped and counted", async () => {
    const ws = await workspace();
    const out = await runSarifScanners(runner, { ...ws, scanners: [{ name: "gitleaks", run: "cat gitleaks.sarif" }] });
    expect(out.findings).toEqual([]);
    expect(out.runs[0]).toMatchObject({ reported: 3, kept: 0, outsideChange: 3, outsideChangedLines: 0 });
    expect(out).toMatchObject({ problems: [], notes: [] });
  });

  it("paths outside the clone are a note, not a failure: the scanner worked", async () => {
    const ws = await workspace();
    const out = await runSarifScanners(runner, { ...ws, scanners: [{ name: "eslint", run: "cat eslint.sarif" }] });
    expect(out.findings).toEqual([]);
    expect(out.problems).toEqual([]);
    expect(out.notes).toEqual([
      `scanner \`eslint\`: runs[0]: 4 results could not be placed in the repository (kept without a file): "${ESLINT_ROOT}/with-config-file.js" is outside the repository (${[...new Set([ws.cwd, realpathSync(ws.cwd)])].join(", ")})`,
    ]);
    expect(out.runs[0]).toMatchObject({ reported: 4, kept: 0, outsideChange: 4 });
    expect(out.runs[0]!.error).toBeUndefined();
  });

  it("without changedFiles everything is kept (a full scan)", async () => {
    const ws = await workspace();
    const { changedFiles: _ignored, ...full } = ws;
    const out = await runSarifScanners(runner, { ...full, scanners: [{ name: "gitleaks", run: "cat gitleaks.sarif" }] });
    expect(out.findings.map((f) => f.path)).toEqual(["bucket_s3.py", "postgres_model.js", "text.txt"]);
  });

  it("reads the file named by `output`, and removes it afterwards when the scanner created it", async () => {
    const ws = await workspace();
    const out = await runSarifScanners(runner, {
      ...ws,
      scanners: [
        { name: "semgrep", run: "mkdir -p .reports && cp semgrep-autofix.sarif .reports/semgrep.sarif && echo 'scan complete'", output: ".reports/semgrep.sarif" },
      ],
    });
    expect(out.problems).toEqual([]);
    expect(out.findings.map((f) => f.line)).toEqual([5]);
    expect(existsSync(path.join(ws.cwd, ".reports", "semgrep.sarif"))).toBe(false);
  });

  it("a column-based fix becomes a suggestion from the clone's text of the file", async () => {
    const ws = await workspace();
    const sarif = {
      version: "2.1.0",
      runs: [
        {
          tool: { driver: { name: "ESLint", rules: [{ id: "prefer-const", shortDescription: { text: "Require const" } }] } },
          results: [
            {
              ruleId: "prefer-const",
              level: "error",
              message: { text: "'count' is never reassigned. Use 'const' instead." },
              locations: [{ physicalLocation: { artifactLocation: { uri: "app.js" }, region: { startLine: 1, startColumn: 5, endColumn: 10 } } }],
              fixes: [{ artifactChanges: [{ artifactLocation: { uri: "app.js" }, replacements: [{ deletedRegion: { startLine: 1, startColumn: 1, endColumn: 4 }, insertedContent: { text: "const" } }] }] }],
            },
          ],
        },
      ],
    };
    await writeFile(path.join(ws.cwd, "fix.sarif"), JSON.stringify(sarif));
    const out = await runSarifScanners(runner, { ...ws, scanners: [{ name: "eslint", run: "cat fix.sarif" }] });
    expect(out.findings.map((f) => [f.path, f.line, f.replacement, f.suggestion])).toEqual([["app.js", 1, "const count = 1;", "Apply the fix ESLint suggests."]]);
  });

  it("a scanner that prints no SARIF, garbage, or times out is a problem, never a throw; the others still count", async () => {
    const ws = await workspace();
    const out = await runSarifScanners(runner, {
      ...ws,
      knownSecrets: ["s3cr3t-value-123"],
      scanners: [
        { name: "quiet", run: "echo 'semgrep: command not found' >&2; exit 127" },
        { name: "garbage", run: "echo 'Scanning 3 files... {not json'; echo 'token s3cr3t-value-123' >&2; exit 2" },
        { name: "slow", run: "sleep 30", timeoutSeconds: 1 },
        { name: "missing-output", run: "true", output: "out/none.sarif" },
        { name: "escape", run: "true", output: "../../etc/x.sarif" },
        { name: "semgrep", run: "cat semgrep-autofix.sarif" },
      ],
    });
    expect(out.findings.map((f) => f.line)).toEqual([5]);
    expect(out.notes).toEqual([]);
    expect(out.problems).toEqual([
      "scanner `quiet`: printed no SARIF on stdout (exit code 127); its stderr ends with:\nsemgrep: command not found",
      expect.stringMatching(/^scanner `garbage`: the output is not valid JSON: .* \(exit code 2\); its stderr ends with:\ntoken \*\*\*\*$/),
      expect.stringMatching(/^scanner `slow`: timed out after \d+ s(; its stderr ends with:\n[\s\S]*)?$/),
      `scanner \`missing-output\`: wrote no SARIF file at ${path.join(ws.cwd, "out", "none.sarif")} (exit code 0)`,
      'scanner `escape`: output "../../etc/x.sarif" must be a file inside the repository or the scratch folder',
    ]);
    expect(out.runs.map((r) => [r.name, r.error === undefined ? "ok" : "error", r.timedOut])).toEqual([
      ["quiet", "error", false],
      ["garbage", "error", false],
      ["slow", "error", true],
      ["missing-output", "error", false],
      ["escape", "error", false],
      ["semgrep", "ok", false],
    ]);
  });

  it("an output file that is a symlink out of the clone is refused", async () => {
    const ws = await workspace();
    const outside = await tempDir("outside");
    await writeFile(path.join(outside, "secret.sarif"), await readFile(path.join(FIXTURES, "gitleaks.sarif"), "utf8"));
    const out = await runSarifScanners(runner, {
      ...ws,
      changedFiles: undefined,
      scanners: [{ name: "sneaky", run: `ln -s ${path.join(outside, "secret.sarif")} link.sarif`, output: "link.sarif" }],
    });
    expect(out.findings).toEqual([]);
    expect(out.problems[0]).toContain(`scanner \`sneaky\`: its output file resolves outside the repository (${path.join(outside, "secret.sarif")})`);
  });

  it("an abort throws CancelledError", async () => {
    const ws = await workspace();
    const controller = new AbortController();
    const pending = runSarifScanners(runner, { ...ws, signal: controller.signal, scanners: [{ name: "hang", run: "sleep 30" }] });
    setTimeout(() => controller.abort("test"), 300);
    await expect(pending).rejects.toBeInstanceOf(CancelledError);
  });
});
