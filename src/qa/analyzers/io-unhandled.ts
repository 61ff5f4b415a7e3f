import type { Analyzer, AnalyzerInput } from "../analyzer.ts";
import { classifyPath } from "../classify-path.ts";
import { createFinding } from "../create-finding.ts";
import type { Finding } from "../finding.ts";
import { detectMinified } from "../detect-minified.ts";
import { addedText, lineSetMatching, wordsPattern } from "../file-text.ts";
import type { DiffLine, Hunk } from "../parse-diff.ts";

const RULE = "io/unhandled";
const CONFIDENCE = 0.6;

interface RiskyCall {
  label: string;
  regex: RegExp;
  why: string;
  fix: string;
}

const JS_CALLS: RiskyCall[] = [
  {
    label: "await fetch(",
    regex: /\bawait\s+fetch\s*\(/,
    why: "rejects on network errors (DNS failure, refused connection, abort)",
    fix: "Wrap it in try/catch (or chain .catch()), handle the network failure, and check `response.ok` before using the body.",
  },
  {
    label: "readFileSync(",
    regex: /\b(?:fs\.)?readFileSync\s*\(/,
    why: "throws when the file is missing or unreadable",
    fix: "Wrap it in try/catch and turn ENOENT/EACCES into a clear error or a fallback.",
  },
  {
    label: "writeFileSync(",
    regex: /\b(?:fs\.)?writeFileSync\s*\(/,
    why: "throws when the directory does not exist, the disk is full or the path is not writable",
    fix: "Wrap it in try/catch and report which path could not be written.",
  },
  {
    label: "JSON.parse(",
    // JSON.parse(JSON.stringify(x)) is a deep clone: its input is valid JSON by construction.
    regex: /\bJSON\.parse\s*\((?!\s*JSON\.stringify\s*\()/,
    why: "throws a SyntaxError on invalid input",
    fix: "Wrap it in try/catch and report the input's origin in the error (or validate with a schema).",
  },
];

const PY_CALLS: RiskyCall[] = [
  {
    label: "open(",
    regex: /(?<![\w.])open\s*\(/,
    why: "raises OSError (FileNotFoundError, PermissionError, IsADirectoryError)",
    fix: "Put it inside try/except OSError and report which path failed.",
  },
  {
    label: "requests call",
    regex: /\brequests\.(?:get|post|put|patch|delete|head|request)\s*\(/,
    why: "raises requests.RequestException on connection errors and timeouts",
    fix: "Pass a timeout, wrap it in try/except requests.RequestException, and call raise_for_status() where appropriate.",
  },
  {
    label: "json.loads(",
    regex: /\bjson\.loads?\s*\(/,
    why: "raises json.JSONDecodeError on invalid input",
    fix: "Wrap it in try/except json.JSONDecodeError (ValueError) and report the input's origin.",
  },
];

/** Substrings every risky call of a language holds (a prefilter; each call's own regex decides). */
const JS_WORDS = ["fetch", "readFileSync", "writeFileSync", "JSON.parse"];
const PY_WORDS = ["open", "requests.", "json.load"];
const JS_WORD_LINES = wordsPattern(JS_WORDS);
const PY_WORD_LINES = wordsPattern(PY_WORDS);

interface Candidate {
  line: DiffLine & { newLine: number };
  call: RiskyCall;
  /** Index among the walked (new-version) lines of the hunk. */
  index: number;
  handled: boolean;
}

export const ioUnhandled: Analyzer = {
  id: RULE,
  doc: "Added risky I/O or parsing (await fetch, readFileSync/writeFileSync, JSON.parse; Python open, requests, json.loads) with no try block or .catch around it.",
  analyze(input: AnalyzerInput): Finding[] {
    const findings: Finding[] = [];
    for (const file of input.files) {
      if (file.status === "deleted" || file.binary) continue;
      const info = classifyPath(file.path);
      // Tests may let errors fail the test; minified bundles are not hand-written (files/large-or-binary reports them).
      if (info.isTest || detectMinified(file).minified) continue;
      const words = info.language === "javascript" ? JS_WORDS : info.ext === "py" ? PY_WORDS : undefined;
      if (!words) continue;
      // Prefilter: one scan of the file's added text finds the lines holding a risky call's word; a file without one is done.
      const hits = lineSetMatching(addedText(file), info.language === "javascript" ? JS_WORD_LINES : PY_WORD_LINES);
      if (hits.size === 0) continue;
      for (const hunk of file.hunks) {
        // Only hunks whose added lines hold a risky call are lexed and walked.
        if (!hunk.lines.some((l) => hits.has(l))) continue;
        const candidates = info.language === "javascript" ? scanJs(hunk) : scanPython(hunk);
        for (const c of candidates) {
          if (!c.handled && PARSE_CALLS.has(c.call.label) && parsesOwnParameter(newSide(hunk), c.index, info.language === "python")) c.handled = true;
          if (!c.handled && c.call.label === "readFileSync(" && SHIPPED_FILE_READ.test(c.line.text)) c.handled = true;
          if (!c.handled && insideGuard(newSide(hunk), c.index)) c.handled = true;
        }
        // One finding per line, naming every unhandled call on it.
        const byLine = new Map<number, Candidate[]>();
        for (const c of candidates) {
          if (c.handled) continue;
          const list = byLine.get(c.line.newLine) ?? [];
          if (!list.some((x) => x.call === c.call)) list.push(c);
          byLine.set(c.line.newLine, list);
        }
        const python = info.language === "python";
        for (const [lineNo, list] of byLine) {
          const statement = list[0]!.line.text.trim();
          const names = list.map((c) => c.call.label.replace(/\($/, "()"));
          const why = list.map((c, i) => `${names[i]} ${c.call.why}`).join("; ");
          findings.push(
            createFinding({
              ruleId: RULE,
              severity: "medium",
              confidence: CONFIDENCE,
              path: file.path,
              line: lineNo,
              title: `Unhandled error from ${names.join(" and ")}`,
              message:
                `\`${statement.slice(0, 160).replaceAll("`", "'")}\`: ${why}. ` +
                (python
                  ? "This call is not inside a try block (as far as the diff shows)."
                  : "This call is not inside a try block (as far as the diff shows) and has no .catch()."),
              suggestion: list.map((c) => c.call.fix).join(" "),
              trigger: statement,
            }),
          );
        }
      }
    }
    return findings;
  },
};

/**
 * readFileSync of a path built from the module's own location (__dirname, import.meta.url): a file shipped with
 * the code, whose absence is a broken install rather than a condition to handle.
 */
const SHIPPED_FILE_READ =
  /readFileSync\s*\(\s*(?:(?:path\.)?(?:join|resolve)\s*\(\s*|`\$\{\s*|new\s+URL\s*\([^,)]*,\s*)?(?:__dirname|__filename|import\.meta\.(?:url|dirname|filename))\b/;

/** Calls that only parse text: a function that parses its own parameter throws to its caller by contract. */
const PARSE_CALLS = new Set(["JSON.parse(", "json.loads("]);
/** The identifier a parse call reads: `JSON.parse(text, reviver)`, `json.loads(s)`. */
const PARSE_ARG = /\b(?:JSON\.parse|json\.loads)\s*\(\s*([A-Za-z_$][\w$]*)\s*[,)]/;
/** Function headers and their parameter lists: function f(a, b), (a, b) =>, a =>, method(a, b) {. */
const JS_HEADER =
  /\bfunction\b[^(]*\(([^()]*)\)|\(([^()]*)\)\s*=>|(?:^|[^\w$.])([A-Za-z_$][\w$]*)\s*=>|^\s*(?:(?:async|static|get|set)\s+)*(?!(?:if|for|while|switch|catch|with|return)\b)[A-Za-z_$][\w$]*\s*\(([^()]*)\)\s*\{/;
const PY_HEADER = /^\s*(?:async\s+)?def\s+\w+\s*\(([^)]*)/;
/** A function named as a parser (parse, load, decode, deserialize, unmarshal, from_json, fromString): throwing on bad input is its contract. */
const PARSER_NAME = /pars|load|decod|deserial|unmarshal|from_?json|from_?str/i;
/** How far above the call to look for its function's header. */
const HEADER_REACH = 80;

/**
 * Whether the parse call at `index` parses a parameter of the function it sits in, and that function is named as
 * a parser (`function parse(text) { … JSON.parse(text) }`): its contract is to throw on bad input, which its callers
 * handle. A request handler parsing its body is not a parser. Walks up to the nearest headers, stopping at a
 * top-level one.
 */
function parsesOwnParameter(lines: DiffLine[], index: number, python: boolean): boolean {
  const arg = PARSE_ARG.exec(lines[index]!.text)?.[1];
  if (!arg) return false;
  const header = python ? PY_HEADER : JS_HEADER;
  for (let k = index; k >= Math.max(0, index - HEADER_REACH); k--) {
    const text = lines[k]!.text;
    const m = header.exec(text);
    if (!m) continue;
    const params = (m[1] ?? m[2] ?? m[3] ?? m[4] ?? "").split(",").map((p) => p.trim().replace(/^\.\.\./, "").split(/[\s=:]/)[0]);
    // The function's name: the header before its parameter list.
    if (params.includes(arg)) return PARSER_NAME.test(text.slice(0, m.index + Math.max(0, m[0].indexOf("("))));
    if (indentOf(text) === 0) return false;
  }
  return false;
}

/** The new-version lines of a hunk (added and context), in order. */
const newSide = (hunk: Hunk): DiffLine[] => hunk.lines.filter((l) => l.kind !== "del");

// ---------------------------------------------------------------- JavaScript / TypeScript

interface JsLexState {
  blockComment: boolean;
  template: boolean;
}

/**
 * Blank out comments and string contents (keeping length), so braces and calls are found only in code. Runs of plain
 * code and of string contents are found with one search each, not walked a character at a time.
 */
function sanitizeJs(text: string, state: JsLexState): string {
  let out = "";
  let quote: string | undefined = state.template ? "`" : undefined;
  let i = 0;
  while (i < text.length) {
    if (state.blockComment) {
      const end = text.indexOf("*/", i);
      if (end < 0) {
        out += " ".repeat(text.length - i);
        break;
      }
      out += " ".repeat(end - i + 2);
      state.blockComment = false;
      i = end + 2;
      continue;
    }
    if (quote) {
      const close = text.indexOf(quote, i);
      const escape = text.indexOf("\\", i);
      if (close < 0 && escape < 0) {
        out += " ".repeat(text.length - i);
        break;
      }
      if (escape >= 0 && (close < 0 || escape < close)) {
        // A backslash blanks itself and the next character (two spaces, even at the end of the line).
        out += " ".repeat(escape - i + 2);
        i = escape + 2;
      } else {
        out += " ".repeat(close - i) + quote;
        quote = undefined;
        i = close + 1;
      }
      continue;
    }
    JS_SPECIAL.lastIndex = i;
    const m = JS_SPECIAL.exec(text);
    if (m === null) {
      out += text.slice(i);
      break;
    }
    out += text.slice(i, m.index);
    i = m.index;
    const ch = text[i]!;
    if (ch === "/") {
      const next = text[i + 1];
      if (next === "/") break;
      if (next === "*") {
        state.blockComment = true;
        out += "  ";
        i += 2;
        continue;
      }
    } else quote = ch;
    out += ch;
    i++;
  }
  state.template = quote === "`";
  return out;
}
const JS_SPECIAL = /[/"'`]/g;

function scanJs(hunk: Hunk): Candidate[] {
  const lines = newSide(hunk);
  const lex: JsLexState = { blockComment: false, template: false };
  const code = lines.map((l) => sanitizeJs(l.text, lex));
  const candidates: Candidate[] = [];
  let depth = 0;
  let minDepth = 0;
  const tryStack: number[] = [];
  let pendingTry = false;
  /** An unmatched `}` closed a block opened before the hunk; a following `catch`/`finally` means it was a try. */
  let closedUnknownBlock = false;

  const wordAt = /[A-Za-z_$][\w$]*/y;

  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    const text = code[index]!;
    const calls: Array<{ at: number; call: RiskyCall }> = [];
    for (const call of JS_CALLS) {
      const m = call.regex.exec(text);
      if (m) calls.push({ at: m.index, call });
    }
    calls.sort((a, b) => a.at - b.at);
    for (let i = 0; i < text.length; i++) {
      const ch = text[i]!;
      if (/\s/.test(ch)) continue;
      wordAt.lastIndex = i;
      const word = wordAt.exec(text)?.[0];
      const boundary = i === 0 || !/[\w$.]/.test(text[i - 1]!);
      const keyword = word !== undefined && boundary;
      if (closedUnknownBlock) {
        if (keyword && (word === "catch" || word === "finally")) {
          for (const c of candidates) c.handled = true;
        }
        closedUnknownBlock = false;
      }
      const spanEnd = i + (keyword ? word.length : 1);
      while (calls[0] && calls[0].at < spanEnd) {
        const { call, at } = calls.shift()!;
        if (line.kind === "add" && line.newLine !== undefined) {
          candidates.push({
            line: line as Candidate["line"],
            call,
            index,
            handled: tryStack.length > 0 || followedByCatch(code, index, at),
          });
        }
      }
      if (keyword) {
        if (word === "try") pendingTry = true;
        i = spanEnd - 1;
        continue;
      }
      if (ch === "{") {
        if (pendingTry) tryStack.push(depth);
        pendingTry = false;
        depth++;
      } else if (ch === "}") {
        depth--;
        if (tryStack.length > 0 && tryStack.at(-1)! >= depth) tryStack.pop();
        else if (depth < minDepth) {
          minDepth = depth;
          closedUnknownBlock = true;
        }
      }
    }
  }
  return candidates;
}

/** Whether `.catch(` is chained onto the call, on its line or on the continuation lines of the same statement. */
function followedByCatch(code: string[], index: number, at: number): boolean {
  let parens = 0;
  for (let k = index; k < Math.min(code.length, index + 6); k++) {
    const segment = k === index ? code[k]!.slice(at) : code[k]!;
    if (k > index && parens <= 0 && !/^\s*[.?]/.test(segment)) return false;
    if (/\.catch\s*\(/.test(segment)) return true;
    for (const ch of segment) {
      if (ch === "(") parens++;
      else if (ch === ")") parens--;
    }
    if (parens <= 0 && segment.trim().endsWith(";")) return false;
  }
  return false;
}

// ---------------------------------------------------------------- Python

/**
 * A Python handler for errors that are not I/O errors (`except UnicodeDecodeError:` retrying the read another way)
 * may do I/O without its own try: the I/O errors of its try body already propagate to the caller by contract, so
 * the fallback's do too. A handler that catches I/O errors (or everything) still needs its own handling, and so does
 * a read after an existence check (permissions, a directory, a race still fail it).
 */
const PY_HANDLER = /^\s*except\s+\(?\s*([\w.]+(?:\s*,\s*[\w.]+)*)\s*\)?\s*(?:as\s+\w+\s*)?:/;
const IO_ERRORS = /^(?:OSError|IOError|EnvironmentError|FileNotFoundError|PermissionError|IsADirectoryError|Exception|BaseException|\w*ConnectionError|\w*Timeout\w*|requests\..*|socket\..*|urllib\..*|URLError|HTTPError)$/;

function opensGuard(text: string): boolean {
  const handler = PY_HANDLER.exec(text);
  return handler !== null && handler[1]!.split(",").every((name) => !IO_ERRORS.test(name.trim()));
}

/** Whether the line at `index` sits (directly) in a guarding block: the nearest less-indented line above opens one. */
function insideGuard(lines: DiffLine[], index: number): boolean {
  const own = indentOf(lines[index]!.text);
  for (let i = index - 1; i >= 0; i--) {
    const text = lines[i]!.text;
    if (text.trim() === "" || /^\s*(?:#|\/\/|\*)/.test(text)) continue;
    if (indentOf(text) < own) return opensGuard(text);
  }
  return false;
}

function indentOf(text: string): number {
  let width = 0;
  for (const ch of text) {
    if (ch === " ") width++;
    else if (ch === "\t") width += 8 - (width % 8);
    else break;
  }
  return width;
}

/** Blank out comments and string contents (keeping length); copies runs of plain code in one slice. */
function sanitizePython(text: string, state: { triple?: string }): string {
  let out = "";
  let i = 0;
  while (i < text.length) {
    if (state.triple) {
      const end = text.indexOf(state.triple, i);
      if (end < 0) return out + " ".repeat(text.length - i);
      out += " ".repeat(end - i) + state.triple;
      i = end + 3;
      state.triple = undefined;
      continue;
    }
    PY_SPECIAL.lastIndex = i;
    const m = PY_SPECIAL.exec(text);
    if (m === null) return out + text.slice(i);
    const at = m.index;
    out += text.slice(i, at);
    i = at;
    const ch = text[i]!;
    if (ch === "#") return out;
    if (text.startsWith('"""', i) || text.startsWith("'''", i)) {
      state.triple = text.slice(i, i + 3);
      out += state.triple;
      i += 3;
      continue;
    }
    const end = text.indexOf(ch, i + 1);
    const stop = end < 0 ? text.length : end;
    out += ch + " ".repeat(Math.max(0, stop - i - 1)) + (end < 0 ? "" : ch);
    i = stop + 1;
  }
  return out;
}
const PY_SPECIAL = /[#"']/g;

function scanPython(hunk: Hunk): Candidate[] {
  const lines = newSide(hunk);
  const lex: { triple?: string } = {};
  const candidates: Candidate[] = [];
  /** Indents of open `try:` bodies. */
  const tryIndents: number[] = [];
  /** Indents where a try statement's clauses (except/else/finally) may still follow. */
  const chains = new Set<number>();
  /** Indent of every code line walked so far, by index (undefined for blank, comment and continuation lines). */
  const indents: Array<number | undefined> = [];
  let parenDepth = 0;

  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    const startedInString = lex.triple !== undefined;
    const code = sanitizePython(line.text, lex);
    const continuation = parenDepth > 0 || startedInString;
    for (let k = 0; k < code.length; k++) {
      const c = code.charCodeAt(k);
      // ( [ {  and  ) ] }
      if (c === 40 || c === 91 || c === 123) parenDepth++;
      else if ((c === 41 || c === 93 || c === 125) && parenDepth > 0) parenDepth--;
    }
    if (code.trim() === "" || continuation) {
      indents.push(undefined);
    } else {
      const indent = indentOf(code);
      indents.push(indent);
      const handler = /^\s*(except\b|finally\s*:)/.test(code);
      const clause = handler || /^\s*else\s*:/.test(code);
      for (const k of [...chains]) if (indent < k || (indent === k && !clause)) chains.delete(k);
      if (handler && !chains.has(indent)) {
        // A handler for a `try:` above the hunk: lines since the last line at or left of this indent were inside it.
        for (const c of candidates) {
          const own = indents[c.index];
          const inside =
            own !== undefined && own > indent && indents.slice(c.index + 1, index).every((i) => i === undefined || i > indent);
          if (inside) c.handled = true;
        }
        chains.add(indent);
      }
      while (tryIndents.length > 0 && indent <= tryIndents.at(-1)!) tryIndents.pop();
      if (/^\s*try\s*:/.test(code)) {
        tryIndents.push(indent);
        chains.add(indent);
      }
    }
    if (line.kind !== "add" || line.newLine === undefined) continue;
    for (const call of PY_CALLS) {
      if (!call.regex.test(code)) continue;
      candidates.push({ line: line as Candidate["line"], call, index, handled: tryIndents.length > 0 });
      break;
    }
  }
  return candidates;
}
