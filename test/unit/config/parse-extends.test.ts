import { describe, expect, it } from "vitest";
import { mergeConfigLayers } from "../../../src/config/merge-config-layers.ts";
import { parseExtends } from "../../../src/config/parse-extends.ts";

describe("parseExtends", () => {
  it("reads repo, owner/repo and owner/repo:path.yml like Probot", () => {
    expect(parseExtends(".github", "octo", ".github/moderator.yml")).toEqual({ ok: true, ref: { owner: "octo", repo: ".github", path: ".github/moderator.yml" } });
    expect(parseExtends("acme/presets", "octo", ".github/moderator.yml")).toEqual({ ok: true, ref: { owner: "acme", repo: "presets", path: ".github/moderator.yml" } });
    expect(parseExtends("acme/presets:a/b.yaml", "octo", "x.yml")).toEqual({ ok: true, ref: { owner: "acme", repo: "presets", path: "a/b.yaml" } });
    expect(parseExtends("acme/presets:a/b.json", "octo", "x.yml").ok).toBe(false);
    expect(parseExtends(3, "octo", "x.yml").ok).toBe(false);
  });
});

describe("mergeConfigLayers", () => {
  it("the closer layer wins key by key; an unknown key is named in the file that has it", () => {
    const r = mergeConfigLayers([
      { source: undefined, value: { qa: { maxComments: 4 } } },
      { source: "o/.github:.github/moderator.yml", value: { qa: { maxComments: 9, minConfidence: 0.9, bogus: 1 } } },
    ]);
    expect(r).toEqual({ ok: false, problems: ['qa (in o/.github:.github/moderator.yml): Unrecognized key: "bogus"'] });
    const ok = mergeConfigLayers([
      { source: undefined, value: { qa: { maxComments: 4 } } },
      { source: "o/.github:.github/moderator.yml", value: { qa: { maxComments: 9, minConfidence: 0.9 } } },
    ]);
    expect(ok.ok && [ok.config.qa.maxComments, ok.config.qa.minConfidence]).toEqual([4, 0.9]);
  });
});
