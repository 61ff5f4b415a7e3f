/** Small pure helpers the CLI stream parsers share. */

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The JSON object on this line, or undefined for plain text, malformed JSON, arrays and scalars. Never throws. */
export function parseJsonObject(line: string): Record<string, unknown> | undefined {
  const text = line.trim();
  if (!text.startsWith("{") || !text.endsWith("}")) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return isRecord(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** A finite number >= 0, else undefined. */
export function count(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : undefined;
}

export function text(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** The sum of the counts that are present; undefined when none is. */
export function sumCounts(...values: unknown[]): number | undefined {
  const present = values.map(count).filter((v): v is number => v !== undefined);
  return present.length === 0 ? undefined : present.reduce((a, b) => a + b, 0);
}

const MAX_STRING = 2000;
const MAX_DEPTH = 6;
const MAX_ITEMS = 100;

/**
 * A copy of a tool's input small enough for an event row: strings over 2000 characters are cut (with
 * a marker saying how much), arrays keep 100 items, nesting stops at depth 6.
 */
export function compactValue(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return value.length > MAX_STRING ? `${value.slice(0, MAX_STRING)}… [${value.length - MAX_STRING} more chars]` : value;
  if (value === null || typeof value !== "object") return value;
  if (depth >= MAX_DEPTH) return "[nested too deep]";
  if (Array.isArray(value)) {
    const items = value.slice(0, MAX_ITEMS).map((v) => compactValue(v, depth + 1));
    if (value.length > MAX_ITEMS) items.push(`[${value.length - MAX_ITEMS} more items]`);
    return items;
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = compactValue(v, depth + 1);
  return out;
}

/** Text cut to `max` characters with a marker. */
export function cut(value: string, max = MAX_STRING): string {
  return value.length > max ? `${value.slice(0, max)}… [${value.length - max} more chars]` : value;
}
