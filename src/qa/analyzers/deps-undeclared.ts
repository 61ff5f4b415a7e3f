import { builtinModules } from "node:module";
import type { Analyzer, AnalyzerInput } from "../analyzer.ts";
import { classifyPath } from "../classify-path.ts";
import { createFinding } from "../create-finding.ts";
import type { Finding } from "../finding.ts";
import { addedText, linesMatching } from "../file-text.ts";
import { addedLines, type DiffFile } from "../parse-diff.ts";

const RULE = "deps/undeclared";

/** Confidence when the manifest itself was available, and when only the diff was. */
const CONFIDENCE_WITH_MANIFEST = 0.9;
const CONFIDENCE_DIFF_ONLY = 0.5;
/**
 * The caller read the working tree's manifests and none governs the file (a folder of scripts or tests run by a
 * tool installed elsewhere, a template): there is nothing to check the import against, so it is only listed.
 */
const CONFIDENCE_NO_MANIFEST = 0.3;

const NODE_BUILTINS = new Set([...builtinModules, "test", "sqlite", "sea", "test/reporters"]);

/** Python's standard library top-level modules (sys.stdlib_module_names, 3.11, plus a few removed/added since). */
const PYTHON_STDLIB = new Set(
  (
    "__future__ _thread abc aifc antigravity argparse array ast asynchat asyncio asyncore atexit audioop base64 bdb " +
    "binascii bisect builtins bz2 cProfile calendar cgi cgitb chunk cmath cmd code codecs codeop collections colorsys " +
    "compileall concurrent configparser contextlib contextvars copy copyreg crypt csv ctypes curses dataclasses datetime " +
    "dbm decimal difflib dis distutils doctest email encodings ensurepip enum errno faulthandler fcntl filecmp fileinput " +
    "fnmatch fractions ftplib functools gc genericpath getopt getpass gettext glob graphlib grp gzip hashlib heapq hmac " +
    "html http idlelib imaplib imghdr imp importlib inspect io ipaddress itertools json keyword lib2to3 linecache locale " +
    "logging lzma mailbox mailcap marshal math mimetypes mmap modulefinder msilib msvcrt multiprocessing netrc nis nntplib " +
    "nt ntpath nturl2path numbers opcode operator optparse os ossaudiodev pathlib pdb pickle pickletools pipes pkgutil " +
    "platform plistlib poplib posix posixpath pprint profile pstats pty pwd py_compile pyclbr pydoc pydoc_data pyexpat " +
    "queue quopri random re readline reprlib resource rlcompleter runpy sched secrets select selectors shelve shlex shutil " +
    "signal site smtpd smtplib sndhdr socket socketserver spwd sqlite3 sre_compile sre_constants sre_parse ssl stat " +
    "statistics string stringprep struct subprocess sunau symtable sys sysconfig syslog tabnanny tarfile telnetlib " +
    "tempfile termios textwrap this threading time timeit tkinter token tokenize tomllib trace traceback tracemalloc tty " +
    "turtle turtledemo types typing unicodedata unittest urllib uu uuid venv warnings wave weakref webbrowser winreg " +
    "winsound wsgiref xdrlib xml xmlrpc zipapp zipfile zipimport zlib zoneinfo " +
    // CPython's own regression-test package (Lib/test), imported by tests written for CPython.
    "test"
  ).split(" "),
);

/** Import name -> distribution names, where they differ in more than a "py"/"python-" prefix. */
const PYTHON_ALIASES: Record<string, string[]> = {
  cv2: ["opencv-python", "opencv-python-headless", "opencv-contrib-python", "opencv-contrib-python-headless"],
  sklearn: ["scikit-learn"],
  skimage: ["scikit-image"],
  pil: ["pillow"],
  bs4: ["beautifulsoup4"],
  attr: ["attrs"],
  git: ["gitpython"],
  crypto: ["pycryptodome", "pycryptodomex", "pycrypto"],
  fitz: ["pymupdf"],
  mysqldb: ["mysqlclient"],
  telegram: ["python-telegram-bot"],
  win32api: ["pywin32"],
  win32con: ["pywin32"],
  pythoncom: ["pywin32"],
  pkg_resources: ["setuptools"],
  gi: ["pygobject"],
  wx: ["wxpython"],
  dns: ["dnspython"],
  grpc: ["grpcio"],
  bio: ["biopython"],
  googleapiclient: ["google-api-python-client"],
  mpl_toolkits: ["matplotlib"],
  memcache: ["python-memcached"],
  dateutil: ["python-dateutil"],
  magic: ["python-magic"],
  jwt: ["pyjwt"],
  yaml: ["pyyaml"],
  dotenv: ["python-dotenv"],
};

const PY_MANIFEST = /(^|\/)(requirements[^/]*\.(txt|in)|pyproject\.toml|setup\.py|setup\.cfg|Pipfile|environment\.ya?ml)$/;
const JS_MANIFEST = /(^|\/)package\.json$/;
const TS_CONFIG = /(^|\/)[tj]sconfig(\.[^/]*)?\.json$/;
const GO_MANIFEST = /(^|\/)go\.mod$/;

const JS_STATIC_IMPORTS = [
  /^\s*import\s+(?:type\s+)?[^'"]*?\bfrom\s*(['"])([^'"]+)\1/,
  /^\s*import\s*(['"])([^'"]+)\1/,
  /^\s*export\s+[^'"]*?\bfrom\s*(['"])([^'"]+)\1/,
  /^\s*\}\s*from\s*(['"])([^'"]+)\1/,
];
const JS_CALL_IMPORTS = [/\brequire\s*\(\s*(['"])([^'"]+)\1\s*\)/g, /\bimport\s*\(\s*(['"])([^'"]+)\1\s*[,)]/g];
const NPM_NAME = /^(?:@[a-z0-9~][a-z0-9._~-]*\/)?[a-z0-9~][a-z0-9._~-]*$/i;

interface ImportHit {
  name: string;
  line: number;
  text: string;
  typeOnly: boolean;
  /** Imported only in a guarded branch or a function body (optional or lazy): listed under the threshold. */
  conditional?: boolean;
}

export const depsUndeclared: Analyzer = {
  id: RULE,
  doc: "New imports of third-party packages (JS/TS, Python, Go) that no dependency manifest declares.",
  analyze(input: AnalyzerInput): Finding[] {
    const manifests = collectManifests(input);
    const touched = input.files.map((f) => f.path);
    const addedJs = new Set<string>();
    const addedPy = new Set<string>();
    const addedGo = new Set<string>();
    for (const file of input.files) {
      if (file.status === "deleted") continue;
      // The path decides once per file (not once per line) whether its lines are read as a manifest's.
      const js = JS_MANIFEST.test(file.path);
      const py = PY_MANIFEST.test(file.path);
      const go = GO_MANIFEST.test(file.path);
      if (!js && !py && !go) continue;
      for (const line of addedText(file).lines) {
        if (js) for (const key of line.text.matchAll(/"([^"]+)"\s*:\s*"/g)) addedJs.add(key[1]!);
        if (py) for (const name of pythonRequirementNames(line.text)) addedPy.add(name);
        if (go) for (const mod of goRequirePaths(line.text)) addedGo.add(mod);
      }
    }
    const localPython = localPythonNames(input.files);
    // Computed once per run, not per file: large diffs have thousands of files.
    const touchedJs = touched.filter((p) => JS_MANIFEST.test(p));
    const manifestsRead = input.manifests !== undefined;
    let python: PythonIndex | undefined;

    const findings: Finding[] = [];
    for (const file of input.files) {
      if (file.status === "deleted" || file.binary) continue;
      const info = classifyPath(file.path);
      if (info.language === "javascript") {
        findings.push(...checkJs(file, manifests, touchedJs, addedJs, manifestsRead));
      } else if (info.language === "python" && info.ext === "py") {
        python ??= indexPython(manifests, touched);
        findings.push(...checkPython(file, python, addedPy, localPython, manifestsRead));
      } else if (info.language === "go" && info.ext === "go") {
        findings.push(...checkGo(file, manifests, addedGo));
      }
    }
    return findings;
  },
};

/** Manifest contents: those given by the caller, plus manifests the diff adds whole (all their lines are visible). */
function collectManifests(input: AnalyzerInput): Map<string, string> {
  const out = new Map<string, string>(Object.entries(input.manifests ?? {}));
  for (const file of input.files) {
    if (file.status !== "added" || out.has(file.path)) continue;
    if (JS_MANIFEST.test(file.path) || PY_MANIFEST.test(file.path) || GO_MANIFEST.test(file.path) || TS_CONFIG.test(file.path)) {
      out.set(file.path, addedLines(file).map((l) => l.text).join("\n"));
    }
  }
  return out;
}

/** Directories from the file's own up to the repository root ("" is the root). */
function ancestorDirs(path: string): string[] {
  const parts = path.split("/").slice(0, -1);
  const dirs: string[] = [];
  for (let i = parts.length; i >= 0; i--) dirs.push(parts.slice(0, i).join("/"));
  return dirs;
}

const inDir = (dir: string, name: string): string => (dir ? `${dir}/${name}` : name);

function isAncestorManifest(filePath: string, manifestPath: string): boolean {
  const dir = manifestPath.includes("/") ? manifestPath.slice(0, manifestPath.lastIndexOf("/")) : "";
  return dir === "" || filePath.startsWith(`${dir}/`);
}

// ---------------------------------------------------------------- JavaScript / TypeScript

/** Every import form holds one of these words (import, export … from, } from, require). */
const JS_IMPORT_WORDS = /import|from|require/gm;

function jsImports(file: DiffFile): ImportHit[] {
  const hits: ImportHit[] = [];
  // Prefilter: one scan of the added text finds the lines holding an import word.
  const view = addedText(file);
  for (const index of linesMatching(view, JS_IMPORT_WORDS)) {
    const line = view.lines[index]!;
    const trimmed = line.text.trim();
    if (trimmed.startsWith("//") || trimmed.startsWith("*") || trimmed.startsWith("/*")) continue;
    const specs = new Set<string>();
    for (const re of JS_STATIC_IMPORTS) {
      const m = re.exec(line.text);
      if (m?.[2]) specs.add(m[2]);
    }
    for (const re of JS_CALL_IMPORTS) for (const m of line.text.matchAll(re)) if (m[2]) specs.add(m[2]);
    const typeOnly = /^\s*(?:import|export)\s+type\b/.test(line.text);
    for (const spec of specs) {
      const name = npmPackageName(spec);
      if (name) hits.push({ name, line: line.newLine, text: line.text, typeOnly, conditional: insideBlock(file, line.newLine, JS_GUARD_OPEN) });
    }
  }
  return hits;
}

/** The npm package a bare specifier refers to, or undefined for relative, absolute, builtin, URL and alias specifiers. */
function npmPackageName(spec: string): string | undefined {
  if (/^[./#~$]/.test(spec) || spec.startsWith("@/") || spec.includes(":")) return undefined;
  const parts = spec.split("/");
  const name = spec.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
  if (!NPM_NAME.test(name) || (spec.startsWith("@") && parts.length < 2)) return undefined;
  if (NODE_BUILTINS.has(name) || NODE_BUILTINS.has(spec)) return undefined;
  return name;
}

interface PackageJson {
  path: string;
  name?: string;
  deps: Set<string>;
}

/** Parsed package.json files by content: every JavaScript file that imports looks up its ancestors' (bounded; cleared when full). */
const PACKAGE_JSONS = new Map<string, { path: string; pkg: PackageJson | undefined }>();

function parsePackageJson(path: string, content: string): PackageJson | undefined {
  const cached = PACKAGE_JSONS.get(content);
  if (cached !== undefined && cached.path === path) return cached.pkg;
  if (PACKAGE_JSONS.size >= 1000) PACKAGE_JSONS.clear();
  const pkg = parsePackageJsonUncached(path, content);
  PACKAGE_JSONS.set(content, { path, pkg });
  return pkg;
}

function parsePackageJsonUncached(path: string, content: string): PackageJson | undefined {
  try {
    const json: unknown = JSON.parse(content);
    if (!json || typeof json !== "object") return undefined;
    const record = json as Record<string, unknown>;
    const deps = new Set<string>();
    for (const field of ["dependencies", "devDependencies", "peerDependencies", "optionalDependencies"]) {
      const value = record[field];
      if (value && typeof value === "object") for (const key of Object.keys(value)) deps.add(key);
    }
    const pkg: PackageJson = { path, deps };
    if (typeof record.name === "string") pkg.name = record.name;
    return pkg;
  } catch {
    return undefined;
  }
}

/** Path-alias prefixes from tsconfig/jsconfig `compilerOptions.paths` ("@app/*" -> "@app/"). */
function tsconfigAliases(content: string): string[] {
  try {
    const json = JSON.parse(stripJsonComments(content)) as { compilerOptions?: { paths?: Record<string, unknown> } };
    return Object.keys(json.compilerOptions?.paths ?? {}).map((k) => k.replace(/\*$/, ""));
  } catch {
    return [];
  }
}

/** JSONC -> JSON: drop comments and trailing commas outside strings. */
function stripJsonComments(text: string): string {
  let out = "";
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (inString) {
      out += ch;
      if (ch === "\\") out += text[++i] ?? "";
      else if (ch === '"') inString = false;
    } else if (ch === '"') {
      inString = true;
      out += ch;
    } else if (ch === "/" && text[i + 1] === "/") {
      while (i < text.length && text[i] !== "\n") i++;
      out += "\n";
    } else if (ch === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      i = end < 0 ? text.length : end + 1;
    } else {
      out += ch;
    }
  }
  return out.replace(/,(\s*[}\]])/g, "$1");
}

function checkJs(file: DiffFile, manifests: Map<string, string>, touchedJs: string[], addedJs: Set<string>, manifestsRead: boolean): Finding[] {
  // Most files add no import: the manifests are only looked up for those that do.
  const imports = jsImports(file);
  if (imports.length === 0) return [];
  const dirs = ancestorDirs(file.path);
  const known: PackageJson[] = [];
  const aliases: string[] = [];
  for (const dir of dirs) {
    const pkgPath = inDir(dir, "package.json");
    const content = manifests.get(pkgPath);
    const parsed = content === undefined ? undefined : parsePackageJson(pkgPath, content);
    if (parsed) known.push(parsed);
    for (const name of ["tsconfig.json", "jsconfig.json"]) {
      const tsconfig = manifests.get(inDir(dir, name));
      if (tsconfig !== undefined) aliases.push(...tsconfigAliases(tsconfig));
    }
  }
  const manifestTouched = touchedJs.some((p) => isAncestorManifest(file.path, p));
  const findings: Finding[] = [];
  const seen = new Set<string>();
  let optional: Set<number> | undefined;
  for (const hit of imports) {
    if (seen.has(hit.name)) continue;
    optional ??= tryBlockFirstLines(file, JS_TRY_OPEN);
    if (optional.has(hit.line)) continue;
    seen.add(hit.name);
    const typesName = `@types/${hit.name.startsWith("@") ? hit.name.slice(1).replace("/", "__") : hit.name}`;
    const declared = (set: Set<string>): boolean => set.has(hit.name) || (hit.typeOnly && set.has(typesName));
    if (declared(addedJs)) continue;
    if (aliases.some((a) => a.length > 0 && (hit.name === a.replace(/\/$/, "") || hit.name.startsWith(a)))) continue;
    if (known.length > 0) {
      if (known.some((pkg) => pkg.name === hit.name || declared(pkg.deps))) continue;
      findings.push(
        depFinding(file.path, hit, CONFIDENCE_WITH_MANIFEST, `\`${known[0]!.path}\` does not declare it`, jsFix(hit.name)),
      );
    } else if (manifestsRead) {
      findings.push(depFinding(file.path, hit, CONFIDENCE_NO_MANIFEST, "no package.json above this file declares it (none exists there)", jsFix(hit.name)));
    } else if (!manifestTouched) {
      findings.push(
        depFinding(
          file.path,
          hit,
          CONFIDENCE_DIFF_ONLY,
          "this change does not touch package.json, so it cannot have been added as a dependency " +
            "(if it is already declared, ignore this)",
          jsFix(hit.name),
        ),
      );
    }
  }
  return findings;
}

/** A line that opens a try block: `try {` (JS/TS), `try:` (Python), with a trailing comment or not. */
const JS_TRY_OPEN = /(?:^|[;{}]\s*)try\s*\{\s*(?:\/\/.*|\/\*.*\*\/\s*)?$/;
const PY_TRY_OPEN = /^\s*(?:try|except\b[^:#]*\b(?:ImportError|ModuleNotFoundError)\b[^:#]*)\s*:\s*(?:#.*)?$/;
const COMMENT_ONLY = /^\s*(?:\/\/|\/\*|\*|#)/;
/** Block openers that make an import conditional or lazy: `if (…) {`, `} else {` (JS); def, if, elif, else, except (Python). */
const JS_GUARD_OPEN = /^\s*(?:\}\s*)?(?:if\s*\(.*\)|else(?:\s+if\s*\(.*\))?)\s*\{\s*(?:\/\/.*)?$/;
const PY_GUARD_OPEN = /^\s*(?:(?:async\s+)?def\s|if\s|elif\s|else\s*:|except\b)/;
const CONFIDENCE_CONDITIONAL = 0.3;

/**
 * Whether the added line `newLine` is indented under a block opener matching `opener`: the nearest earlier line
 * of the hunk with less indentation (blank lines and comments skipped) is that opener.
 */
function insideBlock(file: DiffFile, newLine: number, opener: RegExp): boolean {
  for (const hunk of file.hunks) {
    const index = hunk.lines.findIndex((l) => l.kind !== "del" && l.newLine === newLine);
    if (index < 0) continue;
    const indent = (text: string): number => /^\s*/.exec(text)![0].replace(/\t/g, "    ").length;
    const own = indent(hunk.lines[index]!.text);
    if (own === 0) return false;
    for (let i = index - 1; i >= 0; i--) {
      const line = hunk.lines[i]!;
      if (line.kind === "del" || line.text.trim() === "" || COMMENT_ONLY.test(line.text)) continue;
      if (indent(line.text) < own) return opener.test(line.text);
    }
    return false;
  }
  return false;
}

/**
 * New line numbers of the added lines that are the first statement of a try block, or of an
 * `except ImportError:` fallback (comments between them allowed): an import there is optional by design (`try { require('supports-color') } catch {}`,
 * `try: import ujson except ImportError: import json`), so its absence from the manifest is intended.
 */
function tryBlockFirstLines(file: DiffFile, tryOpen: RegExp): Set<number> {
  const out = new Set<number>();
  for (const hunk of file.hunks) {
    let previous = "";
    for (const line of hunk.lines) {
      if (line.kind === "del" || line.text.trim() === "" || COMMENT_ONLY.test(line.text)) continue;
      if (line.kind === "add" && line.newLine !== undefined && tryOpen.test(previous)) out.add(line.newLine);
      previous = line.text;
    }
  }
  return out;
}

const jsFix = (name: string): string =>
  `Declare it with your package manager (e.g. \`npm install ${name}\`) so package.json and the lock file list it, or remove the import.`;

// ---------------------------------------------------------------- Python

/** Normalized distribution name (PEP 503): lower case, runs of -_. become "-". */
const normalizePy = (name: string): string => name.toLowerCase().replace(/[-_.]+/g, "-");

/** Distribution names mentioned in a line of a Python manifest (requirements, pyproject, setup.cfg/py, Pipfile). */
function pythonRequirementNames(line: string): string[] {
  const names: string[] = [];
  const text = line.replace(/(^|\s)#.*$/, "");
  const egg = /#egg=([A-Za-z0-9._-]+)/.exec(line);
  if (egg) names.push(egg[1]!);
  const bare = /^\s*([A-Za-z][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*(?:[<>=!~;@]|$)/.exec(text);
  if (bare && !/^\s*-/.test(text)) names.push(bare[1]!);
  for (const m of text.matchAll(/["']([A-Za-z][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*(?:[<>=!~;@ ][^"']*)?["']/g)) names.push(m[1]!);
  const key = /^\s*["']?([A-Za-z][A-Za-z0-9._-]*)["']?\s*=\s*[{"'[*]/.exec(text);
  if (key) names.push(key[1]!);
  return names.map(normalizePy);
}

function pythonProjectName(content: string): string | undefined {
  const m = /^\s*name\s*=\s*["']([^"']+)["']/m.exec(content);
  return m ? normalizePy(m[1]!) : undefined;
}

/** Directory names and module stems in the diff: `import x` of one of them is a local import. */
function localPythonNames(files: DiffFile[]): Set<string> {
  const names = new Set<string>();
  for (const file of files) {
    const parts = file.path.split("/");
    for (const dir of parts.slice(0, -1)) names.add(dir);
    const base = parts.at(-1)!;
    if (base.endsWith(".py")) names.add(base.slice(0, -3));
  }
  return names;
}

function pythonImports(file: DiffFile): ImportHit[] {
  const hits: ImportHit[] = [];
  let optional: Set<number> | undefined;
  // Both forms (import x, from x import y) hold the word: a file whose added text does not is done.
  if (!addedText(file).text.includes("import")) return hits;
  for (const hunk of file.hunks) {
    for (const line of hunk.lines) {
      if (line.kind !== "add" || line.newLine === undefined) continue;
      if (!line.text.includes("import")) continue; // both forms (import x, from x import y) hold the word
      const code = line.text.replace(/#.*$/, "");
      const from = /^\s*from\s+([A-Za-z_][\w.]*)\s+import\b/.exec(code);
      const plain = /^\s*import\s+(.+)$/.exec(code);
      const modules = from ? [from[1]!] : plain ? plain[1]!.split(",").map((m) => m.trim().split(/\s+/)[0] ?? "") : [];
      if (modules.length > 0) {
        optional ??= tryBlockFirstLines(file, PY_TRY_OPEN);
        if (optional.has(line.newLine)) continue;
      }
      for (const mod of modules) {
        const top = mod.split(".")[0] ?? "";
        if (/^[A-Za-z_]\w*$/.test(top)) hits.push({ name: top, line: line.newLine, text: line.text, typeOnly: false, conditional: insideBlock(file, line.newLine, PY_GUARD_OPEN) });
      }
    }
  }
  return hits;
}

function pyDeclared(name: string, dists: Set<string>): boolean {
  const n = normalizePy(name);
  const candidates = [n, `py${n}`, `python-${n}`, `${n}py`, ...(PYTHON_ALIASES[name.toLowerCase()] ?? [])];
  if (candidates.some((c) => dists.has(c))) return true;
  for (const dist of dists) if (dist.startsWith(`${n}-`)) return true;
  return false;
}

interface PythonIndex {
  /** Distribution names the Python manifests declare (normalized). */
  known: Set<string>;
  haveManifest: boolean;
  manifestTouched: boolean;
}

function indexPython(manifests: Map<string, string>, touched: string[]): PythonIndex {
  const known = new Set<string>();
  let haveManifest = false;
  for (const [path, content] of manifests) {
    if (!PY_MANIFEST.test(path)) continue;
    haveManifest = true;
    for (const line of content.split("\n")) for (const name of pythonRequirementNames(line)) known.add(name);
    const project = pythonProjectName(content);
    if (project) known.add(project);
  }
  return { known, haveManifest, manifestTouched: touched.some((p) => PY_MANIFEST.test(p)) };
}

function checkPython(file: DiffFile, index: PythonIndex, addedPy: Set<string>, local: Set<string>, manifestsRead: boolean): Finding[] {
  const { known, haveManifest, manifestTouched } = index;
  const findings: Finding[] = [];
  const seen = new Set<string>();
  for (const hit of pythonImports(file)) {
    if (seen.has(hit.name)) continue;
    seen.add(hit.name);
    if (PYTHON_STDLIB.has(hit.name) || local.has(hit.name) || hit.name.startsWith("_")) continue;
    if (pyDeclared(hit.name, addedPy)) continue;
    const fix = `Add the distribution that provides \`${hit.name}\` to requirements.txt / pyproject.toml, or remove the import.`;
    if (haveManifest) {
      if (pyDeclared(hit.name, known)) continue;
      findings.push(depFinding(file.path, hit, 0.8, "no requirements file or pyproject.toml declares it", fix));
    } else if (manifestsRead) {
      findings.push(depFinding(file.path, hit, CONFIDENCE_NO_MANIFEST, "no requirements file or pyproject.toml declares it (the repository has none)", fix));
    } else if (!manifestTouched) {
      findings.push(
        depFinding(
          file.path,
          hit,
          CONFIDENCE_DIFF_ONLY,
          "this change touches no requirements file or pyproject.toml (if it is already declared, ignore this)",
          fix,
        ),
      );
    }
  }
  return findings;
}

// ---------------------------------------------------------------- Go

/** Module paths named in a go.mod line (`require x v1`, or a line inside a require block), and `module x`. */
function goRequirePaths(line: string): string[] {
  const mod = /^\s*module\s+(\S+)/.exec(line);
  if (mod) return [mod[1]!.replace(/"/g, "")];
  const req = /^\s*(?:require\s+)?([^\s()"]+\.[^\s()"]+)\s+v\d/.exec(line);
  return req ? [req[1]!] : [];
}

function goImports(file: DiffFile): ImportHit[] {
  const hits: ImportHit[] = [];
  // Every import path is quoted: a file whose added text holds no quote is done.
  if (!addedText(file).text.includes('"')) return hits;
  for (const hunk of file.hunks) {
    let inBlock = false;
    for (const line of hunk.lines) {
      if (line.kind === "del") continue;
      const text = line.text.replace(/\/\/.*$/, "");
      let path: string | undefined;
      if (/^\s*import\s*\(\s*$/.test(text)) {
        inBlock = true;
        continue;
      }
      if (inBlock && /^\s*\)\s*$/.test(text)) {
        inBlock = false;
        continue;
      }
      const single = /^\s*import\s+(?:[\w.]+\s+)?"([^"]+)"\s*$/.exec(text);
      const entry = /^\s*(?:[\w.]+\s+)?"([^"]+)"\s*$/.exec(text);
      if (single) path = single[1];
      else if (entry && (inBlock || /^[^/]+\.[^/]+\//.test(entry[1]!))) path = entry[1];
      if (line.kind === "add" && line.newLine !== undefined && path && /^[^/]+\.[^/]+/.test(path)) {
        hits.push({ name: path, line: line.newLine, text: line.text, typeOnly: false });
      }
    }
  }
  return hits;
}

function checkGo(file: DiffFile, manifests: Map<string, string>, addedGo: Set<string>): Finding[] {
  // Without go.mod we cannot tell the module's own packages from third-party ones: say nothing.
  const goModPath = ancestorDirs(file.path)
    .map((d) => inDir(d, "go.mod"))
    .find((p) => manifests.has(p));
  if (!goModPath) return [];
  const modules = new Set<string>(addedGo);
  for (const line of manifests.get(goModPath)!.split("\n")) for (const m of goRequirePaths(line)) modules.add(m);
  const findings: Finding[] = [];
  for (const hit of goImports(file)) {
    if ([...modules].some((m) => hit.name === m || hit.name.startsWith(`${m}/`))) continue;
    findings.push(
      depFinding(
        file.path,
        hit,
        CONFIDENCE_WITH_MANIFEST,
        `\`${goModPath}\` does not require a module that provides it`,
        `Run \`go get ${hit.name}\` (then \`go mod tidy\`) so go.mod and go.sum list it, or remove the import.`,
      ),
    );
  }
  return findings;
}

// ---------------------------------------------------------------- shared

function depFinding(path: string, hit: ImportHit, confidence: number, why: string, fix: string): Finding {
  return createFinding({
    ruleId: RULE,
    severity: "high",
    confidence: hit.conditional ? Math.min(confidence, CONFIDENCE_CONDITIONAL) : confidence,
    path,
    line: hit.line,
    title: `Undeclared dependency \`${hit.name}\``,
    message:
      `\`${hit.name}\` is imported here but ${why}. A fresh install (CI, production) will fail to resolve it` +
      (hit.conditional ? " when this branch or function runs (it is imported only there, so it may be optional by design)." : "."),
    suggestion: fix,
    trigger: hit.name,
  });
}
