import { describe, expect, it } from "vitest";
import { depsUndeclared } from "../../../../src/qa/analyzers/deps-undeclared.ts";
import { parseDiff } from "../../../../src/qa/parse-diff.ts";
import { hunkDiff, newFileDiff } from "../diff-text.ts";

const run = (diff: string, manifests?: Record<string, string>) =>
  depsUndeclared.analyze({ files: parseDiff(diff), fileSizes: {}, ...(manifests ? { manifests } : {}) });
const names = (findings: ReturnType<typeof run>) => findings.map((f) => f.title.replace(/^Undeclared dependency `(.*)`$/, "$1"));

describe("deps/undeclared: JavaScript / TypeScript, diff only", () => {
  const source = newFileDiff("src/app.ts", [
    'import express from "express";',
    'import { z } from "zod/v4";',
    'import type { Foo } from "@acme/types/foo";',
    'import fs from "node:fs";',
    'import path from "path";',
    'import { readFile } from "fs/promises";',
    'import local from "./local.ts";',
    'import root from "/abs/x.js";',
    'import sub from "#internal/x";',
    'import alias from "@/components/button";',
    'import home from "~/lib/x";',
    'import remote from "https://deno.land/x/mod.ts";',
    'const lazy = await import("chalk");',
    'const old = require("left-pad");',
    'export { thing } from "re-exported";',
    '// import commented from "commented-out";',
    'const s = "import fake from \'in-a-string\'";',
  ]);

  it("flags new bare imports when package.json is not touched (moderate confidence, high severity)", () => {
    const findings = run(source);
    expect(names(findings)).toEqual(["express", "zod", "@acme/types", "chalk", "left-pad", "re-exported"]);
    for (const f of findings) {
      expect(f).toMatchObject({ ruleId: "deps/undeclared", severity: "high", confidence: 0.5, path: "src/app.ts" });
    }
    expect(findings[0]!.line).toBe(1);
    expect(findings[0]!.suggestion).toContain("npm install express");
  });

  it("is quiet when the diff touches the package.json above the file", () => {
    expect(run(source + hunkDiff("package.json", 5, ['   "dependencies": {', '+    "left-pad": "^1.0.0",']))).toEqual([]);
  });

  it("still flags when only an unrelated package.json (another workspace) is touched", () => {
    const findings = run(
      newFileDiff("packages/a/src/x.ts", ['import got from "got";']) +
        hunkDiff("packages/b/package.json", 2, ['   "name": "b",', '+  "version": "1.0.1",']),
    );
    expect(names(findings)).toEqual(["got"]);
  });

  it("accepts a dependency declared in the added lines of a package.json", () => {
    const diff =
      newFileDiff("web/src/x.ts", ['import React from "react";', 'import dayjs from "dayjs";']) +
      newFileDiff("web/package.json", ["{", '  "dependencies": { "react": "^19.0.0" }', "}"]);
    // web/package.json is a new file, so its full content is known: dayjs is precisely undeclared.
    const findings = run(diff);
    expect(names(findings)).toEqual(["dayjs"]);
    expect(findings[0]!.confidence).toBe(0.9);
  });
});

describe("deps/undeclared: JavaScript / TypeScript with manifests", () => {
  const manifests = {
    "package.json": JSON.stringify({ name: "root", devDependencies: { vitest: "4" }, dependencies: { zod: "4" } }),
    "packages/api/package.json": JSON.stringify({ name: "@acme/api", dependencies: { express: "5" } }),
    "packages/api/tsconfig.json": '{\n  // comments are allowed\n  "compilerOptions": { "paths": { "@app/*": ["./src/*"] }, },\n}',
  };

  it("checks imports against every package.json above the file (hoisted root deps count)", () => {
    const diff = newFileDiff("packages/api/src/server.ts", [
      'import express from "express";',
      'import { z } from "zod";',
      'import { helper } from "@app/helpers";',
      'import self from "@acme/api/internal";',
      'import cors from "cors";',
    ]);
    const findings = run(diff, manifests);
    expect(names(findings)).toEqual(["cors"]);
    expect(findings[0]!.confidence).toBe(0.9);
    expect(findings[0]!.message).toContain("packages/api/package.json");
  });

  it("uses @types packages for type-only imports", () => {
    const withTypes = { "package.json": JSON.stringify({ devDependencies: { "@types/lodash": "4" } }) };
    expect(run(newFileDiff("src/a.ts", ['import type { Dictionary } from "lodash";']), withTypes)).toEqual([]);
    expect(names(run(newFileDiff("src/a.ts", ['import { debounce } from "lodash";']), withTypes))).toEqual(["lodash"]);
  });
});

describe("deps/undeclared: Python", () => {
  const source = newFileDiff("app/service.py", [
    "import os, sys",
    "import json as j",
    "from collections import OrderedDict",
    "from . import sibling",
    "from .models import User",
    "import app.helpers",
    "import requests",
    "from flask import Flask",
    "import yaml",
    "from sklearn.linear_model import LinearRegression",
  ]);

  it("flags third-party imports, skipping the standard library, relative and local modules", () => {
    const findings = run(source);
    expect(names(findings)).toEqual(["requests", "flask", "yaml", "sklearn"]);
    expect(findings[0]).toMatchObject({ severity: "high", confidence: 0.5, line: 7 });
  });

  it("is quiet when a requirements file is touched", () => {
    expect(run(source + hunkDiff("requirements.txt", 1, [" django==5.0", "+celery"]))).toEqual([]);
  });

  it("maps import names to distributions declared in manifests (PyYAML, scikit-learn, ...)", () => {
    const manifests = {
      "requirements.txt": "requests>=2.31\nFlask[async]==3.0 ; python_version > '3.8'\n# comment\n-r dev.txt\n",
      "pyproject.toml": '[project]\nname = "my-service"\ndependencies = [\n  "PyYAML>=6",\n  "scikit-learn",\n]\n',
    };
    expect(run(source, manifests)).toEqual([]);
    const findings = run(newFileDiff("app/x.py", ["import numpy as np", "import my_service.core"]), manifests);
    expect(names(findings)).toEqual(["numpy"]);
    expect(findings[0]!.confidence).toBeGreaterThanOrEqual(0.8);
  });

  it("skips optional imports guarded by try:", () => {
    const diff = hunkDiff("app/fast.py", 1, [" try:", "+    import ujson as json", " except ImportError:", "     import json"]);
    expect(run(diff)).toEqual([]);
  });

  it("skips optional imports that open a try block with a comment on it, or after comments", () => {
    const diff = newFileDiff("app/compat.py", [
      "try:  # pragma no cover",
      "    from cStringIO import StringIO",
      "except ImportError:  # pragma no cover",
      "    try:",
      "        # Python 3",
      "        from io import StringIO",
      "    except ImportError:",
      "        from StringIO import StringIO",
      "import requests",
    ]);
    expect(names(run(diff))).toEqual(["requests"]);
  });

  it("treats CPython's test package as the standard library", () => {
    expect(run(newFileDiff("tests/test_support.py", ["from test import support", "import test.support.os_helper"]))).toEqual([]);
  });
});

describe("deps/undeclared: no manifest governs the file", () => {
  it("lists imports under the review's threshold when the working tree has no manifest above the file", () => {
    const diff =
      newFileDiff("test/refund.test.ts", ['import { it, expect } from "vitest";', 'import { refund } from "../src/refund.ts";']) +
      newFileDiff("tests/test_env.py", ["import pytest"]);
    // manifests given (the pipeline read the working tree) but none above these files: nothing to check against
    const findings = run(diff, {});
    expect(names(findings)).toEqual(["vitest", "pytest"]);
    for (const f of findings) expect(f.confidence).toBeLessThan(0.5);
    // without manifests at all (diff only), the old moderate confidence stays
    expect(run(diff).map((f) => f.confidence)).toEqual([0.5, 0.5]);
  });

  it("skips a require that opens a try block (an optional dependency)", () => {
    const diff = newFileDiff("src/node.js", [
      "try {",
      "\t// Optional dependency (as in, doesn't need to be installed)",
      "\t// eslint-disable-next-line import/no-extraneous-dependencies",
      "\tconst supportsColor = require('supports-color');",
      "\tuse(supportsColor);",
      "} catch (error) {",
      "\t// Swallow",
      "}",
      "const ms = require('ms');",
    ]);
    expect(names(run(diff, { "package.json": '{"name":"debug","dependencies":{}}' }))).toEqual(["ms"]);
  });
});

describe("deps/undeclared: Go", () => {
  const goMod = "module github.com/acme/svc\n\ngo 1.22\n\nrequire (\n\tgithub.com/google/uuid v1.6.0\n)\n";
  const source = newFileDiff("internal/api/handler.go", [
    "package api",
    "",
    "import (",
    '\t"fmt"',
    '\t"net/http"',
    '\t"github.com/google/uuid"',
    '\t"github.com/acme/svc/internal/store"',
    '\tchi "github.com/go-chi/chi/v5"',
    ")",
  ]);

  it("flags third-party packages that go.mod does not require", () => {
    const findings = run(source, { "go.mod": goMod });
    expect(names(findings)).toEqual(["github.com/go-chi/chi/v5"]);
    expect(findings[0]).toMatchObject({ line: 8, confidence: 0.9 });
    expect(findings[0]!.suggestion).toContain("go get github.com/go-chi/chi/v5");
  });

  it("says nothing without go.mod (own packages cannot be told apart)", () => {
    expect(run(source)).toEqual([]);
  });
});

describe("deps/undeclared: imports in a guarded branch or a function body", () => {
  const pyproject = { "pyproject.toml": '[project]\nname = "app"\ndependencies = []\n' };
  const pkg = { "package.json": JSON.stringify({ name: "app", dependencies: {} }) };
  const confidences = (diff: string, manifests: Record<string, string>) => run(diff, manifests).map((f) => [f.line, f.confidence]);

  it("lists a Python import inside a function, an if or an else branch under the threshold", () => {
    const diff = newFileDiff("app/tokens.py", [
      "import yaml",
      "",
      "def sign(claims):",
      "    import jwt",
      "    return jwt.encode(claims)",
      "",
      "if PY2:",
      "    import StringIO",
      "else:",
      "    import ujson",
    ]);
    expect(confidences(diff, pyproject)).toEqual([
      [1, 0.8],
      [4, 0.3],
      [8, 0.3],
      [10, 0.3],
    ]);
  });

  it("lists a require inside an if block (loaded only when present) under the threshold", () => {
    const diff = newFileDiff("example/info.js", [
      "var redisInfo = require('redis-info')",
      "if (moduleExists('redis')) {",
      "  redis = require('redis').createClient();",
      "}",
    ]);
    expect(confidences(diff, pkg)).toEqual([
      [1, 0.9],
      [3, 0.3],
    ]);
  });
});
