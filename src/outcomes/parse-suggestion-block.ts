const OPENING = /^\s{0,3}(`{3,}|~{3,})\s*suggestion\s*$/;

/**
 * The replacement text of the first ```suggestion block of a review comment (what GitHub's "Commit suggestion"
 * writes over the commented lines): "" for a block that deletes the lines, undefined when the comment has no
 * complete block (no opening fence, or one that is never closed). The closing fence is a line of the same
 * character, at least as long as the opening one (as `buildReview` writes it: longer than any run inside). Pure.
 */
export function parseSuggestionBlock(body: string): string | undefined {
  if (typeof body !== "string") return undefined;
  const lines = body.replace(/\r\n?/g, "\n").split("\n");
  for (let i = 0; i < lines.length; i += 1) {
    const open = OPENING.exec(lines[i] as string);
    if (!open) continue;
    const fence = open[1] as string;
    const closing = new RegExp(`^\\s{0,3}${fence[0] === "`" ? "`" : "~"}{${fence.length},}\\s*$`);
    for (let j = i + 1; j < lines.length; j += 1) {
      if (closing.test(lines[j] as string)) return lines.slice(i + 1, j).join("\n");
    }
    return undefined;
  }
  return undefined;
}
