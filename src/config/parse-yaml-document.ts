import { parseDocument } from "yaml";

/**
 * Parse YAML text; returns the value or the syntax problems, one line each with line:column.
 * An empty document is `{}` so that every field takes its default.
 */
export function parseYamlDocument(text: string): { ok: true; value: unknown } | { ok: false; problems: string[] } {
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
  const value: unknown = doc.toJS();
  return { ok: true, value: value ?? {} };
}
