/**
 * Issue and comment text is data, not instructions: remove what a reader cannot see but a model would.
 * HTML comments, hidden elements, invisible and bidi-control characters, control characters, hidden
 * HTML attributes (alt, title, aria-*, data-*, placeholder), markdown image alt text and link titles,
 * and numeric character references (decoded, then filtered like the rest, so `&#x200B;` cannot smuggle
 * an invisible character back in).
 */
const INVISIBLE = /[\u00AD\u034F\u061C\u115F\u1160\u17B4\u17B5\u180B-\u180F\u200B-\u200F\u202A-\u202E\u2060-\u206F\u3164\uFE00-\uFE0F\uFEFF\uFFA0\uFFF0-\uFFFB]|\uDB40[\uDC00-\uDDEF]/g;
/** C0 and C1 control characters except tab and newline (line endings are normalized first). */
const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g;
/** Attributes GitHub renders invisibly (or only on hover) that a model would still read. */
const HIDDEN_ATTRIBUTE = /\s(?:alt|title|aria-[a-z-]+|data-[a-z0-9_.:-]+|placeholder)\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+)/gi;

function decodeNumericReference(_match: string, hex: string | undefined, dec: string | undefined): string {
  const code = hex !== undefined ? parseInt(hex, 16) : parseInt(dec ?? "", 10);
  // Decoded to what the reader sees; invisible and control characters spelled this way are then
  // removed with the others. Surrogates and out-of-range values are dropped.
  if (!Number.isInteger(code) || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return "";
  return String.fromCodePoint(code);
}

export function sanitizeUserText(text: string): string {
  return (
    text
      .replace(/\r\n?/g, "\n")
      .replace(/<!--[\s\S]*?(-->|$)/g, "")
      .replace(/&#(?:x([0-9a-f]{1,6})|([0-9]{1,7}));?/gi, decodeNumericReference)
      // A reference may have spelled out a comment: strip again after decoding.
      .replace(/<!--[\s\S]*?(-->|$)/g, "")
      .replace(/<(details|summary)\b[^>]*>/gi, "")
      .replace(/<\/(details|summary)>/gi, "")
      .replace(/<([a-z][a-z0-9]*)\b[^>]*\b(hidden|style\s*=\s*["'][^"']*(?:display\s*:\s*none|visibility\s*:\s*hidden)[^"']*["'])[^>]*>[\s\S]*?<\/\1>/gi, "")
      .replace(/<[a-z][a-z0-9]*\b[^>]*>/gi, (tag) => tag.replace(HIDDEN_ATTRIBUTE, ""))
      .replace(/!\[[^\]]*\]\(([^)\s]+)(?:\s+(?:"[^"]*"|'[^']*'|\([^)]*\)))?\)/g, "![image]($1)")
      .replace(/(?<!!)\[([^\]]*)\]\(([^)\s]+)\s+(?:"[^"]*"|'[^']*'|\([^)]*\))\)/g, "[$1]($2)")
      .replace(INVISIBLE, "")
      .replace(CONTROL, "")
      .trim()
  );
}
