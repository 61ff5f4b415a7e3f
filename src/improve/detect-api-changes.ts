import { classifyPath, type Language } from "../qa/classify-path.ts";
import { isGeneratedPath } from "../qa/analyzers/files-generated-edited.ts";
import type { DiffFile } from "../qa/parse-diff.ts";

export type ApiChangeKind = "added" | "changed" | "removed";

/** One public declaration the diff adds, changes (its signature line differs) or removes. */
export interface ApiChange {
  /** `foo`, `Parser`, `Client.Do` (a Go method), `default` (an anonymous default export). */
  name: string;
  kind: "function" | "class" | "type";
  change: ApiChangeKind;
  /** The declaration line, whitespace collapsed, without the body: the new one, or the old one when removed. */
  signature: string;
  /** The old declaration, when changed. */
  previous?: string;
}

interface Declaration {
  name: string;
  kind: ApiChange["kind"];
  signature: string;
}

const API_LANGUAGES = new Set<Language>(["javascript", "python", "go"]);
/** Folders whose code is not a public interface (tooling, samples, Go's internal and main packages). */
const NON_PUBLIC_DIRS = new Set(["scripts", "script", "tools", "examples", "example", "samples", "bench", "benchmarks", "benchmark", "docs", "doc", "internal", "cmd", "fixtures", "__fixtures__", "__mocks__"]);

const JS_IDENT = String.raw`[A-Za-z_$][\w$]*`;
const JS_FUNCTION = new RegExp(String.raw`^\s*export\s+(?:default\s+)?(?:declare\s+)?(?:async\s+)?function\s*\*?\s*(${JS_IDENT})?\s*[<(]`);
const JS_CLASS = new RegExp(String.raw`^\s*export\s+(?:default\s+)?(?:declare\s+)?(?:abstract\s+)?class\s+(${JS_IDENT})`);
const JS_CONST_FUNCTION = new RegExp(
  String.raw`^\s*export\s+(?:declare\s+)?(?:const|let|var)\s+(${JS_IDENT})\s*(?::[^=]*)?=\s*(?:async\s+)?(?:function\b|\(|<|${JS_IDENT}\s*=>)`,
);
const CJS_FUNCTION = new RegExp(String.raw`^\s*(?:module\.)?exports\.(${JS_IDENT})\s*=\s*(?:async\s+)?(?:function\b|\(|${JS_IDENT}\s*=>)`);
const PY_FUNCTION = /^(?:async\s+)?def\s+([A-Za-z]\w*)\s*\(/;
const PY_CLASS = /^class\s+([A-Za-z]\w*)\s*[(:]/;
const GO_FUNC = /^func\s+(?:\(\s*(?:\w+\s+)?\*?\s*(\w+)(?:\[[^\]]*\])?\s*\)\s*)?([A-Z]\w*)\s*[[(]/;
const GO_TYPE = /^type\s+([A-Z]\w*)\b/;

/**
 * The public API changes of one file of a diff: exported functions and classes of JS/TS (ES modules and
 * CommonJS), module-level public `def`/`class` of Python, exported `func`/methods/types of Go. Only the
 * declaration line is compared, so a signature that spans lines is seen by its first line. Test files,
 * generated files and non-public folders (scripts, examples, Go's internal/ and cmd/) have none. Pure.
 */
export function detectApiChanges(file: DiffFile): ApiChange[] {
  const info = classifyPath(file.path);
  if (!API_LANGUAGES.has(info.language) || !info.isSource || info.isTest || file.binary) return [];
  if (!isPublicPath(file.path, info.language)) return [];
  const added = new Map<string, Declaration>();
  const removed = new Map<string, Declaration>();
  for (const hunk of file.hunks) {
    for (const line of hunk.lines) {
      if (line.kind === "context") continue;
      const decl = parseDeclaration(line.text, info.language);
      if (!decl) continue;
      const into = line.kind === "add" ? added : removed;
      const key = `${decl.kind}:${decl.name}`;
      if (!into.has(key)) into.set(key, decl);
    }
  }
  const changes: ApiChange[] = [];
  for (const [key, decl] of added) {
    const old = removed.get(key);
    if (!old) changes.push({ name: decl.name, kind: decl.kind, change: "added", signature: decl.signature });
    else if (old.signature !== decl.signature) changes.push({ name: decl.name, kind: decl.kind, change: "changed", signature: decl.signature, previous: old.signature });
  }
  for (const [key, decl] of removed) {
    if (!added.has(key)) changes.push({ name: decl.name, kind: decl.kind, change: "removed", signature: decl.signature });
  }
  return changes.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0));
}

function isPublicPath(path: string, language: Language): boolean {
  if (isGeneratedPath(path)) return false;
  const segments = path.split("/");
  const dirs = segments.slice(0, -1).map((s) => s.toLowerCase());
  if (dirs.some((d) => NON_PUBLIC_DIRS.has(d))) return false;
  const base = segments.at(-1) ?? "";
  if (/\.config\.[^.]+$/.test(base) || /^(?:setup|conftest|manage)\.py$/.test(base)) return false;
  if (language === "python" && segments.some((s) => s.startsWith("_") && s !== "__init__.py" && s !== "__main__.py")) return false;
  return true;
}

/** A public declaration on this line, if there is one. */
export function parseDeclaration(text: string, language: Language): Declaration | undefined {
  if (language === "javascript") {
    let m = JS_FUNCTION.exec(text);
    if (m) return { name: m[1] ?? "default", kind: "function", signature: signatureOf(text, "{") };
    m = JS_CLASS.exec(text);
    if (m) return { name: m[1]!, kind: "class", signature: signatureOf(text, "{") };
    m = JS_CONST_FUNCTION.exec(text) ?? CJS_FUNCTION.exec(text);
    if (m) return { name: m[1]!, kind: "function", signature: signatureOf(text, "{") };
    return undefined;
  }
  if (language === "python") {
    let m = PY_FUNCTION.exec(text);
    if (m) return { name: m[1]!, kind: "function", signature: signatureOf(text, ":") };
    m = PY_CLASS.exec(text);
    if (m) return { name: m[1]!, kind: "class", signature: signatureOf(text, ":") };
    return undefined;
  }
  if (language === "go") {
    const m = GO_FUNC.exec(text);
    if (m) {
      const receiver = m[1];
      if (receiver !== undefined && !/^[A-Z]/.test(receiver)) return undefined;
      return { name: receiver ? `${receiver}.${m[2]!}` : m[2]!, kind: "function", signature: signatureOf(text, "{") };
    }
    const t = GO_TYPE.exec(text);
    if (t) return { name: t[1]!, kind: "type", signature: signatureOf(text, "{") };
  }
  return undefined;
}

/**
 * The declaration without its body: the line up to the body opener (`{` for JS and Go, `:` for Python) found at
 * bracket depth 0 after the parameter list (or, for a declaration without one, the first at depth 0), and up to
 * `=>` for arrow functions. Whitespace collapsed.
 */
function signatureOf(text: string, opener: "{" | ":"): string {
  let depth = 0;
  let sawParams = false;
  let end = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === "(" || c === "[") {
      if (c === "(") sawParams = true;
      depth++;
    } else if (c === ")" || c === "]") {
      depth = Math.max(0, depth - 1);
    } else if (depth === 0 && c === "=" && text[i + 1] === ">") {
      end = i + 2;
      break;
    } else if (depth === 0 && c === opener && (sawParams || !text.includes("(", i))) {
      // Colons and braces inside the parameters are at depth 1. (A JS return type written as an object literal
      // is cut at its first brace: the signature is still the same on both sides when nothing else changed.)
      end = i;
      break;
    }
  }
  return text.slice(0, end).replace(/\s+/g, " ").trim();
}
