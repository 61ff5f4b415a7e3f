import { mkdir } from "node:fs/promises";
import { PGlite } from "@electric-sql/pglite";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { PrismaClient } from "../generated/prisma/client.ts";
import { ModeratorError } from "../util/errors.ts";
import { applyMigrations } from "./apply-migrations.ts";
import { describeConnectionError } from "./describe-connection-error.ts";
import { enterSchema } from "./enter-schema.ts";
import { parseDatabaseUrl } from "./parse-database-url.ts";
import { resolveMigrationsDir } from "./resolve-migrations-dir.ts";
import { wrapPgClient } from "./wrap-pg-client.ts";
import { wrapPglite } from "./wrap-pglite.ts";

export interface Database {
  prisma: PrismaClient;
  kind: "postgres" | "pglite";
  /** Disconnects Prisma (and closes the embedded database). Safe to call twice. */
  close(): Promise<void>;
  /** Applies pending migrations (see applyMigrations); call it before using `prisma`. */
  migrate(): Promise<{ applied: string[] }>;
}

export interface OpenDatabaseOptions {
  /** DATABASE_URL: postgres:// or postgresql:// (with optional ?schema=), "pglite:memory", or empty. */
  databaseUrl?: string | undefined;
  /** Moderator's data folder; the embedded database lives in `<dataDir>/pglite`. */
  dataDir: string;
  /** PostgreSQL schema to use; wins over the URL's ?schema=. Created when missing. */
  schema?: string | undefined;
  /** Apply pending migrations before returning. */
  migrate?: boolean | undefined;
  log?: ((line: string) => void) | undefined;
  /** Defaults to `<package root>/prisma/migrations`. */
  migrationsDir?: string | undefined;
}

const CONNECT_TIMEOUT_MS = 10_000;

/**
 * Opens Moderator's database: PostgreSQL through @prisma/adapter-pg when `databaseUrl` is a postgres URL,
 * otherwise embedded PGlite (on disk in `<dataDir>/pglite`, or in memory for "pglite:memory").
 * A PostgreSQL connection is tried at once, so a wrong URL fails here with one clear line.
 */
export async function openDatabase(opts: OpenDatabaseOptions): Promise<Database> {
  const log = opts.log ?? (() => {});
  const target = parseDatabaseUrl(opts.databaseUrl, { dataDir: opts.dataDir, schema: opts.schema });
  const migrationsDir = opts.migrationsDir ?? resolveMigrationsDir();
  let db: Database;
  if (target.kind === "postgres") {
    const { connectionString, display } = target;
    // Prisma qualifies every table with the adapter's schema, "public" when none is given; migrations
    // must land in the same one whatever the role's search_path says.
    const schema = target.schema ?? "public";
    const connectSession = async (): Promise<pg.Client> => {
      const client = new pg.Client({ connectionString, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
      client.on("error", (err) => log(`database session error (${display}): ${err.message}`));
      try {
        await client.connect();
        return client;
      } catch (err) {
        await client.end().catch(() => {});
        throw new ModeratorError(describeConnectionError(err, display), {
          cause: err,
          transient: true,
          infrastructure: true,
        });
      }
    };
    const probe = await connectSession();
    await probe.end().catch(() => {});
    const adapter = new PrismaPg(
      {
        connectionString,
        connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
        // Prisma qualifies table names with `schema`; the search_path also covers raw queries.
        options: `-c search_path="${schema}"`,
      },
      {
        schema,
        onPoolError: (err) => log(`database pool error (${display}): ${err.message}`),
        onConnectionError: (err) => log(`database connection error (${display}): ${err.message}`),
      },
    );
    const prisma = new PrismaClient({ adapter });
    let closed = false;
    db = {
      prisma,
      kind: "postgres",
      async close() {
        if (closed) return;
        closed = true;
        await prisma.$disconnect();
      },
      async migrate() {
        const session = await connectSession();
        try {
          const sql = wrapPgClient(session);
          await enterSchema(sql, schema);
          return await applyMigrations(sql, migrationsDir, log);
        } finally {
          await session.end().catch(() => {});
        }
      },
    };
  } else {
    const { dataDir, display } = target;
    if (opts.schema !== undefined) {
      // The PGlite adapter always queries "public"; an embedded database is Moderator's alone anyway.
      throw new Error(
        `database schema ${JSON.stringify(opts.schema)} was given but DATABASE_URL selects the ${display}, ` +
          "which always uses its own database's public schema: unset the schema or use a PostgreSQL URL",
      );
    }
    let pglite: PGlite | undefined;
    try {
      if (dataDir !== undefined) await mkdir(dataDir, { recursive: true });
      pglite = new PGlite(dataDir ?? "memory://");
      await pglite.waitReady;
    } catch (err) {
      await pglite?.close().catch(() => {});
      throw new ModeratorError(
        `cannot open the ${display}: ${err instanceof Error ? err.message : String(err)}; ` +
          "check the folder is writable and no other Moderator process uses it, or set DATABASE_URL to a PostgreSQL URL",
        { cause: err, infrastructure: true },
      );
    }
    const embedded = pglite;
    const prisma = new PrismaClient({ adapter: new PrismaPGlite(embedded) });
    let closed = false;
    db = {
      prisma,
      kind: "pglite",
      async close() {
        if (closed) return;
        closed = true;
        await prisma.$disconnect();
        await embedded.close();
      },
      async migrate() {
        return applyMigrations(wrapPglite(embedded), migrationsDir, log);
      },
    };
  }
  if (opts.migrate === true) {
    try {
      await db.migrate();
    } catch (err) {
      await db.close().catch(() => {});
      throw err;
    }
  }
  return db;
}
