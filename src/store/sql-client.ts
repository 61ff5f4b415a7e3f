/**
 * The smallest SQL surface the migration runner needs: one database session.
 * `query` runs one statement with `$1..$n` parameters and returns its rows;
 * `exec` runs a script of several statements (no parameters) on the same session.
 * Implementations: `wrapPgClient` (one node-postgres `pg.Client`) and `wrapPglite` (PGlite).
 */
export interface SqlClient {
  query<Row extends Record<string, unknown> = Record<string, unknown>>(
    sql: string,
    params?: readonly unknown[],
  ): Promise<Row[]>;
  exec(script: string): Promise<void>;
}
