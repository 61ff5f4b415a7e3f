import type { Analyzer, AnalyzerInput } from "../analyzer.ts";
import { classifyPath, EXAMPLE_SCRIPT_NAME, type Language } from "../classify-path.ts";
import { createFinding } from "../create-finding.ts";
import type { Finding } from "../finding.ts";
import { detectMinified } from "../detect-minified.ts";
import { addedText, linesMatching, wordsPattern } from "../file-text.ts";
import type { DiffFile } from "../parse-diff.ts";
import { LONG_LINE_CHARS } from "./files-large-or-binary.ts";

const RULE = "debug/leftover";

interface DebugPattern {
  label: string;
  languages: Language[];
  /** Finds the statement; the match must start at the statement (used for the whole-line check). */
  regex: RegExp;
  confidence: number;
  /** A substring every match holds (a prefilter before the regex). */
  word: string;
  /** Plain output calls are legitimate in CLIs and scripts; skip them there. */
  outputCall: boolean;
  /** How to tell that the line holds nothing but this statement: a balanced call, or a full-line regex. */
  whole: "call" | RegExp;
}

const PATTERNS: DebugPattern[] = [
  {
    label: "debugger",
    word: "debugger",
    languages: ["javascript"],
    regex: /(?:^|[;{}])\s*debugger\b\s*;?/,
    confidence: 0.9,
    outputCall: false,
    whole: /^\s*debugger\s*;?\s*$/,
  },
  {
    label: "console.debug",
    word: "console.debug",
    languages: ["javascript"],
    regex: /\bconsole\.debug\s*\(/,
    confidence: 0.7,
    outputCall: true,
    whole: "call",
  },
  {
    label: "console.log",
    word: "console.log",
    languages: ["javascript"],
    regex: /\bconsole\.log\s*\(/,
    confidence: 0.6,
    outputCall: true,
    whole: "call",
  },
  {
    label: "pdb.set_trace",
    word: "set_trace",
    languages: ["python"],
    regex: /\b(?:i?pdb|pudb)\.set_trace\s*\(/,
    confidence: 0.9,
    outputCall: false,
    whole: /^\s*(?:import\s+(?:i?pdb|pudb)\s*;\s*)?(?:i?pdb|pudb)\.set_trace\(\s*\)\s*;?\s*$/,
  },
  {
    label: "breakpoint()",
    word: "breakpoint",
    languages: ["python"],
    regex: /(?<![\w.])breakpoint\s*\(\s*\)/,
    confidence: 0.9,
    outputCall: false,
    whole: /^\s*breakpoint\(\s*\)\s*$/,
  },
  {
    label: "pprint",
    word: "pprint",
    languages: ["python"],
    // pprint(x), pprint.pprint(x); not `def pprint(`.
    regex: /(?<![\w.])(?<!\bdef\s+)(?:pprint\.)?pprint\s*\(/,
    confidence: 0.6,
    outputCall: true,
    whole: "call",
  },
  {
    label: "print",
    word: "print",
    languages: ["python"],
    regex: /(?<![\w.])print\s*\(/,
    confidence: 0.5,
    outputCall: true,
    whole: "call",
  },
  {
    label: "binding.pry",
    word: "binding.",
    languages: ["ruby"],
    regex: /\bbinding\.(?:pry|irb)\b/,
    confidence: 0.9,
    outputCall: false,
    whole: /^\s*binding\.(?:pry|irb)\s*$/,
  },
  {
    label: "byebug",
    word: "byebug",
    languages: ["ruby"],
    regex: /^\s*byebug\b/,
    confidence: 0.9,
    outputCall: false,
    whole: /^\s*byebug\s*$/,
  },
  {
    label: "dbg!",
    word: "dbg!",
    languages: ["rust"],
    regex: /\bdbg!\s*\(/,
    confidence: 0.85,
    outputCall: false,
    whole: "call",
  },
  {
    label: 'fmt.Println("DEBUG',
    word: "fmt.Print",
    languages: ["go"],
    regex: /\bfmt\.Print(?:ln|f)?\s*\(\s*"\s*\[?debug/i,
    confidence: 0.8,
    outputCall: false,
    whole: "call",
  },
  {
    label: "System.out.println",
    word: "System.out.print",
    languages: ["java", "kotlin"],
    regex: /\bSystem\.out\.print(?:ln|f)?\s*\(/,
    confidence: 0.6,
    outputCall: true,
    whole: "call",
  },
  {
    label: "var_dump",
    word: "var_dump",
    languages: ["php"],
    regex: /(?<![\w>$:])var_dump\s*\(/,
    confidence: 0.8,
    outputCall: false,
    whole: "call",
  },
];

/** Every pattern's word, as one pattern: a line without one needs no further look. */
const WORDS = wordsPattern(PATTERNS.map((p) => p.word));

/** Paths where printing is the point (command-line tools, scripts, examples). */
const SCRIPT_PATH = /(^|\/)(bin|cli|scripts?|tools|examples?|demos?|bench(marks?)?)\/|(^|\/)(cli|__main__|main)\.[a-z]+$/i;
const SLASH_COMMENT = /^\s*(\/\/|\/\*|\*)/;
/** A string literal that tells the library's users something is deprecated: a notice, not debugging output. */
const USER_NOTICE = /(["'`])(?:(?!\1).)*\b(?:deprecated?|deprecation|will be removed|no longer (?:supported|does anything))\b(?:(?!\1).)*\1/i;
/** A message that opens by saying it is a warning or an error for the user ("Warning: input may be echoed"). */
const USER_WARNING = /^\s*\w*\s*\(\s*(["'`])\s*(?:warning|error)\s*:/i;
const HASH_COMMENT = /^\s*#/;

export const debugLeftover: Analyzer = {
  id: RULE,
  doc: "Leftover debugging statements (console.log, debugger, print, pdb.set_trace, breakpoint(), binding.pry, dbg!, ...) added to non-test source files.",
  analyze(input: AnalyzerInput): Finding[] {
    const findings: Finding[] = [];
    let modules: string[] | undefined;
    const entryModules = (): string[] => (modules ??= pythonEntryModules(input.manifests ?? {}));
    for (const file of input.files) {
      if (file.status === "deleted" || file.binary) continue;
      const info = classifyPath(file.path);
      // Minified bundles are reported by files/large-or-binary; their statements are not hand-written.
      if (!info.isSource || info.isTest || detectMinified(file).minified) continue;
      // Prefilter: one scan of the added text for the patterns' words; only lines holding one are checked.
      const view = addedText(file);
      const hits = linesMatching(view, WORDS);
      if (hits.length === 0) continue;
      // A program's output is its purpose: scripts by path, and Python entry points (a console script, a main).
      const scriptLike =
        SCRIPT_PATH.test(file.path) || EXAMPLE_SCRIPT_NAME.test(file.path) || (info.language === "python" && isPythonProgram(file, input, entryModules()));
      for (const index of hits) {
        const line = view.lines[index]!;
        if (line.text.length > LONG_LINE_CHARS) continue;
        const hashComments = info.language === "python" || info.language === "ruby" || info.language === "php";
        const slashComments = info.language !== "python" && info.language !== "ruby";
        if ((slashComments && SLASH_COMMENT.test(line.text)) || (hashComments && HASH_COMMENT.test(line.text))) continue;
        for (const pattern of PATTERNS) {
          if (!pattern.languages.includes(info.language)) continue;
          if (pattern.outputCall && scriptLike) continue;
          if (!line.text.includes(pattern.word)) continue;
          const match = pattern.regex.exec(line.text);
          if (!match) continue;
          if (pattern.outputCall && USER_NOTICE.test(line.text.slice(match.index))) break;
          if (pattern.outputCall && USER_WARNING.test(line.text.slice(match.index + match[0].length - 1))) break;
          // A call named in a message ("invalid keyword arguments to print()") is text, not a call.
          if (insideStringLiteral(line.text, match.index)) continue;
          const whole = pattern.whole === "call" ? isWholeCall(line.text, match.index) : pattern.whole.test(line.text);
          const statement = line.text.trim();
          findings.push(
            createFinding({
              ruleId: RULE,
              severity: "low",
              confidence: pattern.confidence,
              path: file.path,
              line: line.newLine,
              title: `Leftover debug statement (${pattern.label})`,
              message: `\`${statement.slice(0, 160).replaceAll("`", "'")}\` looks like debugging left in production code.`,
              suggestion: whole
                ? "Remove the line (or use the project's logger if the output is intended)."
                : "Remove the debugging call (or use the project's logger if the output is intended).",
              ...(whole ? { replacement: "" } : {}),
              trigger: statement,
            }),
          );
          break;
        }
      }
    }
    return findings;
  },
};

/** `if __name__ == "__main__":` or a top-level `def main(`: the module is run as a program. */
const PYTHON_MAIN = /^(?:if\s+__name__\s*==\s*["']__main__["']\s*:|def\s+main\s*\()/m;

/**
 * Whether a Python file is a program: its module is a declared entry point (pyproject.toml `[project.scripts]`,
 * `[project.gui-scripts]`, `[tool.poetry.scripts]`, setup.cfg `console_scripts`), or the new version shows a
 * `__main__` guard or a top-level `def main(` (in the diff or the file's first lines).
 */
function isPythonProgram(file: DiffFile, input: AnalyzerInput, entryModules: string[]): boolean {
  const modulePath = file.path.replace(/\.py$/, "").replace(/\/__init__$/, "");
  if (entryModules.some((m) => modulePath === m || modulePath.endsWith(`/${m}`))) return true;
  if (PYTHON_MAIN.test(input.fileHeads?.[file.path] ?? "")) return true;
  return file.hunks.some((h) => h.lines.some((l) => l.kind !== "del" && PYTHON_MAIN.test(l.text)));
}

/** Module paths (`pkg/cli`) named by the entry points declared in the manifests. */
function pythonEntryModules(manifests: Record<string, string>): string[] {
  const modules: string[] = [];
  for (const [path, text] of Object.entries(manifests)) {
    const base = path.split("/").at(-1);
    if (base !== "pyproject.toml" && base !== "setup.cfg" && base !== "setup.py") continue;
    let inScripts = base === "setup.py";
    for (const line of text.split("\n")) {
      const section = /^\s*\[([^\]]+)\]\s*$/.exec(line);
      if (section) {
        inScripts = /^(?:project\.(?:gui-)?scripts|tool\.poetry\.scripts|options\.entry_points)$/.test(section[1]!.trim());
        continue;
      }
      if (!inScripts) continue;
      for (const m of line.matchAll(/=\s*["']?([A-Za-z_][\w.]*)\s*:\s*[A-Za-z_][\w.]*/g)) modules.push(m[1]!.replaceAll(".", "/"));
    }
  }
  return modules;
}

/**
 * True when `text` holds only one call starting at `start` (nothing before it on the line), whose
 * parentheses close on this line, followed by nothing but an optional `;` (quotes are respected).
 */
function isWholeCall(text: string, start: number): boolean {
  if (text.slice(0, start).trim() !== "") return false;
  const open = text.indexOf("(", start);
  if (open < 0) return false;
  let depth = 0;
  let quote: string | undefined;
  for (let i = open; i < text.length; i++) {
    const ch = text[i]!;
    if (quote) {
      if (ch === "\\") i++;
      else if (ch === quote) quote = undefined;
      continue;
    }
    if (ch === '"' || ch === "'" || ch === "`") quote = ch;
    else if (ch === "(") depth++;
    else if (ch === ")") {
      depth--;
      if (depth === 0) return /^\s*;?\s*$/.test(text.slice(i + 1));
    }
  }
  return false;
}

/** Whether `index` falls inside a quoted string on this line (quotes opened before it and not closed). */
function insideStringLiteral(text: string, index: number): boolean {
  let quote: string | undefined;
  for (let i = 0; i < index; i++) {
    const ch = text[i]!;
    if (quote) {
      if (ch === "\\") i++;
      else if (ch === quote) quote = undefined;
    } else if (ch === '"' || ch === "'" || ch === "`") quote = ch;
    else if (ch === "#" || (ch === "/" && text[i + 1] === "/")) return false;
  }
  return quote !== undefined;
}
