import { describe, expect, it } from "vitest";
import { commandFindings, type CommandResult } from "../../../src/qa/command-findings.ts";

const base: CommandResult = { name: "test", command: ["npm", "test"], exitCode: 0, timedOut: false, output: "ok\n", durationMs: 1200 };
const token = ["gh", "s_", "aB3dE5fG7hJ9kL2mN4pQ6rS8tU0vW1xYaB3d"].join("");

describe("commandFindings", () => {
  it("produces nothing for commands that passed", () => {
    expect(commandFindings([base], [])).toEqual([]);
  });

  it("reports a failed command as qa/command-failed (high) with the redacted output tail", () => {
    const output = [
      ...Array.from({ length: 100 }, (_, i) => `line ${i + 1}`),
      `\u001b[31mFAIL\u001b[39m src/a.test.ts`,
      `using token ${token} and secret hunter2-password`,
      "",
    ].join("\n");
    const [f, ...rest] = commandFindings([{ ...base, exitCode: 1, output }], ["hunter2-password"]);
    expect(rest).toEqual([]);
    expect(f).toMatchObject({
      ruleId: "qa/command-failed",
      source: "command",
      severity: "high",
      confidence: 1,
      title: "QA command `test` failed (exit 1)",
    });
    expect(f!.path).toBeUndefined();
    expect(f!.message).toContain("`npm test` exited with code 1 after 1.2 s.");
    expect(f!.message).toContain("Last 60 lines of output:");
    expect(f!.message).toContain("line 100");
    expect(f!.message).toContain("line 43");
    expect(f!.message).not.toContain("line 42\n");
    expect(f!.message).toContain("FAIL src/a.test.ts");
    expect(f!.message).not.toContain("\u001b[");
    expect(f!.message).toContain("ghs_****");
    expect(f!.message).not.toContain(token);
    expect(f!.message).not.toContain("hunter2-password");
    expect(f!.suggestion).toContain("npm test");
  });

  it("reports a timeout as qa/command-timeout (medium), and a kill without exit code as a failure", () => {
    const findings = commandFindings(
      [
        { ...base, name: "e2e", command: ["npx", "playwright", "test"], exitCode: null, timedOut: true, output: "", durationMs: 600_000 },
        { ...base, name: "lint", command: ["npm", "run", "lint"], exitCode: null, timedOut: false, output: "Killed", durationMs: 50 },
      ],
      [],
    );
    expect(findings.map((f) => [f.ruleId, f.severity, f.title])).toEqual([
      ["qa/command-timeout", "medium", "QA command `e2e` timed out"],
      ["qa/command-failed", "high", "QA command `lint` failed (killed)"],
    ]);
    expect(findings[0]!.message).toContain("stopped after 10 min 00 s");
    expect(findings[0]!.message).toContain("The command printed nothing.");
    expect(findings[1]!.message).toContain("was killed by a signal after 50 ms");
  });

  it("fences output that itself contains backticks", () => {
    const [f] = commandFindings([{ ...base, exitCode: 2, output: "```\nnot the end\n```" }], []);
    expect(f!.message).toContain("````text\n```\nnot the end\n```\n````");
  });

  it("keeps a stable fingerprint across runs with different output", () => {
    const a = commandFindings([{ ...base, exitCode: 1, output: "run 1" }], [])[0]!;
    const b = commandFindings([{ ...base, exitCode: 1, output: "run 2 different" }], [])[0]!;
    expect(a.fingerprint).toBe(b.fingerprint);
  });
});
