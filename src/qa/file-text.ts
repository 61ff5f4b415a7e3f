import { addedLines, type AddedLine, type DiffFile, type DiffLine, type Hunk } from "./parse-diff.ts";

/**
 * A file's added lines and their text joined by "\n", computed once per parsed file and shared by every analyzer
 * of a run: the prefilters look for a family's keywords (or one combined pattern) in the joined text with one native
 * scan, and only lines (or files) that hold one are checked line by line.
 */
export interface AddedText {
  /** The added lines, in order (do not modify). */
  lines: readonly AddedLine[];
  /** Their texts joined by "\n". */
  text: string;
  /** Where each line starts in `text`. */
  starts: readonly number[];
}

const ADDED = new WeakMap<DiffFile, { hunks: Hunk[]; view: AddedText }>();
const DELETED = new WeakMap<DiffFile, { hunks: Hunk[]; view: LineText }>();

/** The added lines of `file` and their joined text (cached per file object while its hunks are unchanged). */
export function addedText(file: DiffFile): AddedText {
  const cached = ADDED.get(file);
  if (cached !== undefined && cached.hunks === file.hunks) return cached.view;
  const view = join(addedLines(file));
  ADDED.set(file, { hunks: file.hunks, view });
  return view;
}

/** Like AddedText, for the deleted lines. */
export interface LineText {
  lines: readonly DiffLine[];
  text: string;
  starts: readonly number[];
}

/** The deleted lines of `file` and their joined text (cached like addedText). */
export function deletedText(file: DiffFile): LineText {
  const cached = DELETED.get(file);
  if (cached !== undefined && cached.hunks === file.hunks) return cached.view;
  const view = join(file.hunks.flatMap((h) => h.lines.filter((l) => l.kind === "del")));
  DELETED.set(file, { hunks: file.hunks, view });
  return view;
}

function join<L extends DiffLine>(lines: L[]): { lines: L[]; text: string; starts: number[] } {
  const starts: number[] = [];
  let offset = 0;
  for (const l of lines) {
    starts.push(offset);
    offset += l.text.length + 1;
  }
  return { lines, text: lines.map((l) => l.text).join("\n"), starts };
}

/** linesMatching as one flag per line of `view` (1: the line may match). */
export function lineFlags(view: { text: string; starts: readonly number[] }, regex: RegExp): Uint8Array {
  const flags = new Uint8Array(view.starts.length);
  for (const i of linesMatching(view, regex)) flags[i] = 1;
  return flags;
}

/** The lines of `view` on which `regex` finds a match (see linesMatching), as a set of line objects. */
export function lineSetMatching(view: { lines: readonly DiffLine[]; text: string; starts: readonly number[] }, regex: RegExp): Set<DiffLine> {
  return new Set<DiffLine>(linesMatching(view, regex).map((i) => view.lines[i]!));
}

/**
 * The indexes (into `view.lines`) of the added lines on which `regex` finds a match, from one scan of the joined
 * text that restarts at the next line after each hit. `regex` must have the g and m flags, and must treat a line
 * break as it treats the start or end of a text (^ and $ under m, \b, lookarounds on classes without "\n"): then
 * every line it matches alone is in the answer (a match that crosses a line break only adds lines, which the
 * caller checks line by line anyway).
 */
export function linesMatching(view: { text: string; starts: readonly number[] }, regex: RegExp): number[] {
  if (!regex.global || !regex.multiline) throw new Error(`linesMatching: ${regex} needs the g and m flags`);
  const out: number[] = [];
  if (view.starts.length === 0) return out;
  regex.lastIndex = 0;
  for (let m = regex.exec(view.text); m !== null; m = regex.exec(view.text)) {
    const line = lineIndexAt(view.starts, m.index);
    out.push(line);
    if (line + 1 >= view.starts.length) break;
    regex.lastIndex = view.starts[line + 1]!;
  }
  return out;
}

/** The index of the line that holds text offset `index` (binary search over the line starts). */
export function lineIndexAt(starts: readonly number[], index: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= index) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * `regex` with the g and m flags added, for linesMatching. Throws when a negative lookaround in it could match a
 * line break (`\s`, `\W`, `\D`, or a negated class that does not leave out `\s` or `\n`): at a line's end such a
 * lookaround sees the break in the joined text but nothing in the line alone, so a line could be missed.
 */
export function forLines(regex: RegExp): RegExp {
  const unsafe = unsafeLookaround(regex.source);
  if (unsafe !== undefined) throw new Error(`forLines: ${regex} has a negative lookaround that can match a line break (${unsafe}); test it line by line`);
  const flags = new Set([...regex.flags, "g", "m"]);
  flags.delete("y");
  return new RegExp(regex.source, [...flags].join(""));
}

/** A pattern for linesMatching that finds any of `words` (literal text, case-sensitive). */
export function wordsPattern(words: readonly string[]): RegExp {
  return new RegExp(words.map((w) => w.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")).join("|"), "gm");
}

/** The first negative lookaround of a regex source that can match a line break, if any. */
function unsafeLookaround(source: string): string | undefined {
  for (let at = source.indexOf("(?"); at >= 0; at = source.indexOf("(?", at + 2)) {
    if (at > 0 && source[at - 1] === "\\") continue;
    const head = source.startsWith("(?!", at) ? 3 : source.startsWith("(?<!", at) ? 4 : 0;
    if (head === 0) continue;
    // The lookaround's body, up to its closing parenthesis (escapes and classes skipped).
    let depth = 1;
    let i = at + head;
    let inClass = false;
    for (; i < source.length && depth > 0; i++) {
      const c = source[i];
      if (c === "\\") i++;
      else if (inClass) inClass = c !== "]";
      else if (c === "[") inClass = true;
      else if (c === "(") depth++;
      else if (c === ")") depth--;
    }
    const body = source.slice(at + head, i - 1);
    const negatedClass = /\[\^((?:\\.|[^\]\\])*)\]/g;
    // A negated class matches a line break unless it leaves out \s or \n; elsewhere \s, \W and \D match one.
    for (const negated of body.matchAll(negatedClass)) {
      if (!/\\s|\\n/.test(negated[1]!)) return source.slice(at, i);
    }
    if (/\\[sWD]/.test(body.replace(negatedClass, ""))) return source.slice(at, i);
  }
  return undefined;
}
