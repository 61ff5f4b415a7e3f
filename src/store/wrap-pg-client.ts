import type pg from "pg";
import type { SqlClient } from "./sql-client.ts";

/**
 * A `SqlClient` over ONE node-postgres client (not a pool): session state such as
 * `search_path`, advisory locks and transactions must stay on a single connection.
 * The caller connects and ends the client.
 */
export function wrapPgClient(client: pg.Client): SqlClient {
  return {
    async query<Row extends Record<string, unknown>>(sql: string, params: readonly unknown[] = []) {
      const result = await client.query<Row>(sql, [...params]);
      return result.rows;
    },
    async exec(script: string) {
      // No parameters -> the simple query protocol, which accepts several statements.
      await client.query(script);
    },
  };
}
