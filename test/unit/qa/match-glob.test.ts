import { describe, expect, it } from "vitest";
import { matchGlob } from "../../../src/qa/match-glob.ts";

describe("matchGlob", () => {
  const cases: Array<[string, string, boolean]> = [
    ["*.min.js", "dist/app.min.js", true],
    ["*.min.js", "app.min.js", true],
    ["*.min.js", "app.js", false],
    ["dist", "dist/app.js", true],
    ["dist", "packages/web/dist/app.js", true],
    ["dist", "distribution/app.js", false],
    ["/dist", "packages/web/dist/app.js", false],
    ["/dist", "dist/app.js", true],
    ["vendor/", "vendor/lib/x.go", true],
    ["vendor/**", "vendor/lib/x.go", true],
    ["docs/generated", "docs/generated/api/index.md", true],
    ["src/**/*.snap", "src/a/b/c/x.snap", true],
    ["src/**/*.snap", "src/x.snap", true],
    ["src/*.ts", "src/a/b.ts", false],
    ["**/fixtures/**", "test/unit/fixtures/a.json", true],
    ["file?.txt", "file1.txt", true],
    ["file?.txt", "file10.txt", false],
    ["*.{png,jpg}", "img/a.jpg", true],
    ["*.{png,jpg}", "img/a.gif", false],
    ["[ab].txt", "b.txt", true],
    ["[!ab].txt", "b.txt", false],
    ["name (copy).txt", "name (copy).txt", true],
    ["", "anything", false],
  ];
  for (const [pattern, path, expected] of cases) {
    it(`${JSON.stringify(pattern)} ${expected ? "matches" : "does not match"} ${path}`, () => {
      expect(matchGlob(path, pattern)).toBe(expected);
    });
  }
});
