import type { ReviewComment } from "./code-host.ts";

/** GitHub refuses issue, pull request and review bodies longer than this many characters. */
export const MAX_BODY_LENGTH = 65_536;

const HEADING = "### Could not be placed inline";
const INTRO = "These comments refer to lines outside the diff of this pull request, so GitHub could not attach them to a line.";

function describeLocation(c: ReviewComment): string {
  const range =
    c.startLine !== undefined && c.startLine < c.line ? `lines ${c.startLine}-${c.line}` : `line ${c.line}`;
  return `**\`${c.path}\` ${range}**`;
}

/**
 * The review body with the comments that could not be placed inline appended as their own section,
 * each headed by its file and line. The result never exceeds `maxLength`: comments that do not fit
 * are counted in a closing line instead of being cut in the middle.
 */
export function appendUnplacedComments(
  body: string,
  unplaced: readonly ReviewComment[],
  maxLength: number = MAX_BODY_LENGTH,
): string {
  const base = body.trimEnd();
  if (unplaced.length === 0) return base.length <= maxLength ? base : `${base.slice(0, maxLength - 1)}…`;

  const header = `${base === "" ? "" : `${base}\n\n`}${HEADING}\n\n${INTRO}`;
  // Room for the "N more" line, so it always fits once the header does.
  const reserve = 80;
  if (header.length + reserve > maxLength) {
    const note = `\n\n${HEADING}\n\n${unplaced.length} comment(s) could not be placed inline and did not fit in this review.`;
    return `${base.slice(0, Math.max(0, maxLength - note.length - 1))}…${note}`;
  }

  let out = header;
  let shown = 0;
  for (const c of unplaced) {
    const entry = `\n\n${describeLocation(c)}\n\n${c.body.trim()}`;
    if (out.length + entry.length + reserve > maxLength) break;
    out += entry;
    shown += 1;
  }
  const rest = unplaced.length - shown;
  if (rest > 0) out += `\n\n_${rest} more comment(s) did not fit in this review._`;
  return out;
}
