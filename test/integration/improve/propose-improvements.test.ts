import { afterEach, describe, expect, it } from "vitest";
import { Improvement } from "../../../src/improve/improvement.ts";
import { proposeImprovements } from "../../../src/improve/propose-improvements.ts";
import { runAnalyzers } from "../../../src/qa/run-analyzers.ts";
import { createGitFixture, type GitFixture } from "./git-fixture.ts";

const lines = (...l: string[]): string => `${l.join("\n")}\n`;

let fixtures: GitFixture[] = [];
async function repo(base: Record<string, string>): Promise<GitFixture> {
  const f = await createGitFixture(base);
  fixtures.push(f);
  return f;
}
afterEach(async () => {
  await Promise.all(fixtures.map((f) => f.dispose()));
  fixtures = [];
});

const summary = (items: Improvement[]) => items.map((i) => [i.type, i.files.join(","), i.priority]);

describe("proposeImprovements on real git diffs", () => {
  it("TypeScript with mirrored test folders: tests for untested changed files (at the learned path), docs for new and re-signed exports", async () => {
    const r = await repo({
      "README.md": "# Lib\n",
      "package.json": '{"name":"lib"}\n',
      "src/qa/parse.ts": lines("export function parse(text: string): string[] {", "  return text.split(',');", "}"),
      "test/unit/qa/parse.test.ts": lines("import { parse } from '../../../src/qa/parse.ts';", "test('parse', () => {});"),
      "src/render/format.ts": lines("export const format = (x: number) => String(x);"),
      "test/unit/render/format.test.ts": lines("import { format } from '../../../src/render/format.ts';"),
      "src/util/math.ts": lines("export function clamp(n: number): number {", "  return Math.max(0, n);", "}"),
      "src/qa/index.ts": lines("export * from './parse.ts';"),
    });
    await r.write({
      // Has a test: no tests proposal, and no API change.
      "src/qa/parse.ts": lines("export function parse(text: string): string[] {", "  const parts = text.split(',');", "  const trimmed = parts.map((p) => p.trim());", "  const kept = trimmed.filter((p) => p !== '');", "  return kept;", "}"),
      // New, untested, exports a function.
      "src/improve/rank.ts": lines(
        "import { parse } from '../qa/parse.ts';",
        "",
        "export function rankAll(text: string): string[] {",
        "  const items = parse(text);",
        "  items.sort();",
        "  return items.reverse();",
        "}",
      ),
      // Untested, exported signature changed.
      "src/util/math.ts": lines("export function clamp(n: number, max: number): number {", "  if (n > max) return max;", "  if (n < 0) return 0;", "  return n;", "}"),
      // Only re-exports: no code worth a test.
      "src/qa/index.ts": lines("export * from './parse.ts';", "export { format } from '../render/format.ts';"),
      // Scripts and declarations are not owed tests.
      "scripts/release.ts": lines("const a = 1;", "const b = 2;", "console.info(a + b);"),
      "src/types.d.ts": lines("declare const x: number;", "declare const y: number;", "declare const z: number;"),
    });
    await r.commit("change");
    const { files } = await r.diff();
    const repoFiles = await r.lsFiles();

    const out = proposeImprovements({ files, findings: [], repoFiles });
    expect(out.every((i) => Improvement.safeParse(i).success)).toBe(true);
    expect(summary(out)).toEqual([
      ["tests", "src/improve/rank.ts", 2],
      // Same priority: the stale docs of a re-signed export are worth more than tests for four lines.
      ["docs", "src/util/math.ts", 3],
      ["tests", "src/util/math.ts", 3],
      ["docs", "src/improve/rank.ts", 4],
    ]);
    const [rankTests, mathDocs, mathTests, rankDocs] = out;
    expect(rankTests!.title).toBe("Add tests for src/improve/rank.ts");
    expect(rankTests!.task).toContain("`test/unit/improve/rank.test.ts`");
    expect(rankTests!.task).toContain("`rankAll`");
    expect(rankTests!.rationale).toContain("is new");
    expect(mathTests!.task).toContain("`test/unit/util/math.test.ts`");
    expect(mathDocs!.title).toBe("Document the API changes in src/util/math.ts");
    expect(mathDocs!.rationale).toBe("The public API of `src/util/math.ts` changed (new signature for `clamp`) but the change touches no README or docs, so users would not learn about it.");
    expect(mathDocs!.task).toContain("changed: `export function clamp(n: number): number` -> `export function clamp(n: number, max: number): number`");
    expect(mathDocs!.task).toContain("`README.md`");
    expect(rankDocs!.rationale).toContain("(added `rankAll`)");
    expect(new Set(out.map((i) => i.fingerprint)).size).toBe(4);
  });

  it("proposes no docs when the change touched the README or docs", async () => {
    const r = await repo({ "README.md": "# Lib\n", "lib/api.js": lines("exports.get = function (url) {", "  return url;", "};") });
    await r.write({
      "lib/api.js": lines("exports.get = function (url, opts) {", "  return [url, opts];", "};", "exports.post = async (url, body) => [url, body];"),
      "docs/api.md": "# API\n\nget(url, opts), post(url, body)\n",
    });
    await r.commit("change");
    const { files } = await r.diff();
    const out = proposeImprovements({ files, findings: [], repoFiles: await r.lsFiles() });
    expect(out.map((i) => i.type)).toEqual(["tests"]);
    expect(out[0]!.files).toEqual(["lib/api.js"]);
  });

  it("Python: a test by the tests/test_<name>.py convention covers a module; a new module gets one suggested there; private modules have no public API", async () => {
    const r = await repo({
      "pkg/__init__.py": "",
      "pkg/utils.py": lines("def slug(text):", "    return text.lower()"),
      "tests/test_utils.py": lines("from pkg.utils import slug", "", "def test_slug():", "    assert slug('A') == 'a'"),
    });
    await r.write({
      "pkg/utils.py": lines("def slug(text, sep='-'):", "    words = text.lower().split()", "    joined = sep.join(words)", "    return joined.strip(sep)"),
      "pkg/parser.py": lines("import re", "", "class Parser:", "    def __init__(self, text):", "        self.text = text", "", "    def tokens(self):", "        return re.findall(r'\\w+', self.text)", "", "def _helper():", "    return 1"),
      "pkg/_internal.py": lines("def public_looking(x):", "    y = x * 2", "    z = y + 1", "    return z"),
    });
    await r.commit("change");
    const { files } = await r.diff();
    const out = proposeImprovements({ files, findings: [], repoFiles: await r.lsFiles() });
    expect(summary(out)).toEqual([
      ["tests", "pkg/parser.py", 2],
      ["tests", "pkg/_internal.py", 2],
      ["docs", "pkg/utils.py", 3],
      ["docs", "pkg/parser.py", 4],
    ]);
    expect(out[0]!.task).toContain("`tests/test_parser.py`");
    expect(out[2]!.task).toContain("changed: `def slug(text)` -> `def slug(text, sep='-')`");
    expect(out[3]!.rationale).toContain("(added `Parser`)");
    expect(out[3]!.rationale).not.toContain("_helper");
  });

  it("Go: foo_test.go beside foo.go covers it; new files get a test beside them; internal/ and cmd/ have no public API", async () => {
    const r = await repo({
      "go.mod": "module example.com/m\n\ngo 1.22\n",
      "pkg/store/store.go": lines("package store", "", "func Open(path string) error {", "\treturn nil", "}"),
      "pkg/store/store_test.go": lines("package store", "", 'import "testing"', "", "func TestOpen(t *testing.T) {}"),
    });
    await r.write({
      "pkg/store/store.go": lines("package store", "", "func Open(path string, readOnly bool) error {", "\tif readOnly {", "\t\treturn nil", "\t}", "\treturn nil", "}"),
      "pkg/store/cache.go": lines("package store", "", "type Cache struct {", "\titems map[string]string", "}", "", "func NewCache() *Cache {", "\treturn &Cache{items: map[string]string{}}", "}", "", "func (c *Cache) Get(k string) string {", "\treturn c.items[k]", "}"),
      "internal/x/x.go": lines("package x", "", "func Exported() int {", "\tv := 1", "\tv++", "\treturn v", "}"),
    });
    await r.commit("change");
    const { files } = await r.diff();
    const out = proposeImprovements({ files, findings: [], repoFiles: await r.lsFiles() });
    expect(summary(out)).toEqual([
      ["tests", "pkg/store/cache.go", 2],
      ["tests", "internal/x/x.go", 2],
      ["docs", "pkg/store/store.go", 3],
      ["docs", "pkg/store/cache.go", 4],
    ]);
    expect(out[0]!.task).toContain("`pkg/store/cache_test.go`");
    expect(out[3]!.rationale).toContain("(added `Cache`, `Cache.Get`, `NewCache`)");
  });

  it("JavaScript with __tests__ folders: the layout is learned; a test added in the diff that imports a new file covers it", async () => {
    const r = await repo({
      "src/a/foo.js": lines("module.exports = 1;"),
      "src/a/__tests__/foo.test.js": lines("const foo = require('../foo');"),
    });
    await r.write({
      "src/b/bar.js": lines("function bar(x) {", "  const y = x + 1;", "  return y * 2;", "}", "module.exports = { bar };"),
      "src/lib/slug.js": lines("function slug(s) {", "  const t = s.trim();", "  return t.toLowerCase();", "}", "module.exports = { slug };"),
      "test/helpers.test.js": lines("const { slug } = require('../src/lib/slug');", "test('slug', () => expect(slug(' A ')).toBe('a'));"),
    });
    await r.commit("change");
    const { files } = await r.diff();
    const out = proposeImprovements({ files, findings: [], repoFiles: await r.lsFiles() });
    expect(summary(out)).toEqual([["tests", "src/b/bar.js", 2]]);
    expect(out[0]!.task).toContain("`src/b/__tests__/bar.test.js`");
  });

  it("without the repository's file list, only files the change adds get a tests proposal; at most 3, biggest first", async () => {
    const body = (n: number) => Array.from({ length: n }, (_, i) => `export const v${i} = ${i} * 2;`);
    const r = await repo({ "src/old.ts": lines("export const a = 1;") });
    await r.write({
      "src/old.ts": lines("export const a = 1;", ...body(20)),
      "src/one.ts": lines(...body(4)),
      "src/two.ts": lines(...body(40)),
      "src/three.ts": lines(...body(10)),
      "src/four.ts": lines(...body(6)),
    });
    await r.commit("change");
    const { files } = await r.diff();
    const out = proposeImprovements({ files, findings: [] });
    expect(out.filter((i) => i.type === "tests").map((i) => i.files[0])).toEqual(["src/two.ts", "src/three.ts", "src/four.ts"]);
  });

  it("fixes: one improvement per rule for findings with an exact replacement, from the real analyzers", async () => {
    const r = await repo({
      "src/app.ts": lines("export function run(): number {", "  return 1;", "}"),
      "src/other.ts": lines("export const x = 1;"),
      "src/app.test.ts": lines("test('x', () => {});"),
      "src/other.test.ts": lines("test('x', () => {});"),
    });
    await r.write({
      "src/app.ts": lines("export function run(): number {", "  console.log('here');", "  const v = 1;", "  console.log(v);", "  return v;", "}"),
      "src/other.ts": lines("export const x = 1;", "console.log(x);"),
    });
    await r.commit("change");
    const { files } = await r.diff();
    const findings = runAnalyzers({ files, fileSizes: {} });
    expect(findings.filter((f) => f.replacement !== undefined).length).toBe(3);
    const out = proposeImprovements({ files, findings, repoFiles: await r.lsFiles() });
    const fixes = out.filter((i) => i.type === "fix");
    expect(fixes).toHaveLength(1);
    const [fix] = fixes;
    expect(fix!.title).toBe("Apply 3 suggested fixes for debug/leftover");
    expect(fix!.files).toEqual(["src/app.ts", "src/other.ts"]);
    expect(fix!.priority).toBe(3);
    expect(fix!.task).toContain("1. `src/app.ts` line 2: Leftover debug statement (console.log)\n   Delete that line.");
    expect(fix!.task).toContain("3. `src/other.ts` line 2:");

    // The same findings after the code moved down keep the same fingerprint; the order is the same whatever the input order.
    await r.write({
      "src/app.ts": lines("// moved", "", "export function run(): number {", "  console.log('here');", "  const v = 1;", "  console.log(v);", "  return v;", "}"),
    });
    await r.commit("move");
    const moved = await r.diff();
    const again = proposeImprovements({ files: [...moved.files].reverse(), findings: runAnalyzers({ files: moved.files, fileSizes: {} }).reverse(), repoFiles: (await r.lsFiles()).reverse() });
    expect(again.find((i) => i.type === "fix")!.fingerprint).toBe(fix!.fingerprint);
    expect(again.find((i) => i.type === "fix")!.task).toContain("`src/app.ts` line 4");
  });

  it("is deterministic: the same input in another order gives the same list", async () => {
    const r = await repo({ "README.md": "# x\n" });
    await r.write({
      "src/a.ts": lines("export function a(x: number) {", "  const y = x;", "  return y + 1;", "}"),
      "src/b.py": lines("def b(x):", "    y = x", "    return y + 1"),
      "src/c.go": lines("package c", "", "func C(x int) int {", "\ty := x", "\treturn y + 1", "}"),
    });
    await r.commit("change");
    const { files } = await r.diff();
    const repoFiles = await r.lsFiles();
    const one = proposeImprovements({ files, findings: [], repoFiles });
    const two = proposeImprovements({ files: [...files].reverse(), findings: [], repoFiles: [...repoFiles].reverse() });
    expect(two).toEqual(one);
    expect(one.length).toBe(5);
  });
});
