import { parseDocument } from "yaml";

/**
 * Largest YAML document read (UTF-8 bytes). Moderator's own files (.github/moderator.yml, moderator.config.yml,
 * the learnings file) are a few KiB; anything near this size is a mistake or an attack.
 */
export const MAX_YAML_BYTES = 256 * 1024;
/**
 * Most aliases (`*name`) resolved per document, counting the nodes each one copies ("billion laughs" expands
 * a small text to millions of nodes through nested aliases). yaml's own check counts per alias; a config
 * never needs more than a handful.
 */
export const MAX_YAML_ALIASES = 50;

/**
 * Parse YAML text; returns the value or the problems, one line each (syntax errors with line:column).
 * Never throws: an oversized document or an alias bomb is a problem like any other.
 * An empty document is `{}` so that every field takes its default.
 */
export function parseYamlDocument(text: string): { ok: true; value: unknown } | { ok: false; problems: string[] } {
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes > MAX_YAML_BYTES) {
    return { ok: false, problems: [`(yaml): the document is ${bytes} bytes; at most ${MAX_YAML_BYTES} are read`] };
  }
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      problems: doc.errors.map((e) => {
        const pos = e.linePos?.[0];
        return `${pos ? `line ${pos.line}, column ${pos.col}` : "(yaml)"}: ${(e.message.split("\n")[0] ?? "").replace(/ at line \d+, column \d+:?$/, "")}`;
      }),
    };
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_YAML_ALIASES });
  } catch (err) {
    // yaml throws a ReferenceError ("Excessive alias count indicates a resource exhaustion attack") or, for an
    // alias to an unknown anchor, a ReferenceError too.
    const message = err instanceof Error ? err.message : String(err);
    return {
      ok: false,
      problems: [
        /excessive alias count/i.test(message)
          ? `(yaml): too many aliases (at most ${MAX_YAML_ALIASES} alias expansions are allowed; is this a "billion laughs" document?)`
          : `(yaml): ${message.split("\n")[0] ?? message}`,
      ],
    };
  }
  return { ok: true, value: value ?? {} };
}
