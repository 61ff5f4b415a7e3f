import { redactSecrets } from "./redact.ts";

const MAX_DEPTH = 8;

/**
 * A copy of a value about to be logged with every secret-shaped string masked (see redactSecrets): strings,
 * arrays, plain objects and errors (message, stack, cause and own fields; the copy is still an Error of the
 * same class, so the logger's error serializer treats it as before). Other objects (dates, buffers, class
 * instances) are kept as they are. Pure; cycles and depth beyond 8 levels are left as they are.
 * `redact` is applied to each string (default: redactSecrets with no known values).
 */
export function redactLogValue(value: unknown, redact: (text: string) => string = (text) => redactSecrets(text)): unknown {
  return redactAt(value, 0, new WeakMap(), redact);
}

function redactAt(value: unknown, depth: number, seen: WeakMap<object, unknown>, redact: (text: string) => string): unknown {
  if (typeof value === "string") return redact(value);
  if (value === null || typeof value !== "object" || depth > MAX_DEPTH) return value;
  const done = seen.get(value);
  if (done !== undefined) return done;
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    seen.set(value, out);
    for (const item of value) out.push(redactAt(item, depth + 1, seen, redact));
    return out;
  }
  if (value instanceof Error) {
    const copy = Object.create(Object.getPrototypeOf(value) as object | null) as Record<string, unknown>;
    seen.set(value, copy);
    for (const key of Object.getOwnPropertyNames(value)) {
      const desc = Object.getOwnPropertyDescriptor(value, key);
      if (!desc) continue;
      const v = "value" in desc ? redactAt(desc.value, depth + 1, seen, redact) : (value as unknown as Record<string, unknown>)[key];
      Object.defineProperty(copy, key, { value: v, enumerable: desc.enumerable ?? false, writable: true, configurable: true });
    }
    return copy;
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return value;
  const out: Record<string, unknown> = {};
  seen.set(value, out);
  for (const [k, v] of Object.entries(value)) out[k] = redactAt(v, depth + 1, seen, redact);
  return out;
}
