/**
 * Issue and comment text is data, not instructions: remove what a reader cannot see but a model would.
 * HTML comments, hidden elements, invisible and bidi-control characters, and markdown image alt/title tricks.
 */
const INVISIBLE = /[\u00AD\u034F\u061C\u115F\u1160\u17B4\u17B5\u180B-\u180F\u200B-\u200F\u202A-\u202E\u2060-\u206F\u3164\uFE00-\uFE0F\uFEFF\uFFA0\uFFF0-\uFFFB]|\uDB40[\uDC00-\uDDEF]/g;

export function sanitizeUserText(text: string): string {
  return text
    .replace(/<!--[\s\S]*?(-->|$)/g, "")
    .replace(/<(details|summary)\b[^>]*>/gi, "")
    .replace(/<\/(details|summary)>/gi, "")
    .replace(/<([a-z][a-z0-9]*)\b[^>]*\b(hidden|style\s*=\s*["'][^"']*display\s*:\s*none)[^>]*>[\s\S]*?<\/\1>/gi, "")
    .replace(/!\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g, "![image]($1)")
    .replace(INVISIBLE, "")
    .replace(/\r\n?/g, "\n")
    .trim();
}
