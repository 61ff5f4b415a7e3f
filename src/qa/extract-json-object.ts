import type { z } from "zod";

/** Characters of each text searched (its end): an answer is at the end of a final message. */
const MAX_SCAN_CHARS = 200_000;

/**
 * An agent's structured answer: in each text, in the order given (its result text first, then its messages from
 * the last), the LAST top-level JSON object that has `key`, validated by `schema`. Fenced ```json blocks and prose
 * around the object are fine. Returns the first valid one, or why none was usable (the first three zod issues,
 * each with its path). Pure.
 */
export function extractJsonObject<T>(texts: readonly string[], key: string, schema: z.ZodType<T>): { value: T } | { problem: string } {
  let invalid: string | undefined;
  for (const text of texts) {
    if (typeof text !== "string" || !text.includes("{")) continue;
    const objects = topLevelJsonObjects(text.length > MAX_SCAN_CHARS ? text.slice(-MAX_SCAN_CHARS) : text);
    const candidate = [...objects].reverse().find((o) => typeof o === "object" && o !== null && !Array.isArray(o) && key in o);
    if (candidate === undefined) continue;
    const parsed = schema.safeParse(candidate);
    if (parsed.success) return { value: parsed.data };
    invalid ??= parsed.error.issues
      .slice(0, 3)
      .map((i) => `${i.path.length > 0 ? i.path.join(".") : "(root)"}: ${i.message}`)
      .join("; ");
  }
  if (invalid !== undefined) return { problem: `its ${key} JSON does not validate: ${invalid}` };
  return { problem: `its final message has no JSON object with a "${key}" key` };
}

/** Every top-level `{...}` in `text` that parses as JSON, in order (string-aware brace matching). */
function topLevelJsonObjects(text: string): unknown[] {
  const out: unknown[] = [];
  let from = 0;
  for (;;) {
    const start = text.indexOf("{", from);
    if (start < 0) return out;
    const end = matchingBrace(text, start);
    if (end < 0) {
      from = start + 1;
      continue;
    }
    try {
      out.push(JSON.parse(text.slice(start, end + 1)));
      from = end + 1;
    } catch {
      from = start + 1;
    }
  }
}

function matchingBrace(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === "\\") i++;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') inString = true;
    else if (ch === "{") depth++;
    else if (ch === "}") {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}
