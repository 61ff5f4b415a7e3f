import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import pg from "pg";
import { openDatabase, type Database } from "../../src/store/open-database.ts";

/** The PostgreSQL server tests use; TEST_DATABASE_URL overrides it. */
export const TEST_POSTGRES_URL = process.env["TEST_DATABASE_URL"] ?? "postgres://postgres@127.0.0.1:5432/test";

/** A fresh, unique schema name for one test (safe to interpolate in double quotes). */
export function uniqueSchemaName(prefix = "t"): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;
}

/** Drops a test schema and everything in it. */
export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

/**
 * A migrated database in its own uniquely-named schema of the test PostgreSQL server.
 * `close()` disconnects and drops the schema (CASCADE).
 */
export async function createTestDatabase(): Promise<Database & { schema: string; url: string }> {
  const schema = uniqueSchemaName();
  const base = new URL(TEST_POSTGRES_URL);
  base.searchParams.set("schema", schema);
  const url = base.toString();
  let db: Database;
  try {
    db = await openDatabase({ databaseUrl: url, dataDir: tmpdir(), migrate: true });
  } catch (err) {
    await dropSchema(schema).catch(() => {});
    throw err;
  }
  let closed = false;
  return {
    ...db,
    schema,
    url,
    async close() {
      if (closed) return;
      closed = true;
      try {
        await db.close();
      } finally {
        await dropSchema(schema);
      }
    },
  };
}
