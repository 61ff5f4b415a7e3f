const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,62}$/;

/**
 * Returns `name` when it is a PostgreSQL schema name Moderator accepts: a letter or `_`, then letters,
 * digits, `_` or `-`, at most 63 characters (PostgreSQL's identifier limit). Throws a clear error naming
 * `source` (where the name came from) otherwise. The restriction keeps the name safe to quote in SQL and
 * to pass in a connection's `-c search_path=...` option.
 */
export function checkSchemaName(name: string, source: string): string {
  if (!SCHEMA_NAME.test(name)) {
    throw new Error(
      `${source}: schema name ${JSON.stringify(name)} is not valid; use 1-63 characters: ` +
        "a letter or _, then letters, digits, _ or -",
    );
  }
  return name;
}
