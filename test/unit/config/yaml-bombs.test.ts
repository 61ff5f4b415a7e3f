import { describe, expect, it } from "vitest";
import { parseOperatorConfig } from "../../../src/config/operator-config.ts";
import { MAX_YAML_BYTES, parseYamlDocument } from "../../../src/config/parse-yaml-document.ts";
import { parseRepoConfig } from "../../../src/config/repo-config.ts";
import { parseLearningsFile } from "../../../src/learner/learnings-file.ts";
import { ConfigError } from "../../../src/util/errors.ts";

/** "Billion laughs": each level holds nine aliases of the one before; a small text that expands to 9^levels nodes. */
function aliasBomb(levels: number, key = "exclude"): string {
  const lines = ["x0: &x0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"];
  for (let i = 1; i <= levels; i++) lines.push(`x${i}: &x${i} [${Array.from({ length: 9 }, () => `*x${i - 1}`).join(", ")}]`);
  lines.push(`${key}: *x${levels}`);
  return `${lines.join("\n")}\n`;
}

describe("YAML alias bombs and oversized documents", () => {
  it("a repository config alias bomb is reported as a config problem, not thrown", () => {
    const r = parseRepoConfig(aliasBomb(8));
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.problems).toHaveLength(1);
      expect(r.problems[0]).toMatch(/^\(yaml\): too many aliases/);
    }
  });

  it("an operator config alias bomb is a ConfigError with one line per problem", () => {
    let err: unknown;
    try {
      parseOperatorConfig(aliasBomb(8), "/etc/moderator/moderator.config.yml");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems).toEqual([expect.stringMatching(/^\(yaml\): too many aliases/)]);
    expect((err as ConfigError).message).toContain("/etc/moderator/moderator.config.yml");
  });

  it("a learnings file alias bomb is reported, not thrown", () => {
    const r = parseLearningsFile(aliasBomb(8, "rules"));
    expect(r.ok).toBe(false);
  });

  it("a few ordinary anchors and aliases are still fine", () => {
    const r = parseYamlDocument("base: &b { a: 1 }\none: *b\ntwo: *b\nthree: [*b, *b]\n");
    expect(r).toEqual({ ok: true, value: { base: { a: 1 }, one: { a: 1 }, two: { a: 1 }, three: [{ a: 1 }, { a: 1 }] } });
  });

  it("a document larger than the limit is refused before it is parsed", () => {
    const big = `label: moderator\n# ${"x".repeat(MAX_YAML_BYTES)}\n`;
    const r = parseYamlDocument(big);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems[0]).toMatch(/^\(yaml\): the document is \d+ bytes; at most \d+ are read/);
  });
});
