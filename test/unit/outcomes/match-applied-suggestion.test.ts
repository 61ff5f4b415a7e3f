import { describe, expect, it } from "vitest";
import type { PullRequestFile } from "../../../src/codehost/code-host.ts";
import {
  candidateCommits,
  matchAppliedSuggestion,
  type PostedSuggestion,
  type SuggestionCommit,
} from "../../../src/outcomes/match-applied-suggestion.ts";

const suggestion = (over: Partial<PostedSuggestion> = {}): PostedSuggestion => ({
  commentId: 7,
  path: "src/a.ts",
  replacement: "const b = JSON.parse(input);",
  originalCommitId: "bbb",
  createdAt: "2024-05-01T10:00:00Z",
  ...over,
});
const person = { login: "alice", bot: false };
const commit = (sha: string, over: Partial<SuggestionCommit> = {}): SuggestionCommit => ({
  sha,
  message: "work",
  author: person,
  committedAt: "2024-05-01T09:00:00Z",
  ...over,
});
const file = (patch: string, path = "src/a.ts"): PullRequestFile => ({ path, status: "modified", additions: 1, deletions: 1, patch });

describe("candidateCommits", () => {
  it("takes the commits by people after the commit the comment was made on", () => {
    const commits = [
      commit("aaa"),
      commit("bbb", { author: { login: "moderator[bot]", bot: true } }),
      commit("ccc", { author: { login: "moderator[bot]", bot: true } }),
      commit("ddd", { author: null }),
      commit("eee"),
      commit("fff", { author: { login: "renovate", bot: true } }),
      commit("ggg", { author: { login: "sneaky[bot]", bot: false } }),
    ];
    expect(candidateCommits(suggestion(), commits).map((c) => c.sha)).toEqual(["eee"]);
  });

  it("falls back to the comment's time when its commit is gone (force push), and to everything when times are unknown", () => {
    const commits = [commit("x1", { committedAt: "2024-05-01T09:59:59Z" }), commit("x2", { committedAt: "2024-05-01T10:00:00Z" }), commit("x3", { committedAt: null })];
    expect(candidateCommits(suggestion({ originalCommitId: "gone" }), commits).map((c) => c.sha)).toEqual(["x2", "x3"]);
    expect(candidateCommits(suggestion({ originalCommitId: null, createdAt: "" }), commits).map((c) => c.sha)).toEqual(["x1", "x2", "x3"]);
  });
});

describe("matchAppliedSuggestion", () => {
  const applied = "@@ -1,3 +1,3 @@\n const a = 1;\n-const b = eval(input);\n+const b = JSON.parse(input);\n export { a };";

  it("recognises the block's lines written by the commit, whatever its message", () => {
    expect(matchAppliedSuggestion(suggestion(), { message: "Update src/a.ts", files: [file(applied)] })).toBe("replacement");
    expect(matchAppliedSuggestion(suggestion(), { message: "fix by hand", files: [file(applied.replace("input);", "input);   "))] })).toBe("replacement");
  });

  it("matches a multi-line block whose unchanged lines are context", () => {
    const patch = "@@ -4,3 +4,3 @@\n if (x) {\n-  run(x)\n+  run(x);\n }";
    expect(matchAppliedSuggestion(suggestion({ replacement: "if (x) {\n  run(x);\n}\n" }), { message: "Apply suggestions from code review", files: [file(patch)] })).toBe(
      "replacement",
    );
    // Every line is context: the commit did not write it.
    expect(matchAppliedSuggestion(suggestion({ replacement: "if (x) {" }), { message: "Apply suggestions from code review", files: [file(patch)] })).toBeNull();
  });

  it("does not match another file, another text, or a file without a patch", () => {
    expect(matchAppliedSuggestion(suggestion(), { message: "x", files: [file(applied, "src/b.ts")] })).toBeNull();
    expect(matchAppliedSuggestion(suggestion({ replacement: "const b = other();" }), { message: "x", files: [file(applied)] })).toBeNull();
    expect(matchAppliedSuggestion(suggestion(), { message: "x", files: [{ path: "src/a.ts", status: "modified", additions: 0, deletions: 0 }] })).toBeNull();
  });

  it("needs GitHub's suggestion message for trivial blocks and for deletions", () => {
    const brace = "@@ -1,2 +1,3 @@\n x\n+}\n y";
    expect(matchAppliedSuggestion(suggestion({ replacement: "}" }), { message: "more work", files: [file(brace)] })).toBeNull();
    expect(matchAppliedSuggestion(suggestion({ replacement: "}" }), { message: "Apply suggestion from @moderator[bot]", files: [file(brace)] })).toBe("replacement");

    const deletion = "@@ -3,2 +3,0 @@\n-it.only(\"x\", () => {});\n-debugger;";
    expect(matchAppliedSuggestion(suggestion({ replacement: "" }), { message: "Update src/a.ts", files: [file(deletion)] })).toBe("deletion");
    expect(matchAppliedSuggestion(suggestion({ replacement: "" }), { message: "cleanup", files: [file(deletion)] })).toBeNull();
    expect(matchAppliedSuggestion(suggestion({ replacement: "" }), { message: "Update src/a.ts", files: [file(applied)] })).toBeNull();
  });
});
