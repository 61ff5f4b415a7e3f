import { describe, expect, it } from "vitest";
import { findTestFile } from "../../../src/improve/find-test-file.ts";
import { suggestTestPath } from "../../../src/improve/suggest-test-path.ts";
import { testStem } from "../../../src/improve/test-naming.ts";

describe("testStem", () => {
  it("removes the markers of each convention", () => {
    const cases: Record<string, string> = {
      "test/unit/qa/parse-diff.test.ts": "parse-diff",
      "src/a.spec.jsx": "a",
      "src/__tests__/foo.ts": "foo",
      "tests/test_utils.py": "utils",
      "pkg/utils_test.py": "utils",
      "pkg/store/store_test.go": "store",
      "spec/models/user_spec.rb": "user",
      "src/test/java/com/acme/FooTest.java": "Foo",
      "Tests/ParserTests.cs": "Parser",
      "src/test/kotlin/BarSpec.kt": "Bar",
      "test/api.integration.test.ts": "api",
    };
    for (const [path, stem] of Object.entries(cases)) expect(testStem(path), path).toBe(stem);
  });
});

describe("findTestFile", () => {
  const find = (source: string, files: string[]) => findTestFile(source, files.filter((f) => /test|spec/i.test(f)), files.filter((f) => !/test|spec/i.test(f)));

  it("finds tests by each language's convention", () => {
    expect(find("src/qa/parse-diff.ts", ["src/qa/parse-diff.ts", "test/unit/qa/parse-diff.test.ts"])).toBe("test/unit/qa/parse-diff.test.ts");
    expect(find("src/a/foo.js", ["src/a/foo.js", "src/a/__tests__/foo.test.js"])).toBe("src/a/__tests__/foo.test.js");
    expect(find("src/Button.tsx", ["src/Button.tsx", "src/Button.spec.ts"])).toBe("src/Button.spec.ts");
    expect(find("pkg/parse_diff.py", ["pkg/parse_diff.py", "tests/test_parse_diff.py"])).toBe("tests/test_parse_diff.py");
    expect(find("pkg/store/store.go", ["pkg/store/store.go", "pkg/store/store_test.go"])).toBe("pkg/store/store_test.go");
    expect(find("app/models/user.rb", ["app/models/user.rb", "spec/models/user_spec.rb"])).toBe("spec/models/user_spec.rb");
    expect(find("src/main/java/com/acme/Foo.java", ["src/main/java/com/acme/Foo.java", "src/test/java/com/acme/FooTest.java"])).toBe("src/test/java/com/acme/FooTest.java");
  });

  it("Go tests must be in the same folder; the language must match", () => {
    expect(find("pkg/a/store.go", ["pkg/a/store.go", "pkg/b/store_test.go"])).toBeUndefined();
    expect(find("src/parse.py", ["src/parse.py", "test/parse.test.ts"])).toBeUndefined();
  });

  it("when several sources share a name, only a test in the same neighbourhood counts", () => {
    const files = ["src/qa/format.ts", "src/render/format.ts", "test/unit/render/format.test.ts"];
    expect(find("src/render/format.ts", files)).toBe("test/unit/render/format.test.ts");
    expect(find("src/qa/format.ts", files)).toBeUndefined();
  });

  it("generic names are matched by their folder", () => {
    expect(find("src/qa/index.ts", ["src/qa/index.ts", "test/qa.test.ts"])).toBe("test/qa.test.ts");
    expect(find("src/qa/index.ts", ["src/qa/index.ts", "src/render/index.ts", "test/render/index.test.ts"])).toBeUndefined();
    expect(find("src/qa/index.ts", ["src/qa/index.ts", "src/qa/__tests__/index.test.ts"])).toBe("src/qa/__tests__/index.test.ts");
  });
});

describe("suggestTestPath", () => {
  it("learns the repository's layout from its source/test pairs (most common wins)", () => {
    const repo = ["src/qa/a.ts", "test/unit/qa/a.test.ts", "src/render/b.ts", "test/unit/render/b.test.ts", "src/llm/c.ts", "test/integration/llm/c.test.ts"];
    expect(suggestTestPath("src/improve/rank.ts", repo)).toBe("test/unit/improve/rank.test.ts");
    expect(suggestTestPath("src/improve/view.tsx", repo)).toBe("test/unit/improve/view.test.tsx");
  });

  it("learns colocated, __tests__ and Java layouts", () => {
    expect(suggestTestPath("src/b/bar.ts", ["src/a/foo.ts", "src/a/foo.spec.ts"])).toBe("src/b/bar.spec.ts");
    expect(suggestTestPath("src/b/bar.js", ["src/a/foo.js", "src/a/__tests__/foo.test.js"])).toBe("src/b/__tests__/bar.test.js");
    expect(suggestTestPath("src/main/java/com/acme/Bar.java", ["src/main/java/com/acme/Foo.java", "src/test/java/com/acme/FooTest.java"])).toBe("src/test/java/com/acme/BarTest.java");
    expect(suggestTestPath("pkg/sub/new.py", ["pkg/utils.py", "tests/test_utils.py"])).toBe("tests/sub/test_new.py");
  });

  it("falls back to each language's usual place", () => {
    expect(suggestTestPath("lib/x.ts", [])).toBe("lib/x.test.ts");
    expect(suggestTestPath("pkg/x.py", ["tests/conftest.py"])).toBe("tests/test_x.py");
    expect(suggestTestPath("pkg/x.py", [])).toBe("pkg/test_x.py");
    expect(suggestTestPath("pkg/store/cache.go", ["pkg/other/x_test.go"])).toBe("pkg/store/cache_test.go");
    expect(suggestTestPath("app/models/user.rb", ["spec/spec_helper.rb"])).toBe("spec/user_spec.rb");
    expect(suggestTestPath("src/main/kotlin/a/Foo.kt", [])).toBe("src/test/kotlin/a/FooTest.kt");
    expect(suggestTestPath("Sources/App/Foo.swift", [])).toBeUndefined();
  });
});
