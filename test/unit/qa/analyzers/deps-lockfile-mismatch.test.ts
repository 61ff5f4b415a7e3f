import { describe, expect, it } from "vitest";
import type { AnalyzerInput } from "../../../../src/qa/analyzer.ts";
import { depsLockfileMismatch } from "../../../../src/qa/analyzers/deps-lockfile-mismatch.ts";
import { parseDiff } from "../../../../src/qa/parse-diff.ts";
import { deletedFileDiff, hunkDiff, newFileDiff } from "../diff-text.ts";

const run = (diff: string, extra: Partial<AnalyzerInput> = {}) =>
  depsLockfileMismatch.analyze({ files: parseDiff(diff), fileSizes: {}, ...extra });
const summary = (diff: string, extra: Partial<AnalyzerInput> = {}) => run(diff, extra).map((f) => [f.path, f.line ?? null, f.title]);

const lockHunk = (path: string) =>
  hunkDiff(path, 120, ['     "node_modules/left-pad": {', '-      "version": "1.2.0",', '+      "version": "1.3.0",', "       \"license\": \"MIT\""]);

describe("deps/lockfile-mismatch: lockfile without manifest", () => {
  it("flags every ecosystem's lockfile changed while its manifest is not", () => {
    for (const [lock, manifest] of [
      ["package-lock.json", "package.json"],
      ["yarn.lock", "package.json"],
      ["pnpm-lock.yaml", "package.json"],
      ["poetry.lock", "pyproject.toml"],
      ["Cargo.lock", "Cargo.toml"],
      ["Gemfile.lock", "Gemfile"],
      ["composer.lock", "composer.json"],
    ] as const) {
      const findings = run(lockHunk(lock));
      expect(findings.map((f) => f.title), lock).toEqual([`\`${lock}\` changed without \`${manifest}\``]);
      expect(findings[0]).toMatchObject({ ruleId: "deps/lockfile-mismatch", severity: "medium", path: lock, line: 121 });
      expect(findings[0]!.confidence).toBeGreaterThanOrEqual(0.5);
    }
  });

  it("gives go.sum-only changes a low confidence (go mod tidy adds sums on its own)", () => {
    const findings = run(hunkDiff("go.sum", 3, [" a v1 h1:x=", "+b v1.0.0 h1:y="]));
    expect(findings.map((f) => [f.path, f.confidence])).toEqual([["go.sum", 0.4]]);
  });

  it("accepts a lockfile that changes with its manifest, also a workspace member's manifest below the lockfile", () => {
    const manifest = hunkDiff("package.json", 8, ['   "dependencies": {', '-    "left-pad": "^1.2.0"', '+    "left-pad": "^1.3.0"', "   }"]);
    expect(run(manifest + lockHunk("package-lock.json"))).toEqual([]);
    const member = hunkDiff("packages/ui/package.json", 8, ['   "dependencies": {', '+    "clsx": "^2.1.0",', '     "react": "^18.2.0"', "   }"]);
    expect(run(member + lockHunk("pnpm-lock.yaml"))).toEqual([]);
    // ... but a manifest in another folder does not cover a go.sum (no workspaces there).
    expect(summary(hunkDiff("tools/go.mod", 3, [" require (", "+\tgithub.com/a/b v1.0.0", " )"]) + hunkDiff("go.sum", 3, ["+github.com/a/b v1.0.0 h1:y="]))).toEqual([
      ["go.sum", 1 + 2, "`go.sum` changed without `go.mod`"],
    ]);
  });

  it("flags a deleted lockfile, and a second lockfile of another package manager", () => {
    expect(summary(deletedFileDiff("yarn.lock", ["# yarn lockfile v1", "", 'left-pad@^1.3.0:'])).map((r) => r[2])).toEqual([
      "Lockfile `yarn.lock` deleted",
    ]);
    const added = newFileDiff("yarn.lock", ["# yarn lockfile v1", "", "left-pad@^1.3.0:", '  version "1.3.0"']);
    expect(summary(added, { repoFiles: ["package.json", "package-lock.json", "src/index.ts"] })).toEqual([
      ["yarn.lock", null, "Second lockfile `yarn.lock` next to `package-lock.json`"],
    ]);
    // A new lockfile alone (the project starts locking) is fine.
    expect(run(added, { repoFiles: ["package.json", "src/index.ts"] })).toEqual([]);
  });
});

describe("deps/lockfile-mismatch: manifest without lockfile", () => {
  const repoFiles = ["package.json", "package-lock.json", "pyproject.toml", "poetry.lock", "go.mod", "go.sum", "Cargo.toml", "Cargo.lock", "Gemfile", "Gemfile.lock", "composer.json", "composer.lock"];

  it("flags dependency changes in package.json when the repository keeps package-lock.json", () => {
    const diff = hunkDiff("package.json", 14, ['   "dependencies": {', '     "express": "^4.19.2",', '+    "zod": "^3.23.8",', '     "pino": "^9.0.0"', "   },"]);
    const findings = run(diff, { repoFiles });
    expect(findings.map((f) => [f.path, f.line, f.title, f.confidence])).toEqual([
      ["package.json", 16, "Dependencies changed without updating `package-lock.json`", 0.8],
    ]);
    expect(findings[0]!.suggestion).toContain("npm install");
    // Without the list of repository files we cannot know a lockfile exists: say nothing.
    expect(run(diff)).toEqual([]);
  });

  it("ignores package.json changes outside dependency sections, and moved or re-indented entries", () => {
    const scripts = hunkDiff("package.json", 5, ['   "scripts": {', '-    "test": "vitest"', '+    "test": "vitest run"', "   },"]);
    const version = hunkDiff("package.json", 2, ['   "name": "web",', '-  "version": "1.4.0",', '+  "version": "1.5.0",', '   "private": true,']);
    const reorder = hunkDiff("package.json", 14, ['   "dependencies": {', '+    "a": "^1.0.0",', '     "b": "^2.0.0",', '-    "a": "^1.0.0"', "   }"]);
    expect(run(scripts + version + reorder, { repoFiles })).toEqual([]);
  });

  it("uses the full manifest text when the hunk does not show the section", () => {
    const full = ['{', '  "name": "web",', '  "devDependencies": {', '    "eslint": "^9.0.0",', '    "typescript": "^5.4.0",', '    "vitest": "^2.0.0"', "  }", "}"].join("\n");
    const diff = hunkDiff("package.json", 5, ['     "typescript": "^5.4.0",', '-    "vitest": "^1.6.0"', '+    "vitest": "^2.0.0"', "   }"]);
    expect(summary(diff, { repoFiles, manifests: { "package.json": full } })).toEqual([
      ["package.json", 6, "Dependencies changed without updating `package-lock.json`"],
    ]);
  });

  it("recognizes Poetry, PEP 621, Cargo, go.mod, Gemfile and composer.json dependency sections", () => {
    const cases: Array<[string, string]> = [
      [hunkDiff("pyproject.toml", 9, [" [tool.poetry.dependencies]", ' python = "^3.11"', '+httpx = "^0.27"']), "poetry.lock"],
      [hunkDiff("pyproject.toml", 5, [" [project]", ' name = "svc"', " dependencies = [", '     "fastapi>=0.110",', '+    "httpx>=0.27",', " ]"]), "poetry.lock"],
      [hunkDiff("Cargo.toml", 7, [" [dependencies]", ' serde = "1"', '+tokio = { version = "1", features = ["full"] }']), "Cargo.lock"],
      [hunkDiff("go.mod", 5, [" require (", " \tgithub.com/go-chi/chi/v5 v5.0.12", "+\tgithub.com/google/uuid v1.6.0", " )"]), "go.sum"],
      [hunkDiff("Gemfile", 3, [' source "https://rubygems.org"', ' gem "rails", "~> 7.1"', '+gem "sidekiq", "~> 7.2"']), "Gemfile.lock"],
      [hunkDiff("composer.json", 4, ['     "require": {', '         "php": "^8.2",', '+        "guzzlehttp/guzzle": "^7.8",', '         "monolog/monolog": "^3.5"']), "composer.lock"],
    ];
    for (const [diff, lock] of cases) {
      expect(run(diff, { repoFiles }).map((f) => f.title), lock).toEqual([`Dependencies changed without updating \`${lock}\``]);
    }
  });

  it("ignores non-dependency changes in TOML, go.mod and Gemfile manifests", () => {
    const diffs = [
      hunkDiff("pyproject.toml", 1, [" [project]", ' name = "svc"', '-version = "0.3.0"', '+version = "0.4.0"', ' description = "x"']),
      hunkDiff("pyproject.toml", 20, [" [tool.ruff]", "-line-length = 100", "+line-length = 120"]),
      hunkDiff("Cargo.toml", 1, [" [package]", ' name = "svc"', '-version = "0.3.0"', '+version = "0.4.0"']),
      hunkDiff("go.mod", 1, [" module example.com/svc", " ", "-go 1.21", "+go 1.22"]),
      hunkDiff("Gemfile", 1, ['-# frozen_string_literal: false', '+# frozen_string_literal: true']),
    ];
    expect(run(diffs.join(""), { repoFiles })).toEqual([]);
  });

  it("accepts a manifest whose lockfile is in the same change, and a workspace member whose lockfile is at the root", () => {
    const manifest = hunkDiff("Cargo.toml", 7, [" [dependencies]", '+tokio = "1"']);
    expect(run(manifest + lockHunk("Cargo.lock"), { repoFiles })).toEqual([]);
    const member = newFileDiff("crates/api/Cargo.toml", ["[package]", 'name = "api"', "", "[dependencies]", 'axum = "0.7"']);
    expect(summary(member, { repoFiles: [...repoFiles, "crates/api/src/lib.rs"] })).toEqual([
      ["crates/api/Cargo.toml", 4, "Dependencies changed without updating `Cargo.lock`"],
    ]);
  });
});
