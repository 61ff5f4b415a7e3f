/**
 * Parser for `git diff` unified output (also plain `diff -u` output without `diff --git` headers).
 * Pure and total: malformed or unknown lines are skipped, it never throws.
 *
 * Line numbers are 1-based. `newLine` is the line in the new version (the PR head), `oldLine`
 * in the old one. Deleted lines have only `oldLine`, added lines only `newLine`, context both.
 */

export type DiffStatus = "added" | "modified" | "deleted" | "renamed";

export interface DiffLine {
  kind: "add" | "del" | "context";
  text: string;
  oldLine?: number;
  newLine?: number;
  /** Set when git printed "\ No newline at end of file" right after this line. */
  noNewlineAtEnd?: boolean;
}

export interface Hunk {
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  /** The whole `@@ -a,b +c,d @@ section` line. */
  header: string;
  lines: DiffLine[];
}

export interface DiffFile {
  /** New path; the old path for deletions. */
  path: string;
  /** Old path, set for renames (and copies, reported as "added"). */
  oldPath?: string;
  status: DiffStatus;
  binary: boolean;
  hunks: Hunk[];
  /** File modes from `old mode`/`new mode`/`new file mode`/`deleted file mode`, when git printed them. */
  oldMode?: string;
  newMode?: string;
}

/** A DiffLine known to be an added line (it always has `newLine`). */
export type AddedLine = DiffLine & { kind: "add"; newLine: number };

const HUNK_HEADER = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@(.*)$/;
const DEV_NULL = "/dev/null";
/** Prefix pairs git may print (`a/ b/` by default, `diff.mnemonicPrefix` gives i/ w/ c/ o/). */
const OLD_PREFIXES = ["a/", "c/", "i/", "o/", "w/"];
const NEW_PREFIXES = ["b/", "w/", "i/", "o/", "c/"];

interface FileState {
  file: DiffFile;
  /** Paths from the `diff --git` line (without prefixes); may be refined by later headers. */
  gitOld?: string;
  gitNew?: string;
  oldSide?: string;
  newSide?: string;
  added: boolean;
  deleted: boolean;
  renamed: boolean;
  copied: boolean;
  /** Whether the `diff --git` prefixes were present, so `---`/`+++` paths are stripped the same way. */
  stripPrefix: boolean;
}

/** Parse unified diff text into files. Never throws; returns [] for empty or unrecognized input. */
export function parseDiff(text: string): DiffFile[] {
  if (typeof text !== "string" || text.length === 0) return [];
  const states: FileState[] = [];
  let current: FileState | undefined;
  let hunk: Hunk | undefined;
  let oldRemaining = 0;
  let newRemaining = 0;
  let oldNo = 0;
  let newNo = 0;
  let inBinaryPatch = false;

  const startFile = (init: Partial<FileState>): FileState => {
    const state: FileState = {
      file: { path: "", status: "modified", binary: false, hunks: [] },
      added: false,
      deleted: false,
      renamed: false,
      copied: false,
      stripPrefix: true,
      ...init,
    };
    states.push(state);
    return state;
  };

  // Lines are read in place (indexOf, not split): a hunk body line becomes one slice of the text.
  const length = text.length;
  let pos = 0;
  while (pos <= length) {
    const newline = text.indexOf("\n", pos);
    const isLast = newline < 0;
    const end = isLast ? length : newline;
    const next = end + 1;
    // Drop one trailing carriage return (CRLF diffs).
    const lineEnd = end > pos && text.charCodeAt(end - 1) === 13 ? end - 1 : end;

    // Inside a hunk body: count lines by the header's line counts, so content such as "--- x" stays content.
    if (hunk && (oldRemaining > 0 || newRemaining > 0)) {
      const tag = lineEnd > pos ? text.charCodeAt(pos) : -1;
      if (tag === 32 /* " " */ || (tag === -1 && !isLast)) {
        hunk.lines.push({ kind: "context", text: tag === 32 ? text.slice(pos + 1, lineEnd) : "", oldLine: oldNo++, newLine: newNo++ });
        oldRemaining--;
        newRemaining--;
        pos = next;
        continue;
      }
      if (tag === 45 /* "-" */ && oldRemaining > 0) {
        hunk.lines.push({ kind: "del", text: text.slice(pos + 1, lineEnd), oldLine: oldNo++ });
        oldRemaining--;
        pos = next;
        continue;
      }
      if (tag === 43 /* "+" */ && newRemaining > 0) {
        hunk.lines.push({ kind: "add", text: text.slice(pos + 1, lineEnd), newLine: newNo++ });
        newRemaining--;
        pos = next;
        continue;
      }
      if (tag === 92 /* "\\" */) {
        markNoNewline(hunk);
        pos = next;
        continue;
      }
      // The counts were wrong (truncated or hand-edited diff): close the hunk and treat the line as a header.
      oldRemaining = 0;
      newRemaining = 0;
    }
    const line = text.slice(pos, lineEnd);
    pos = next;

    if (line.startsWith("\\")) {
      if (hunk) markNoNewline(hunk);
      continue;
    }

    if (line.startsWith("diff --git ")) {
      hunk = undefined;
      inBinaryPatch = false;
      const paths = splitGitHeaderPaths(line.slice("diff --git ".length));
      const stripped = paths ? stripPrefixes(paths[0], paths[1]) : undefined;
      current = startFile({
        gitOld: stripped?.[0],
        gitNew: stripped?.[1],
        stripPrefix: stripped?.[2] ?? true,
      });
      continue;
    }

    if (inBinaryPatch) continue;

    const hunkMatch = HUNK_HEADER.exec(line);
    if (hunkMatch) {
      if (!current) current = startFile({ stripPrefix: false });
      const oldStart = Number(hunkMatch[1]);
      const oldLines = hunkMatch[2] === undefined ? 1 : Number(hunkMatch[2]);
      const newStart = Number(hunkMatch[3]);
      const newLines = hunkMatch[4] === undefined ? 1 : Number(hunkMatch[4]);
      hunk = { oldStart, oldLines, newStart, newLines, header: line, lines: [] };
      current.file.hunks.push(hunk);
      oldRemaining = oldLines;
      newRemaining = newLines;
      // For an empty side git prints start 0 (e.g. "-0,0"); the first real line would be 1.
      oldNo = oldLines === 0 ? oldStart + 1 : oldStart;
      newNo = newLines === 0 ? newStart + 1 : newStart;
      continue;
    }

    const following = line.startsWith("--- ") && !isLast ? lineAt(text, pos) : undefined;
    if (following !== undefined && following.line.startsWith("+++ ")) {
      // A plain unified diff has no "diff --git" line: a ---/+++ pair after hunks starts a new file.
      const oldRaw = sidePath(line.slice(4));
      const newRaw = sidePath(following.line.slice(4));
      if (!current || current.file.hunks.length > 0 || current.oldSide !== undefined) {
        const prefixed =
          (oldRaw === DEV_NULL || oldRaw.startsWith("a/")) && (newRaw === DEV_NULL || newRaw.startsWith("b/"));
        current = startFile({ stripPrefix: prefixed && !(oldRaw === DEV_NULL && newRaw === DEV_NULL) });
        hunk = undefined;
      }
      current.oldSide = stripSide(oldRaw, current.stripPrefix, "old");
      current.newSide = stripSide(newRaw, current.stripPrefix, "new");
      pos = following.next;
      continue;
    }

    if (!current) continue;
    hunk = undefined;

    if (line.startsWith("new file mode ")) {
      current.added = true;
      current.file.newMode = line.slice("new file mode ".length).trim();
    } else if (line.startsWith("deleted file mode ")) {
      current.deleted = true;
      current.file.oldMode = line.slice("deleted file mode ".length).trim();
    } else if (line.startsWith("old mode ")) {
      current.file.oldMode = line.slice("old mode ".length).trim();
    } else if (line.startsWith("new mode ")) {
      current.file.newMode = line.slice("new mode ".length).trim();
    } else if (line.startsWith("rename from ")) {
      current.renamed = true;
      current.gitOld = unquote(line.slice("rename from ".length));
    } else if (line.startsWith("rename to ")) {
      current.renamed = true;
      current.gitNew = unquote(line.slice("rename to ".length));
    } else if (line.startsWith("copy from ")) {
      current.copied = true;
      current.gitOld = unquote(line.slice("copy from ".length));
    } else if (line.startsWith("copy to ")) {
      current.copied = true;
      current.gitNew = unquote(line.slice("copy to ".length));
    } else if (line === "GIT binary patch") {
      current.file.binary = true;
      inBinaryPatch = true;
    } else if (line.startsWith("Binary files ") && line.endsWith(" differ")) {
      current.file.binary = true;
      const sides = splitBinaryLine(line.slice("Binary files ".length, -" differ".length));
      if (sides) {
        current.oldSide ??= stripSide(sidePath(sides[0]), current.stripPrefix, "old");
        current.newSide ??= stripSide(sidePath(sides[1]), current.stripPrefix, "new");
      }
    }
    // Anything else ("index ...", "similarity index ...", junk) carries nothing we need.
  }

  const files: DiffFile[] = [];
  for (const state of states) {
    const file = finish(state);
    if (file) files.push(file);
  }
  return files;
}

/** The line that starts at `pos` (without its line break or a trailing carriage return), and where the next one starts. */
function lineAt(text: string, pos: number): { line: string; next: number } {
  const newline = text.indexOf("\n", pos);
  const end = newline < 0 ? text.length : newline;
  const lineEnd = end > pos && text.charCodeAt(end - 1) === 13 ? end - 1 : end;
  return { line: text.slice(pos, lineEnd), next: end + 1 };
}

function markNoNewline(hunk: Hunk): void {
  const last = hunk.lines.at(-1);
  if (last) last.noNewlineAtEnd = true;
}

function finish(state: FileState): DiffFile | undefined {
  const { file } = state;
  const oldPath = state.oldSide ?? state.gitOld;
  const newPath = state.newSide ?? state.gitNew;
  const added = state.added || (state.oldSide === DEV_NULL && state.newSide !== DEV_NULL);
  const deleted = state.deleted || (state.newSide === DEV_NULL && state.oldSide !== DEV_NULL);
  // Prefer the rename/copy headers (exact) over ---/+++ (which git omits for pure renames).
  const from = state.renamed || state.copied ? (state.gitOld ?? oldPath) : oldPath;
  const to = state.renamed || state.copied ? (state.gitNew ?? newPath) : newPath;

  if (deleted) {
    const path = from !== undefined && from !== DEV_NULL ? from : to;
    if (!path || path === DEV_NULL) return undefined;
    file.status = "deleted";
    file.path = path;
    return file;
  }
  const path = to !== undefined && to !== DEV_NULL ? to : from;
  if (!path || path === DEV_NULL) return undefined;
  file.path = path;
  if (added) {
    file.status = "added";
  } else if (state.copied) {
    file.status = "added";
    if (from && from !== DEV_NULL && from !== path) file.oldPath = from;
  } else if (state.renamed || (from !== undefined && from !== DEV_NULL && from !== path)) {
    file.status = "renamed";
    if (from && from !== DEV_NULL) file.oldPath = from;
  } else {
    file.status = "modified";
  }
  return file;
}

/** Path from a `---`/`+++`/Binary line: unquote and drop git's trailing TAB (printed after paths with spaces). */
function sidePath(raw: string): string {
  let value = raw;
  if (!value.startsWith('"')) {
    const tab = value.indexOf("\t");
    if (tab >= 0) value = value.slice(0, tab);
  }
  return unquote(value.trimEnd());
}

/** Drop the a/ or b/ (or mnemonic) prefix when the diff uses prefixes. */
function stripSide(path: string, stripPrefix: boolean, side: "old" | "new"): string {
  if (path === DEV_NULL || !stripPrefix) return path;
  const prefixes = side === "old" ? OLD_PREFIXES : NEW_PREFIXES;
  return prefixes.some((p) => path.startsWith(p)) ? path.slice(2) : path;
}

function stripPrefixes(oldRaw: string, newRaw: string): [string, string, boolean] {
  const oldOk = OLD_PREFIXES.some((p) => oldRaw.startsWith(p));
  const newOk = NEW_PREFIXES.some((p) => newRaw.startsWith(p));
  if (oldOk && newOk) return [oldRaw.slice(2), newRaw.slice(2), true];
  return [oldRaw, newRaw, false];
}

/**
 * Split the two paths of a `diff --git` line. Quoted paths are exact; for unquoted paths with spaces
 * the line is ambiguous, so equal halves are preferred (git prints the same path twice unless renamed),
 * then the last " b/" separator. Rename/---/+++ headers later override the guess.
 */
function splitGitHeaderPaths(rest: string): [string, string] | undefined {
  if (rest.startsWith('"')) {
    const first = readQuoted(rest, 0);
    if (!first) return undefined;
    const second = rest.slice(first.end).replace(/^ /, "");
    return [first.value, unquote(second)];
  }
  if (rest.endsWith('"')) {
    for (let at = rest.indexOf(' "'); at >= 0; at = rest.indexOf(' "', at + 1)) {
      const quoted = readQuoted(rest, at + 1);
      if (quoted && quoted.end === rest.length) return [rest.slice(0, at), quoted.value];
    }
  }
  if ((rest.length - 1) % 2 === 0) {
    const half = (rest.length - 1) / 2;
    const a = rest.slice(0, half);
    const b = rest.slice(half + 1);
    if (rest[half] === " " && a.slice(2) === b.slice(2)) return [a, b];
  }
  for (const prefix of NEW_PREFIXES) {
    const at = rest.lastIndexOf(` ${prefix}`);
    if (at > 0) return [rest.slice(0, at), rest.slice(at + 1)];
  }
  const space = rest.indexOf(" ");
  return space > 0 ? [rest.slice(0, space), rest.slice(space + 1)] : undefined;
}

/** Split "<old> and <new>" of a "Binary files ... differ" line. */
function splitBinaryLine(rest: string): [string, string] | undefined {
  if (rest.startsWith('"')) {
    const first = readQuoted(rest, 0);
    if (first && rest.startsWith(" and ", first.end)) return [rest.slice(0, first.end), rest.slice(first.end + 5)];
  }
  const candidates: number[] = [];
  for (let at = rest.indexOf(" and "); at >= 0; at = rest.indexOf(" and ", at + 1)) candidates.push(at);
  if (candidates.length === 0) return undefined;
  // Prefer a split whose right side looks like a path git would print.
  const good = candidates.find((at) => {
    const right = rest.slice(at + 5);
    return right === DEV_NULL || right.startsWith('"') || NEW_PREFIXES.some((p) => right.startsWith(p));
  });
  const at = good ?? candidates[0]!;
  return [rest.slice(0, at), rest.slice(at + 5)];
}

/** Decode git's C-style quoted path ("a\303\251 \"b\"") into a string; unquoted input is returned as is. */
export function unquote(value: string): string {
  if (!value.startsWith('"')) return value;
  const quoted = readQuoted(value, 0);
  return quoted ? quoted.value : value;
}

const SIMPLE_ESCAPES: Record<string, number> = {
  a: 7,
  b: 8,
  t: 9,
  n: 10,
  v: 11,
  f: 12,
  r: 13,
  '"': 34,
  "\\": 92,
};

function readQuoted(text: string, start: number): { value: string; end: number } | undefined {
  if (text[start] !== '"') return undefined;
  const bytes: number[] = [];
  let i = start + 1;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '"') return { value: Buffer.from(bytes).toString("utf8"), end: i + 1 };
    if (ch === "\\") {
      const next = text[i + 1];
      if (next === undefined) return undefined;
      const simple = SIMPLE_ESCAPES[next];
      if (simple !== undefined) {
        bytes.push(simple);
        i += 2;
        continue;
      }
      const octal = /^[0-7]{3}/.exec(text.slice(i + 1, i + 4));
      if (octal) {
        bytes.push(parseInt(octal[0], 8) & 0xff);
        i += 4;
        continue;
      }
      bytes.push(...Buffer.from(next, "utf8"));
      i += 2;
      continue;
    }
    const codePoint = text.codePointAt(i)!;
    const char = String.fromCodePoint(codePoint);
    bytes.push(...Buffer.from(char, "utf8"));
    i += char.length;
  }
  return undefined;
}

/** The added lines of a file, in order. */
export function addedLines(file: DiffFile): AddedLine[] {
  const out: AddedLine[] = [];
  for (const hunk of file.hunks) {
    for (const line of hunk.lines) {
      if (line.kind === "add" && line.newLine !== undefined) out.push(line as AddedLine);
    }
  }
  return out;
}

/** The hunk of `file` that shows new-version line `line` (as an added or context line), if any. */
export function findHunkForLine(file: DiffFile, line: number): Hunk | undefined {
  if (file.status === "deleted") return undefined;
  return file.hunks.find((h) => h.lines.some((l) => l.kind !== "del" && l.newLine === line));
}

/**
 * Whether a RIGHT-side (new version) line of `path` can carry an inline review comment:
 * it must be an added or context line inside one of the file's hunks.
 */
export function isLineInHunks(files: DiffFile[], path: string, line: number): boolean {
  return files.some((f) => f.path === path && findHunkForLine(f, line) !== undefined);
}
