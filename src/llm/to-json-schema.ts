import { z } from "zod";

/**
 * The JSON Schema sent to the model for a zod schema (tool arguments, structured output): the input
 * side (what the model writes), without `$schema` and without the ±2^53 bounds zod adds to integers,
 * which only cost tokens. Parts JSON Schema cannot express (transforms) become "any".
 */
export function toJsonSchema(schema: z.ZodType): Record<string, unknown> {
  const json = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as Record<string, unknown>;
  delete json.$schema;
  return stripSafeIntegerBounds(json) as Record<string, unknown>;
}

function stripSafeIntegerBounds(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripSafeIntegerBounds);
  if (typeof value !== "object" || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    if ((key === "maximum" && inner === Number.MAX_SAFE_INTEGER) || (key === "minimum" && inner === Number.MIN_SAFE_INTEGER)) continue;
    out[key] = stripSafeIntegerBounds(inner);
  }
  return out;
}
