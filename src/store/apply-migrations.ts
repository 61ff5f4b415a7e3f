import { randomUUID } from "node:crypto";
import { checksumMatches } from "./migration-checksum.ts";
import { MigrationError } from "./migration-error.ts";
import { listMigrations } from "./list-migrations.ts";
import { pgErrorCode } from "./pg-error-code.ts";
import type { SqlClient } from "./sql-client.ts";

/** The advisory lock key Prisma Migrate uses; every process migrating this database takes the same one. */
const PRISMA_MIGRATE_LOCK = 72707369;
const DEFAULT_LOCK_TIMEOUT_MS = 60_000;
const TABLE = `"_prisma_migrations"`;

// Prisma's schema engine creates exactly this table (sql-schema-connector, postgres flavour).
const CREATE_MIGRATIONS_TABLE = `CREATE TABLE _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             TIMESTAMPTZ,
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          TIMESTAMPTZ,
    started_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_steps_count     INTEGER NOT NULL DEFAULT 0
);`;

// Tables Prisma ignores when it decides whether a database without _prisma_migrations is empty (PostGIS).
const IGNORED_TABLES = /^(spatial_ref_sys|geometry_columns)$/i;

interface MigrationRow extends Record<string, unknown> {
  id: string;
  checksum: string;
  migration_name: string;
  logs: string | null;
  started_at: Date | string;
  finished_at: Date | string | null;
  rolled_back_at: Date | string | null;
}

export interface ApplyMigrationsOptions {
  /** How long to wait for another process's migration lock before giving up (default 60 s). */
  lockTimeoutMs?: number;
}

/**
 * Applies the pending migrations of `migrationsDir` (`<name>/migration.sql` folders) to the database
 * behind `db`, doing what `prisma migrate deploy` does, so Prisma's own tooling can take over at any time:
 *  - holds `pg_advisory_lock(72707369)` on this one session for the whole run (concurrent starters wait);
 *  - creates `_prisma_migrations` in Prisma's exact format when missing (and refuses, as Prisma does,
 *    when the schema already holds other tables but no migrations table);
 *  - refuses when a recorded migration has neither `finished_at` nor `rolled_back_at` (a failed one),
 *    or when an applied migration's file no longer matches its recorded checksum;
 *  - applies each pending folder in name order inside a transaction and records it as Prisma does.
 * Works in whatever schema the session's `search_path` selects (see `enterSchema`).
 */
export async function applyMigrations(
  db: SqlClient,
  migrationsDir: string,
  log: (line: string) => void = () => {},
  options: ApplyMigrationsOptions = {},
): Promise<{ applied: string[] }> {
  const migrations = await listMigrations(migrationsDir);
  await acquireLock(db, options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS, log);
  try {
    await initializeMigrationsTable(db, log);
    const rows = await db.query<MigrationRow>(
      `SELECT id, checksum, migration_name, logs, started_at, finished_at, rolled_back_at
         FROM ${TABLE} ORDER BY started_at, migration_name`,
    );
    refuseFailedMigrations(rows);
    refuseEditedMigrations(rows, migrations, migrationsDir);
    const onDisk = new Set(migrations.map((m) => m.name));
    for (const row of rows) {
      if (row.rolled_back_at === null && !onDisk.has(row.migration_name)) {
        log(`warning: migration ${row.migration_name} is recorded in the database but missing from ${migrationsDir}`);
      }
    }
    const pending = migrations.filter(
      (m) => !rows.some((row) => row.rolled_back_at === null && row.migration_name === m.name),
    );
    if (pending.length === 0) {
      log(`database is up to date (${migrations.length} migrations)`);
      return { applied: [] };
    }
    const applied: string[] = [];
    for (const migration of pending) {
      log(`applying migration ${migration.name}`);
      await applyOne(db, migration.name, migration.script, migration.checksum);
      applied.push(migration.name);
    }
    log(`applied ${applied.length} migration${applied.length === 1 ? "" : "s"}: ${applied.join(", ")}`);
    return { applied };
  } finally {
    try {
      await db.query(`SELECT pg_advisory_unlock(${PRISMA_MIGRATE_LOCK})`);
    } catch (err) {
      // The lock is tied to the session: closing the connection releases it anyway.
      log(`warning: could not release the migration lock: ${errorMessage(err)}`);
    }
  }
}

async function acquireLock(db: SqlClient, timeoutMs: number, log: (line: string) => void): Promise<void> {
  const [first] = await db.query<{ locked: boolean }>(`SELECT pg_try_advisory_lock(${PRISMA_MIGRATE_LOCK}) AS locked`);
  if (first?.locked === true) return;
  log("waiting for the migration lock: another process is migrating this database");
  const [setting] = await db.query<{ value: string }>(`SELECT current_setting('lock_timeout') AS value`);
  await db.query(`SELECT set_config('lock_timeout', $1, false)`, [`${Math.max(1, Math.round(timeoutMs))}ms`]);
  try {
    await db.query(`SELECT pg_advisory_lock(${PRISMA_MIGRATE_LOCK})`);
  } catch (err) {
    if (pgErrorCode(err) === "55P03") {
      throw new MigrationError(
        `timed out after ${timeoutMs} ms waiting for the migration lock (pg_advisory_lock(${PRISMA_MIGRATE_LOCK})); ` +
          "another process is still migrating or hung while holding it: see pg_locks WHERE locktype = 'advisory', " +
          "end that session, then start again",
        { cause: err },
      );
    }
    throw err;
  } finally {
    await db.query(`SELECT set_config('lock_timeout', $1, false)`, [setting?.value ?? "0"]);
  }
}

async function initializeMigrationsTable(db: SqlClient, log: (line: string) => void): Promise<void> {
  const tables = await db.query<{ name: string; schema: string | null }>(
    `SELECT c.relname AS name, current_schema() AS schema
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind = 'r' AND n.nspname = current_schema()`,
  );
  if (tables.some((t) => t.name === "_prisma_migrations")) return;
  const others = tables.map((t) => t.name).filter((name) => !IGNORED_TABLES.test(name));
  if (others.length > 0) {
    const schema = tables[0]?.schema ?? "?";
    throw new MigrationError(
      `schema "${schema}" is not empty (tables: ${others.slice(0, 5).join(", ")}${others.length > 5 ? ", ..." : ""}) ` +
        "but has no _prisma_migrations table, so which migrations it holds is unknown; use an empty schema, " +
        "or baseline it (record the migrations it already has: prisma migrate resolve --applied <name>)",
    );
  }
  await db.exec(CREATE_MIGRATIONS_TABLE);
  log("created the _prisma_migrations table");
}

function refuseFailedMigrations(rows: MigrationRow[]): void {
  const failed = rows.filter((row) => row.finished_at === null && row.rolled_back_at === null);
  if (failed.length === 0) return;
  const details = failed
    .map((row) => {
      const logs = row.logs?.trim() ? ` with the following logs:\n${row.logs.trim()}` : "";
      return `The \`${row.migration_name}\` migration started at ${formatTime(row.started_at)} failed${logs}`;
    })
    .join("\n");
  const names = failed.map((row) => row.migration_name);
  throw new MigrationError(
    `found failed migration${names.length === 1 ? "" : "s"} ${names.join(", ")} in the database; ` +
      "new migrations cannot be applied before this is resolved. Each migration runs in a transaction, so a " +
      "failed one left nothing behind unless it was applied by hand: fix its migration.sql, then mark the " +
      `attempt rolled back (UPDATE "_prisma_migrations" SET rolled_back_at = now() WHERE migration_name = '${names[0]}' ` +
      `AND finished_at IS NULL, or prisma migrate resolve --rolled-back ${names[0]}) and start again.\n${details}`,
    { migration: names[0] },
  );
}

function refuseEditedMigrations(
  rows: MigrationRow[],
  migrations: { name: string; script: string; checksum: string }[],
  migrationsDir: string,
): void {
  for (const row of rows) {
    if (row.finished_at === null || row.rolled_back_at !== null) continue;
    const file = migrations.find((m) => m.name === row.migration_name);
    if (file === undefined || checksumMatches(file.script, row.checksum)) continue;
    throw new MigrationError(
      `migration ${row.migration_name} was changed after it was applied: ${migrationsDir}/${row.migration_name}/` +
        `migration.sql has checksum ${file.checksum} but the database recorded ${row.checksum}. Restore the file as ` +
        "it was applied and put the change in a new migration (node scripts/write-migration.mjs <name>).",
      { migration: row.migration_name },
    );
  }
}

async function applyOne(db: SqlClient, name: string, script: string, checksum: string): Promise<void> {
  const id = randomUUID();
  // Recorded before the script runs, as Prisma does: if this process dies mid-way the row stays
  // unfinished and the next start refuses until someone looks.
  await db.query(`INSERT INTO ${TABLE} (id, checksum, started_at, migration_name) VALUES ($1, $2, now(), $3)`, [
    id,
    checksum,
    name,
  ]);
  try {
    await db.exec("BEGIN");
    await db.exec(script);
    await db.query(
      `UPDATE ${TABLE} SET applied_steps_count = applied_steps_count + 1, finished_at = clock_timestamp() WHERE id = $1`,
      [id],
    );
    await db.exec("COMMIT");
  } catch (err) {
    await db.exec("ROLLBACK").catch(() => {});
    const code = pgErrorCode(err);
    const logs = [
      "A migration failed to apply. New migrations cannot be applied before the error is recovered from.",
      `Migration name: ${name}`,
      ...(code === undefined ? [] : [`Database error code: ${code}`]),
      `Database error:\n${describeSqlError(err)}`,
    ].join("\n\n");
    await db.query(`UPDATE ${TABLE} SET logs = $2 WHERE id = $1`, [id, logs]).catch(() => {});
    throw new MigrationError(
      `migration ${name} failed and was rolled back: ${errorMessage(err)}${code === undefined ? "" : ` (SQLSTATE ${code})`}. ` +
        `Fix its migration.sql, then mark the attempt rolled back (UPDATE "_prisma_migrations" SET rolled_back_at = now() ` +
        `WHERE migration_name = '${name}' AND finished_at IS NULL) and start again`,
      { migration: name, cause: err },
    );
  }
}

function describeSqlError(err: unknown): string {
  const lines = [`ERROR: ${errorMessage(err)}`];
  if (typeof err === "object" && err !== null) {
    const e = err as { detail?: unknown; hint?: unknown; position?: unknown };
    if (typeof e.detail === "string" && e.detail) lines.push(`DETAIL: ${e.detail}`);
    if (typeof e.hint === "string" && e.hint) lines.push(`HINT: ${e.hint}`);
    if (typeof e.position === "string" && e.position) lines.push(`Position: ${e.position}`);
  }
  return lines.join("\n");
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function formatTime(value: Date | string): string {
  return value instanceof Date ? value.toISOString() : value;
}
