/** The SQLSTATE of a node-postgres or PGlite error (both expose `code`), or undefined. */
export function pgErrorCode(err: unknown): string | undefined {
  if (typeof err !== "object" || err === null || !("code" in err)) return undefined;
  const code = (err as { code: unknown }).code;
  return typeof code === "string" ? code : undefined;
}
