import { describe, expect, it } from "vitest";
import { AIDER_RECOVERIES } from "../../../../src/backends/aider-backend.ts";
import { CLAUDE_RECOVERIES } from "../../../../src/backends/claude-code-backend.ts";
import { describePlan, flattenPlan, operatorParts, replaceUnknownFlags, withParts, type LaunchPlan } from "../../../../src/backends/cli-launch-plan.ts";
import { findRecovery, lineAround, type RecoveryRule } from "../../../../src/backends/cli-recovery.ts";
import { CODEX_RECOVERIES } from "../../../../src/backends/codex-backend.ts";
import { geminiRecoveries } from "../../../../src/backends/gemini-backend.ts";

/** Pure tests of launch plans and the start-up recovery rules (no processes). */

const plan = (parts: LaunchPlan["parts"]): LaunchPlan => ({ parts, env: {}, makeDirs: [] });

const claudePlan = (mode = "acceptEdits", extra: LaunchPlan["parts"] = []): LaunchPlan =>
  plan([
    { tokens: ["-p", "do it"], source: "prompt" },
    { tokens: ["--output-format", "stream-json"], flag: "--output-format", source: "adapter" },
    { tokens: ["--permission-mode", mode], flag: "--permission-mode", source: "adapter" },
    { tokens: ["--max-budget-usd", "5"], flag: "--max-budget-usd", optional: true, source: "adapter" },
    ...extra,
  ]);

describe("launch plans", () => {
  it("flattens to argv and describes the prompt by its length", () => {
    const p = claudePlan();
    expect(flattenPlan(p)).toEqual(["-p", "do it", "--output-format", "stream-json", "--permission-mode", "acceptEdits", "--max-budget-usd", "5"]);
    expect(describePlan("claude", p)).toEqual(["claude", "-p", "<prompt: 5 chars>", "--output-format", "stream-json", "--permission-mode", "acceptEdits", "--max-budget-usd", "5"]);
  });

  it("adds parts after the adapter's own: before operator args, or before a trailing positional prompt", () => {
    const extra = { tokens: ["--x"], flag: "--x", source: "adapter" as const };
    const withArgs = plan([{ tokens: ["exec"], source: "adapter" }, ...operatorParts(["-c", "k=v"]), { tokens: ["prompt"], source: "prompt" }]);
    expect(flattenPlan(withParts(withArgs, [extra]))).toEqual(["exec", "--x", "-c", "k=v", "prompt"]);
    const positional = plan([{ tokens: ["exec"], source: "adapter" }, { tokens: ["prompt"], source: "prompt" }]);
    expect(flattenPlan(withParts(positional, [extra]))).toEqual(["exec", "--x", "prompt"]);
    expect(flattenPlan(withParts(claudePlan(), [extra])).slice(-1)).toEqual(["--x"]);
  });

  it("marks operator options so recoveries can find them", () => {
    expect(operatorParts(["--add-dir", "/opt", "--model=x"])).toEqual([
      { tokens: ["--add-dir"], flag: "--add-dir", source: "operator" },
      { tokens: ["/opt"], source: "operator" },
      { tokens: ["--model=x"], flag: "--model", source: "operator" },
    ]);
  });

  it("replaces unknown flags by their fallback, drops optional ones, refuses the rest", () => {
    const p = plan([
      { tokens: ["--yes-always"], flag: "--yes-always", fallback: ["--yes"], source: "adapter" },
      { tokens: ["--no-gitignore"], flag: "--no-gitignore", optional: true, source: "adapter" },
      { tokens: ["--no-pretty"], flag: "--no-pretty", source: "adapter" },
    ]);
    const fixed = replaceUnknownFlags(p, ["--yes-always", "--no-gitignore"]);
    expect(fixed && flattenPlan(fixed.plan)).toEqual(["--yes", "--no-pretty"]);
    expect(fixed?.changes).toEqual(["--yes-always -> --yes", "dropped --no-gitignore"]);
    expect(replaceUnknownFlags(p, ["--no-pretty"])).toBeUndefined();
    expect(replaceUnknownFlags(p, ["--not-in-the-plan"])).toBeUndefined();
  });
});

describe("recovery rules", () => {
  it("finds the first matching rule, skips a rule that throws, quotes the whole failing line", () => {
    const broken: RecoveryRule = {
      id: "broken",
      apply() {
        throw new Error("bug");
      },
    };
    const found = findRecovery([broken, ...CLAUDE_RECOVERIES], "Usage: claude\nerror: unknown option '--max-budget-usd'\n", claudePlan());
    expect(found?.rule).toBe("claude-unknown-option");
    expect(found?.reason).toBe("error: unknown option '--max-budget-usd'");
    expect(lineAround("a\nbb XX cc\nd", 5)).toBe("bb XX cc");
  });

  it("claude: switches a root bypass to acceptEdits, and ignores the message when nothing bypassed", () => {
    const out = "--dangerously-skip-permissions cannot be used with root/sudo privileges for security reasons";
    const bypassing = claudePlan("bypassPermissions", operatorParts(["--dangerously-skip-permissions"]));
    const fixed = findRecovery(CLAUDE_RECOVERIES, out, bypassing);
    expect(fixed && flattenPlan(fixed.plan)).toEqual(["-p", "do it", "--output-format", "stream-json", "--permission-mode", "acceptEdits", "--max-budget-usd", "5"]);
    expect(findRecovery(CLAUDE_RECOVERIES, out, claudePlan())).toBeUndefined();
  });

  it("recognises each CLI's unknown-option message", () => {
    const codexPlan = plan([
      { tokens: ["exec"], source: "adapter" },
      { tokens: ["--local-provider", "ollama"], flag: "--local-provider", optional: true, source: "adapter" },
      { tokens: ["p"], source: "prompt" },
    ]);
    expect(findRecovery(CODEX_RECOVERIES, "error: unexpected argument '--local-provider' found\n\nUsage: codex exec", codexPlan)?.fix).toBe(
      "relaunched Codex without the flags this version does not know: dropped --local-provider ollama",
    );
    const geminiPlan = plan([
      { tokens: ["-p", "p"], source: "prompt" },
      { tokens: ["--approval-mode", "yolo"], flag: "--approval-mode", fallback: ["--yolo"], source: "adapter" },
    ]);
    const gemini = findRecovery(geminiRecoveries(new Set()), "Unknown arguments: approval-mode, approvalMode", geminiPlan);
    expect(gemini && flattenPlan(gemini.plan)).toEqual(["-p", "p", "--yolo"]);
    const aiderPlan = plan([
      { tokens: ["--message", "p"], source: "prompt" },
      { tokens: ["--no-analytics"], flag: "--no-analytics", optional: true, source: "adapter" },
      { tokens: ["--no-check-update"], flag: "--no-check-update", optional: true, source: "adapter" },
    ]);
    const aider = findRecovery(AIDER_RECOVERIES, "usage: aider [-h]\naider: error: unrecognized arguments: --no-analytics --no-check-update", aiderPlan);
    expect(aider && flattenPlan(aider.plan)).toEqual(["--message", "p"]);
  });

  it("gemini: drops only include directories it configured, the named one and the ones missing here", () => {
    const p = plan([
      { tokens: ["-p", "p"], source: "prompt" },
      { tokens: ["--include-directories", "/docs/a"], flag: "--include-directories", optional: true, source: "adapter" },
      { tokens: ["--include-directories", "/docs/b"], flag: "--include-directories", optional: true, source: "adapter" },
      { tokens: ["--include-directories", "/docs/c"], flag: "--include-directories", optional: true, source: "adapter" },
    ]);
    const rules = geminiRecoveries(new Set(["/docs/c"]));
    const fixed = findRecovery(rules, "An unexpected critical error occurred:\nError: Directory does not exist: /docs/b\n    at WorkspaceContext", p);
    expect(fixed && flattenPlan(fixed.plan)).toEqual(["-p", "p", "--include-directories", "/docs/a"]);
    expect(fixed?.reason).toBe("Error: Directory does not exist: /docs/b");
    // A folder the repository's own gemini settings name is not ours to drop.
    expect(findRecovery(rules, "Error: Directory does not exist: /elsewhere", p)).toBeUndefined();
  });
});
