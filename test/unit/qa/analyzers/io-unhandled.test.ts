import { describe, expect, it } from "vitest";
import { ioUnhandled } from "../../../../src/qa/analyzers/io-unhandled.ts";
import { parseDiff } from "../../../../src/qa/parse-diff.ts";
import { hunkDiff, newFileDiff } from "../diff-text.ts";

const run = (diff: string) => ioUnhandled.analyze({ files: parseDiff(diff), fileSizes: {} });
const lines = (diff: string) => run(diff).map((f) => f.line);

describe("io/unhandled: JavaScript / TypeScript", () => {
  it("flags await fetch, readFileSync, writeFileSync and JSON.parse outside try", () => {
    const findings = run(
      newFileDiff("src/load.ts", [
        "export async function load(url: string) {",
        "  const res = await fetch(url);",
        '  const raw = fs.readFileSync("a.json", "utf8");',
        "  const cfg = JSON.parse(raw);",
        '  writeFileSync("out.json", raw);',
        "}",
      ]),
    );
    expect(findings.map((f) => [f.line, f.title])).toEqual([
      [2, "Unhandled error from await fetch()"],
      [3, "Unhandled error from readFileSync()"],
      [4, "Unhandled error from JSON.parse()"],
      [5, "Unhandled error from writeFileSync()"],
    ]);
    for (const f of findings) expect(f).toMatchObject({ ruleId: "io/unhandled", severity: "medium", confidence: 0.6 });
  });

  it("names every risky call of a line in one finding", () => {
    const findings = run(newFileDiff("src/a.ts", ['const c = JSON.parse(readFileSync("c.json", "utf8"));']));
    expect(findings).toHaveLength(1);
    expect(findings[0]!.title).toBe("Unhandled error from JSON.parse() and readFileSync()");
  });

  it("accepts calls inside a visible try block, including nested blocks and try on its own line", () => {
    const diff = newFileDiff("src/ok.ts", [
      "try {",
      "  if (x) {",
      "    const a = JSON.parse(s);",
      "  }",
      "  const b = await fetch(u);",
      "} catch (e) {",
      "  log(e);",
      "}",
      "try",
      "{",
      "  const c = readFileSync(p);",
      "} finally {}",
      "const after = JSON.parse(t);",
    ]);
    expect(lines(diff)).toEqual([13]);
  });

  it("flags calls inside a catch block (the try does not protect its handler)", () => {
    expect(lines(newFileDiff("src/c.ts", ["try {", "  go();", "} catch {", "  const d = JSON.parse(s);", "}"]))).toEqual([4]);
  });

  it("accepts calls in a try opened above the hunk when the hunk shows its catch", () => {
    const diff = hunkDiff("src/mid.ts", 20, [
      "     const a = 1;",
      "+    const parsed = JSON.parse(body);",
      "+    if (parsed) {",
      "+      use(parsed);",
      "+    }",
      "   } catch (error) {",
      "     report(error);",
      "   }",
    ]);
    expect(run(diff)).toEqual([]);
  });

  it("accepts .catch() chained on the same line or the next lines", () => {
    const diff = newFileDiff("src/p.ts", [
      "const a = await fetch(u).catch(() => undefined);",
      "const b = await fetch(u)",
      "  .then((r) => r.json())",
      "  .catch(() => null);",
      "const c = await fetch(u);",
      "other.catch(() => null);",
    ]);
    expect(lines(diff)).toEqual([5]);
  });

  it("ignores calls in strings and comments, test files, and context lines", () => {
    expect(run(newFileDiff("src/s.ts", ['const s = "JSON.parse(x)";', "// await fetch(u)", "/* readFileSync( */"]))).toEqual([]);
    expect(run(newFileDiff("src/s.test.ts", ["const a = JSON.parse(s);"]))).toEqual([]);
    expect(run(hunkDiff("src/s.ts", 1, [" const a = JSON.parse(s);", "+const b = 1;"]))).toEqual([]);
  });
});

describe("io/unhandled: Python", () => {
  it("flags open(, requests calls and json.loads outside try:", () => {
    const findings = run(
      newFileDiff("app/io.py", [
        "def load(path, url):",
        "    with open(path) as f:",
        "        data = json.loads(f.read())",
        "    r = requests.get(url, timeout=5)",
        "    fd = os.open(path, os.O_RDONLY)",
      ]),
    );
    expect(findings.map((f) => [f.line, f.title])).toEqual([
      [2, "Unhandled error from open()"],
      [3, "Unhandled error from json.loads()"],
      [4, "Unhandled error from requests call"],
    ]);
    expect(findings[0]!.message).toContain("not inside a try block");
    expect(findings[0]!.message).not.toContain(".catch");
  });

  it("accepts calls inside try:, and flags them again after the try statement ends", () => {
    const diff = newFileDiff("app/ok.py", [
      "try:",
      "    with open(p) as f:",
      "        data = json.loads(f.read())",
      "except (OSError, ValueError) as e:",
      "    data = json.loads('{}')",
      "finally:",
      "    pass",
      "r = requests.post(u, json=data)",
    ]);
    expect(lines(diff)).toEqual([5, 8]);
  });

  it("accepts calls in a try: above the hunk when the hunk shows its except", () => {
    const diff = hunkDiff("app/mid.py", 30, [
      "         x = 1",
      "+        cfg = json.loads(raw)",
      "+        if cfg:",
      "+            use(cfg)",
      "     except ValueError:",
      "         cfg = {}",
    ]);
    expect(run(diff)).toEqual([]);
  });
});

describe("io/unhandled: deep clones", () => {
  it("does not report JSON.parse(JSON.stringify(x)), whose input is valid JSON by construction", () => {
    const findings = run(
      newFileDiff("lib/retry_operation.js", [
        "  this._originalTimeouts = JSON.parse(JSON.stringify(timeouts));",
        "  this.clusterSlots = JSON.parse( JSON.stringify(targetSlots));",
        "  const config = JSON.parse(text);",
      ]),
    );
    expect(findings.map((f) => f.line)).toEqual([3]);
  });
});

describe("io/unhandled: parsers that throw by contract", () => {
  it("does not report JSON.parse / json.loads of the enclosing function's own parameter (the caller handles it)", () => {
    const js = newFileDiff("index.js", [
      "function _parse (text, reviver, options) {",
      "  if (text && text.charCodeAt(0) === 0xFEFF) {",
      "    text = text.slice(1)",
      "  }",
      "  const obj = JSON.parse(text, reviver)",
      "  return obj",
      "}",
      "const parseBig = (text) => JSON.parse(text, revive)",
      "function load (file) {",
      "  const body = fs.readFileSync(file, 'utf8')",
      "  return JSON.parse(body)",
      "}",
    ]);
    // readFileSync of the caller's path and parsing what was read are still reported.
    expect(lines(js)).toEqual([10, 11]);
    const py = newFileDiff("pkg/codec.py", ["def decode(payload, strict=True):", "    data = json.loads(payload)", "    return data", "", "def fetch_config():", "    raw = read_remote()", "    return json.loads(raw)"]);
    expect(lines(py)).toEqual([7]);
    // A request handler is not a parser: its caller is the framework, and bad input becomes a 500.
    const handler = newFileDiff("api.py", ['@router.post("/{project_id}/settings")', "def update_settings(project_id: int, payload: str):", "    settings = json.loads(payload)"]);
    expect(lines(handler)).toEqual([3]);
  });
});

describe("io/unhandled: files shipped with the code", () => {
  it("does not report readFileSync of a path built from __dirname or import.meta.url (a missing file is a broken install)", () => {
    const diff = newFileDiff("bin/cli.js", [
      "let usage = fs.readFileSync(`${__dirname}/../usage.txt`).toString();",
      "const schema = JSON.parse(readFileSync(path.join(__dirname, 'schema.json'), 'utf8'));",
      "const tpl = readFileSync(new URL('./template.html', import.meta.url), 'utf8');",
      "const input = fs.readFileSync(opts.dataFile).toString();",
    ]);
    // Parsing a shipped file is still reported (the file may be edited); reading the user's file is.
    expect(run(diff).map((f) => [f.line, f.title])).toEqual([
      [2, "Unhandled error from JSON.parse()"],
      [4, "Unhandled error from readFileSync()"],
    ]);
  });
});

describe("io/unhandled: a fallback for a non-I/O error, a parser by name", () => {
  it("does not report open() in an except UnicodeDecodeError handler (a fallback: I/O errors already propagate by contract)", () => {
    const diff = newFileDiff("netkit/netrc.py", [
      "def __init__(self, file):",
      "    try:",
      "        with open(file, encoding='utf-8') as fp:",
      "            self._parse(file, fp)",
      "    except UnicodeDecodeError:",
      "        with open(file, encoding='locale') as fp:",
      "            self._parse(file, fp)",
    ]);
    expect(run(diff)).toEqual([]);
  });

  it("still reports reading a file after checking that it exists (permissions, a directory, a race)", () => {
    const py = newFileDiff("distro.py", [
      "def info(self):",
      "    if os.path.isfile(self.os_release_file):",
      "        with open(self.os_release_file, encoding='utf-8') as f:",
      "            return parse(f)",
      "    return {}",
    ]);
    expect(run(py).map((f) => f.line)).toEqual([3]);
  });

  it("treats from_json / fromJSON as parsers of their own parameter", () => {
    const diff = newFileDiff("jwt/api_jwk.py", ["    @staticmethod", "    def from_json(data, algorithm=None):", "        obj = json.loads(data)", "        return obj"]);
    expect(run(diff)).toEqual([]);
  });
});

describe("io/unhandled: a handler that catches I/O errors still needs its own handling", () => {
  it("reports open() in a bare except or an except OSError handler", () => {
    const diff = newFileDiff("lib/y.py", ["try:", "    go()", "except OSError:", "    with open(p) as f:", "        pass", "except:", "    open(q)"]);
    expect(run(diff).map((f) => f.line)).toEqual([4, 7]);
  });
});
