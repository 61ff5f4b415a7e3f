import { describe, expect, it } from "vitest";
import { detectApiChanges, parseDeclaration } from "../../../src/improve/detect-api-changes.ts";
import { parseDiff } from "../../../src/qa/parse-diff.ts";
import { deletedFileDiff, hunkDiff, newFileDiff } from "../qa/diff-text.ts";

const changes = (diff: string) => detectApiChanges(parseDiff(diff)[0]!).map((c) => [c.change, c.name, c.kind, c.signature]);

describe("parseDeclaration", () => {
  const js = (line: string) => parseDeclaration(line, "javascript");
  it("JS/TS: exported functions, classes, arrow functions and CommonJS exports, without bodies", () => {
    expect(js("export function parse(text: string): Node[] {")).toEqual({ name: "parse", kind: "function", signature: "export function parse(text: string): Node[]" });
    expect(js("export async function* walk<T>(root: T) {")).toMatchObject({ name: "walk", signature: "export async function* walk<T>(root: T)" });
    expect(js("export default function (req, res) {")).toMatchObject({ name: "default" });
    expect(js("export default abstract class Base<T> extends Other {")).toMatchObject({ name: "Base", kind: "class", signature: "export default abstract class Base<T> extends Other" });
    expect(js("export const load = async (path: string, opts = { a: 1 }): Promise<void> => {")).toMatchObject({ name: "load", signature: "export const load = async (path: string, opts = { a: 1 }): Promise<void> =>" });
    expect(js("export const id = x => x;")).toMatchObject({ name: "id", signature: "export const id = x =>" });
    expect(js("module.exports.get = function (url) {")).toMatchObject({ name: "get", signature: "module.exports.get = function (url)" });
    expect(js("exports.post = async (url, body) => [url, body];")).toMatchObject({ name: "post" });
    for (const line of ["function local() {", "export const VALUE = 3;", "export interface X {", "export type Y = string;", "// export function commented() {", "const f = () => 1;"]) {
      expect(js(line), line).toBeUndefined();
    }
  });

  it("Python: module-level public def and class only", () => {
    expect(parseDeclaration("def slug(text: str, sep: str = '-') -> str:", "python")).toEqual({ name: "slug", kind: "function", signature: "def slug(text: str, sep: str = '-') -> str" });
    expect(parseDeclaration("async def fetch(url):", "python")).toMatchObject({ name: "fetch" });
    expect(parseDeclaration("class Parser(Base):", "python")).toEqual({ name: "Parser", kind: "class", signature: "class Parser(Base)" });
    expect(parseDeclaration("class Plain:", "python")).toMatchObject({ signature: "class Plain" });
    for (const line of ["def _private():", "    def method(self):", "class _Hidden:", "x = 1"]) expect(parseDeclaration(line, "python"), line).toBeUndefined();
  });

  it("Go: exported funcs, methods on exported types, exported types", () => {
    expect(parseDeclaration("func Open(path string) (*DB, error) {", "go")).toEqual({ name: "Open", kind: "function", signature: "func Open(path string) (*DB, error)" });
    expect(parseDeclaration("func (c *Cache) Get(k string) string {", "go")).toMatchObject({ name: "Cache.Get" });
    expect(parseDeclaration("func Map[T any](xs []T) []T {", "go")).toMatchObject({ name: "Map" });
    expect(parseDeclaration("type Cache struct {", "go")).toEqual({ name: "Cache", kind: "type", signature: "type Cache struct" });
    for (const line of ["func open() {", "func (c *cache) Get() {", "type cache struct {"]) expect(parseDeclaration(line, "go"), line).toBeUndefined();
  });
});

describe("detectApiChanges", () => {
  it("added, changed (signature differs) and removed; a declaration that only moved is no change", () => {
    const diff = hunkDiff("src/api.ts", 1, [
      "-export function a(x: number) {",
      "+export function a(x: number, y = 1) {",
      "-export function moved() {",
      " const k = 1;",
      "+export function moved() {",
      "+export class Fresh {",
      "-export const gone = () => 1;",
    ]);
    expect(changes(diff)).toEqual([
      ["added", "Fresh", "class", "export class Fresh"],
      ["changed", "a", "function", "export function a(x: number, y = 1)"],
      ["removed", "gone", "function", "export const gone = () =>"],
    ]);
    expect(detectApiChanges(parseDiff(diff)[0]!)[1]!.previous).toBe("export function a(x: number)");
  });

  it("a deleted file removes its API", () => {
    expect(changes(deletedFileDiff("lib/old.py", ["def old():", "    return 1"]))).toEqual([["removed", "old", "function", "def old()"]]);
  });

  it("tests, generated files, non-public folders and other languages have no public API", () => {
    const fn = ["export function f() {", "}"];
    for (const path of ["src/f.test.ts", "test/f.ts", "scripts/f.ts", "examples/f.ts", "dist/f.js", "src/f.min.js", "internal/x/f.go", "cmd/tool/main.go", "pkg/_private/mod.py", "pkg/_mod.py", "vite.config.ts", "src/f.rb"]) {
      const body = path.endsWith(".go") ? ["func F() {", "}"] : path.endsWith(".py") ? ["def f():", "    pass"] : fn;
      expect(changes(newFileDiff(path, body)), path).toEqual([]);
    }
    expect(changes(newFileDiff("pkg/__init__.py", ["def f():", "    pass"]))).toEqual([["added", "f", "function", "def f()"]]);
  });
});
