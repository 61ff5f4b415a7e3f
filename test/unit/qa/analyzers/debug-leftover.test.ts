import { describe, expect, it } from "vitest";
import { debugLeftover } from "../../../../src/qa/analyzers/debug-leftover.ts";
import { parseDiff } from "../../../../src/qa/parse-diff.ts";
import { newFileDiff } from "../diff-text.ts";

const run = (diff: string) => debugLeftover.analyze({ files: parseDiff(diff), fileSizes: {} });
const summary = (diff: string) => run(diff).map((f) => [f.line, f.title, f.replacement]);

describe("debug/leftover", () => {
  it("flags JS/TS console.log, console.debug and debugger, low severity", () => {
    const findings = run(
      newFileDiff("src/app.ts", [
        '  console.log("here", value);',
        "  debugger;",
        "  console.debug(`x ${y}`)",
        '  const r = compute(); console.log("r", r);',
        "  console.log(",
        "    value,",
        "  );",
      ]),
    );
    expect(findings.map((f) => [f.line, f.title, f.replacement])).toEqual([
      [1, "Leftover debug statement (console.log)", ""],
      [2, "Leftover debug statement (debugger)", ""],
      [3, "Leftover debug statement (console.debug)", ""],
      [4, "Leftover debug statement (console.log)", undefined],
      [5, "Leftover debug statement (console.log)", undefined],
    ]);
    for (const f of findings) expect(f).toMatchObject({ ruleId: "debug/leftover", severity: "low", path: "src/app.ts" });
  });

  it("flags Python print, pdb.set_trace and breakpoint()", () => {
    expect(
      summary(
        newFileDiff("pkg/core.py", ["print('value', x)", "import pdb; pdb.set_trace()", "    breakpoint()", "result = print_report(x)"]),
      ),
    ).toEqual([
      [1, "Leftover debug statement (print)", ""],
      [2, "Leftover debug statement (pdb.set_trace)", ""],
      [3, "Leftover debug statement (breakpoint())", ""],
    ]);
  });

  it("flags Ruby binding.pry, Rust dbg!, Go DEBUG prints and Java System.out.println", () => {
    expect(summary(newFileDiff("app/models/user.rb", ["    binding.pry"]))).toEqual([[1, "Leftover debug statement (binding.pry)", ""]]);
    expect(summary(newFileDiff("src/main.rs", ["    let y = dbg!(x * 2);", "    dbg!(&y);"]))).toEqual([
      [1, "Leftover debug statement (dbg!)", undefined],
      [2, "Leftover debug statement (dbg!)", ""],
    ]);
    expect(summary(newFileDiff("server/run.go", ['\tfmt.Println("DEBUG: got", v)', '\tfmt.Println("listening on", addr)']))).toEqual([
      [1, 'Leftover debug statement (fmt.Println("DEBUG)', ""],
    ]);
    expect(summary(newFileDiff("src/main/java/App.java", ['        System.out.println("x=" + x);']))).toEqual([
      [1, "Leftover debug statement (System.out.println)", ""],
    ]);
  });

  it("ignores test files, comments, CLI/script paths, non-source files and look-alikes", () => {
    expect(run(newFileDiff("src/app.test.ts", ["console.log(x);", "debugger;"]))).toEqual([]);
    expect(run(newFileDiff("tests/test_core.py", ["print(x)", "breakpoint()"]))).toEqual([]);
    expect(run(newFileDiff("src/app.ts", ["// console.log(x);", " * debugger", "logger.log(x);", "myconsole.log(x)"]))).toEqual([]);
    expect(run(newFileDiff("pkg/core.py", ["# print(x)", "self.print(x)", "printer.pprint(x)", "from pprint import pprint"]))).toEqual([]);
    expect(run(newFileDiff("scripts/release.ts", ['console.log("released");']))).toEqual([]);
    expect(run(newFileDiff("src/cli.py", ['print("usage: tool [options]")']))).toEqual([]);
    expect(run(newFileDiff("README.md", ["console.log(x);"]))).toEqual([]);
    // In a script, a debugger statement is still a leftover.
    expect(run(newFileDiff("scripts/release.ts", ["debugger;"]))).toHaveLength(1);
  });

  it("fingerprints by content, so the same statement moved keeps its fingerprint", () => {
    const a = run(newFileDiff("src/a.ts", ["console.log(x);"]))[0]!;
    const b = run(newFileDiff("src/a.ts", ["", "", "    console.log(x);"]))[0]!;
    expect(b.line).toBe(3);
    expect(b.fingerprint).toBe(a.fingerprint);
  });
});

describe("debug/leftover: pprint and user notices", () => {
  it("flags pprint() and pprint.pprint() in Python, not a function named pprint being defined", () => {
    const findings = run(
      newFileDiff("crm/sync.py", [
        "from pprint import pprint",
        "def sync(customers):",
        "    pprint(customers[:3])",
        "    pprint.pprint(customers)",
        "    return len(customers)",
        "def pprint(obj, stream=None):",
        "    return obj",
      ]),
    );
    expect(findings.map((f) => [f.line, f.title])).toEqual([
      [3, "Leftover debug statement (pprint)"],
      [4, "Leftover debug statement (pprint)"],
    ]);
  });

  it("does not report a deprecation notice written with console.log or print (a message to the library's users)", () => {
    const findings = run(
      newFileDiff("lib/retry_operation.js", [
        "RetryOperation.prototype.try = function(fn) {",
        "  console.log('Using RetryOperation.try() is deprecated');",
        "  console.log(`${name} will be removed in the next major version`);",
        "  console.log('attempt', fn);",
        "};",
      ]) + newFileDiff("pkg/compat.py", ['    print("load_v1() is deprecated, use load()", file=sys.stderr)', "    print(payload)"]),
    );
    expect(findings.map((f) => [f.path, f.line])).toEqual([
      ["lib/retry_operation.js", 4],
      ["pkg/compat.py", 2],
    ]);
  });
});

describe("debug/leftover on generated code", () => {
  it("ignores minified files and very long lines (files/large-or-binary reports those)", () => {
    expect(run(newFileDiff("dist/app.min.js", ["console.log(x);"]))).toEqual([]);
    expect(run(newFileDiff("src/bundle.js", [`console.log(x);${" ".repeat(5000)}`]))).toEqual([]);
  });
});

describe("debug/leftover: programs print by design", () => {
  const cli = ["def main():", "    args = parse()", "    print(render(args))", ""];
  it("does not report print in a Python module with a __main__ guard or a top-level def main", () => {
    expect(run(newFileDiff("pytool/timeit.py", [...cli, 'if __name__ == "__main__":', "    main()"]))).toEqual([]);
    expect(run(newFileDiff("pytool/tabnanny.py", ["def check(file):", "    print(file)", ...cli]))).toEqual([]);
  });
  it("does not report print in a module declared as a console script in pyproject.toml", () => {
    const diff = newFileDiff("src/pytool/report.py", ["def run():", "    print(summary())"]);
    const manifests = { "pyproject.toml": '[project]\nname = "pytool"\n\n[project.scripts]\npytool = "pytool.report:run"\n' };
    expect(debugLeftover.analyze({ files: parseDiff(diff), fileSizes: {}, manifests })).toEqual([]);
    expect(run(diff).map((f) => f.line)).toEqual([2]);
  });
  it("does not report console.debug in examples", () => {
    expect(run(newFileDiff("examples/cowsay.js", ["console.debug(`installing`)"]))).toEqual([]);
  });
});

describe("debug/leftover: output by design and calls named in strings", () => {
  it("does not flag prints in a script named example.js or bench.js", () => {
    expect(run(newFileDiff("example.js", ["console.log(genfun.toString())"]) + newFileDiff("bench.js", ["console.log('ops/s', n)"]))).toEqual([]);
    expect(summary(newFileDiff("lib/examples.js", ["console.log(x)"]))).toHaveLength(1);
  });

  it("does not flag a call named inside a string literal", () => {
    expect(run(newFileDiff("six.py", ['        raise TypeError("invalid keyword arguments to print()")']))).toEqual([]);
    expect(run(newFileDiff("src/a.js", ["throw new Error('do not call console.log(x) here')"]))).toEqual([]);
    expect(summary(newFileDiff("lib/a.py", ['    print("value", x)']))).toHaveLength(1);
  });

  it("does not flag a warning printed for the user ('Warning: …')", () => {
    expect(run(newFileDiff("lib/getpass.py", ['    print("Warning: Password input may be echoed.", file=stream)']))).toEqual([]);
    expect(run(newFileDiff("lib/a.js", ["  console.warn('Warning: the cache is disabled')"]))).toEqual([]);
  });
});
