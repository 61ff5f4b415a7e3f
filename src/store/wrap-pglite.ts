import type { PGliteInterface } from "@electric-sql/pglite";
import type { SqlClient } from "./sql-client.ts";

/** A `SqlClient` over an embedded PGlite database (always a single session). The caller closes it. */
export function wrapPglite(db: PGliteInterface): SqlClient {
  return {
    async query<Row extends Record<string, unknown>>(sql: string, params: readonly unknown[] = []) {
      const result = await db.query<Row>(sql, [...params]);
      return result.rows;
    },
    async exec(script: string) {
      await db.exec(script);
    },
  };
}
