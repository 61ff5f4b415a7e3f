import { addedText } from "./file-text.ts";
import type { DiffFile, Hunk } from "./parse-diff.ts";

/** Names of minified files: `app.min.js`, `style.min.css`. */
const MINIFIED_NAME = /\.min\.(?:js|mjs|cjs|css)$/i;
/** Extensions whose content can be minified (data files on one line are not "minified code"). */
const CODE_EXT = /\.(?:js|mjs|cjs|css)$/i;
/** A line at least this long counts as a long line. */
const LONG_LINE = 500;
/** At least this many characters of added code before the content is judged. */
const MIN_CHARS = 1000;

export interface MinifiedVerdict {
  minified: boolean;
  /** Why: the name, or the share of long lines and their whitespace ratio. */
  reason?: string;
  /** The first added line (where a finding points). */
  firstLine?: number;
}

/**
 * Whether an added or changed file's new content is minified: a `.min.*` name, or (for JS/CSS) most of its
 * added characters in long lines (>= 500 characters) that hold almost no whitespace (< 10 %). Readable code
 * with a few long comment lines has a small share of long lines; minified code is nearly all long lines.
 * One pass over the added lines.
 */
export function detectMinified(file: DiffFile): MinifiedVerdict {
  // Several analyzers ask about the same file: the verdict is kept per file object while its hunks are unchanged.
  const cached = VERDICTS.get(file);
  if (cached !== undefined && cached.hunks === file.hunks) return cached.verdict;
  const verdict = judge(file);
  VERDICTS.set(file, { hunks: file.hunks, verdict });
  return verdict;
}

const VERDICTS = new WeakMap<DiffFile, { hunks: Hunk[]; verdict: MinifiedVerdict }>();

function judge(file: DiffFile): MinifiedVerdict {
  if (file.binary || file.status === "deleted") return { minified: false };
  const lines = addedText(file).lines;
  const first = lines.find((l) => l.text.trim().length > 0);
  if (!first) return { minified: false };
  if (MINIFIED_NAME.test(file.path)) return { minified: true, reason: "its name ends in .min", firstLine: first.newLine };
  if (!CODE_EXT.test(file.path)) return { minified: false };
  let chars = 0;
  let longChars = 0;
  let longest = 0;
  for (const l of lines) {
    const n = l.text.length;
    chars += n;
    if (n > longest) longest = n;
    // A long line counts by its code: one long string literal (fixture data, a canned response) is not minified code.
    if (n >= LONG_LINE) longChars += codeLength(l.text);
  }
  if (chars < MIN_CHARS || longChars / chars < 0.5) return { minified: false };
  longChars = 0;
  // Only files that are mostly long lines get their whitespace counted.
  let longSpaces = 0;
  for (const l of lines) {
    if (l.text.length < LONG_LINE) continue;
    longChars += l.text.length;
    for (let i = 0; i < l.text.length; i++) {
      const c = l.text.charCodeAt(i);
      if (c === 32 || c === 9) longSpaces++;
    }
  }
  const spaces = longSpaces / longChars;
  if (spaces >= 0.1) return { minified: false };
  return {
    minified: true,
    reason: `${Math.round((longChars / chars) * 100)} % of its added text is in lines of ${LONG_LINE}+ characters (longest ${longest}) with ${(spaces * 100).toFixed(1)} % whitespace`,
    firstLine: first.newLine,
  };
}

/** Characters of a line outside string literals ('…', "…", `…`; the quotes count as code). */
function codeLength(text: string): number {
  let inside = 0;
  let quote = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (quote !== 0) {
      if (c === 92) {
        inside += 2;
        i++;
      } else if (c === quote) quote = 0;
      else inside++;
    } else if (c === 39 || c === 34 || c === 96) quote = c;
  }
  return text.length - inside;
}
