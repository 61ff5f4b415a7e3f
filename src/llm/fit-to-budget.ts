/**
 * Budgets for text sent to a model. Pure.
 *
 * `fitToBudget` never cuts silently: text longer than `maxChars` keeps its head and its tail with `marker`
 * between them, and the result is at most `maxChars` long. In `marker`, `{cut}` is replaced by the number of
 * characters left out. Cuts snap to line ends when one is near, and never split a surrogate pair.
 */
export function fitToBudget(text: string, maxChars: number, marker: string, opts: { headRatio?: number } = {}): string {
  if (!Number.isFinite(maxChars) || maxChars < 0) throw new Error(`fitToBudget: maxChars must be a non-negative number, got ${String(maxChars)}`);
  const max = Math.floor(maxChars);
  if (text.length <= max) return text;
  const headRatio = opts.headRatio ?? 0.6;
  if (!(headRatio >= 0 && headRatio <= 1)) throw new Error(`fitToBudget: headRatio must be between 0 and 1, got ${String(headRatio)}`);

  // The marker's length depends on the number it shows; reserve room for the widest possible number.
  const widest = marker.replaceAll("{cut}", String(text.length));
  const available = max - widest.length - 2;
  if (available <= 0) return snapEnd(widest, Math.max(0, max));

  let headEnd = Math.floor(available * headRatio);
  let tailStart = text.length - (available - headEnd);
  headEnd = snapHeadToLine(text, headEnd);
  tailStart = snapTailToLine(text, tailStart);
  headEnd = safeBoundary(text, headEnd);
  tailStart = safeBoundary(text, tailStart);
  if (tailStart < headEnd) tailStart = headEnd;

  const shown = marker.replaceAll("{cut}", String(tailStart - headEnd));
  const head = text.slice(0, headEnd);
  const tail = text.slice(tailStart);
  const sepBefore = head.length === 0 || head.endsWith("\n") ? "" : "\n";
  const sepAfter = tail.length === 0 || tail.startsWith("\n") ? "" : "\n";
  return `${head}${sepBefore}${shown}${sepAfter}${tail}`;
}

/** About how many tokens `text` costs (~4 characters per token; code is denser, so keep a reserve). */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

const SNAP_WINDOW = 200;

/** Move the head's end back to just after a newline when one is near (never losing more than a fifth of the head). */
function snapHeadToLine(text: string, end: number): number {
  if (end <= 0) return end;
  const nl = text.lastIndexOf("\n", end - 1);
  return nl >= 0 && end - (nl + 1) <= Math.min(SNAP_WINDOW, end / 5) ? nl + 1 : end;
}

/** Move the tail's start forward to the beginning of a line when one is near (never losing more than a fifth of the tail). */
function snapTailToLine(text: string, start: number): number {
  if (start <= 0 || start >= text.length || text[start - 1] === "\n") return start;
  const nl = text.indexOf("\n", start);
  return nl >= 0 && nl + 1 - start <= Math.min(SNAP_WINDOW, (text.length - start) / 5) && nl + 1 < text.length ? nl + 1 : start;
}

/** An index that does not fall between the halves of a surrogate pair. */
function safeBoundary(text: string, index: number): number {
  if (index <= 0 || index >= text.length) return index;
  const code = text.charCodeAt(index);
  return code >= 0xdc00 && code <= 0xdfff ? index - 1 : index;
}

function snapEnd(text: string, max: number): string {
  return text.slice(0, safeBoundary(text, max));
}
