import { checkSchemaName } from "./check-schema-name.ts";
import { pgErrorCode } from "./pg-error-code.ts";
import type { SqlClient } from "./sql-client.ts";

/**
 * Makes `schema` the session's only schema: creates it when missing (as Prisma Migrate does), then
 * `SET search_path TO "<schema>"`, so unqualified names (migrations, `_prisma_migrations`) land in it.
 * Looks before creating, so a user without CREATE on the database can use an existing schema;
 * safe when several sessions create the same schema at once.
 */
export async function enterSchema(db: SqlClient, schema: string): Promise<void> {
  const name = checkSchemaName(schema, "enterSchema");
  const [found] = await db.query<{ present: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1) AS present`,
    [name],
  );
  if (found?.present !== true) {
    try {
      await db.exec(`CREATE SCHEMA IF NOT EXISTS "${name}"`);
    } catch (err) {
      // Two sessions racing on CREATE SCHEMA IF NOT EXISTS: the loser gets a unique violation on
      // pg_namespace (23505) or "already exists" (42P06); the schema is there either way.
      const code = pgErrorCode(err);
      if (code !== "23505" && code !== "42P06") throw err;
    }
  }
  await db.exec(`SET search_path TO "${name}"`);
}
