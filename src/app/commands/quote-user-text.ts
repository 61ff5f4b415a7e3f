import { sanitizeUserText } from "../sanitize-user-text.ts";

/** Longest piece of a user's text a reply repeats. */
export const MAX_QUOTED_CHARS = 500;

/**
 * A user's text made safe to repeat in one of Moderator's comments: hidden markup and invisible characters
 * removed (so no `<!-- moderator:... -->` marker can be smuggled into a bot comment), whitespace collapsed to
 * one line, backticks turned into quotes, cut at `max` characters, and @-mentions put in code spans so
 * repeating them pings nobody. With `inCode` the result is meant for the inside of a code span, where
 * mentions are inert: they are left as they are. Returns "" for nothing left. Pure.
 */
export function quoteUserText(text: string, opts: { max?: number; inCode?: boolean } = {}): string {
  if (typeof text !== "string") return "";
  const max = opts.max ?? MAX_QUOTED_CHARS;
  const line = sanitizeUserText(text).replace(/\s+/g, " ").trim().replace(/`/g, "'");
  const cut = line.length <= max ? line : `${line.slice(0, Math.max(0, max - 1)).trimEnd()}…`;
  if (opts.inCode) return cut;
  return cut.replace(/(^|[^\w])@([A-Za-z0-9][A-Za-z0-9-]*(?:\/[A-Za-z0-9_.-]+)?)/g, "$1`@$2`");
}
