import { describe, expect, it } from "vitest";
import { RepoConfig } from "../../../src/config/repo-config.ts";
import { findPushBlockers } from "../../../src/qa/find-push-blockers.ts";
import { parseDiff } from "../../../src/qa/parse-diff.ts";
import { newFileDiff } from "./diff-text.ts";

// Assembled at runtime: the file holds no credential-shaped literal.
const token = ["gh", "p_", "aB3dE5fG7hJ9kL2mN4pQ6rS8tU0vW1xY", "aB3d"].join("");
const blockers = (diff: string, config: unknown = {}) =>
  findPushBlockers({ files: parseDiff(diff), fileSizes: {} }, RepoConfig.parse(config)).map((f) => [f.ruleId, f.path, f.line]);

describe("findPushBlockers", () => {
  it("stops a hard-coded secret, whatever its severity, and nothing else below decision.blockOn", () => {
    const diff = newFileDiff("src/config.js", [`export const token = "${token}";`, 'console.log("debug");']);
    expect(blockers(diff)).toEqual([["secrets/hardcoded", "src/config.js", 1]]);
  });
  it("stops any finding at or above decision.blockOn", () => {
    const diff = newFileDiff("src/app.js", ['import leftPad from "left-pad";', "export const x = leftPad(1);"]);
    expect(blockers(diff)).toEqual([]);
    expect(blockers(diff, { decision: { blockOn: "high" } })).toEqual([["deps/undeclared", "src/app.js", 1]]);
  });
  it("honours the repository's allow-list and ignored paths", () => {
    const diff = newFileDiff("fixtures/token.txt", [token]);
    expect(blockers(diff)).toEqual([["secrets/hardcoded", "fixtures/token.txt", 1]]);
    expect(blockers(diff, { ignorePaths: ["fixtures/**"] })).toEqual([]);
    expect(blockers(diff, { qa: { secrets: { values: [token] } } })).toEqual([]);
  });
});
