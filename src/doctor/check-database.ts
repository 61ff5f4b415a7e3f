import { listMigrations } from "../store/list-migrations.ts";
import { maskDatabaseUrl } from "../store/mask-database-url.ts";
import { openDatabase } from "../store/open-database.ts";
import { resolveMigrationsDir } from "../store/resolve-migrations-dir.ts";
import type { CheckResult, DoctorCheck } from "./doctor-check.ts";
import { compareMigrations } from "./compare-migrations.ts";

interface AppliedRow {
  migration_name: string;
  finished_at: Date | string | null;
  rolled_back_at: Date | string | null;
}

/** The database answers, and every migration this version ships is applied (none failed, none unknown). */
export const checkDatabase: DoctorCheck = {
  name: "database",
  blocks: [],
  async run({ env, startUp }) {
    if (env.databaseUrl === "pglite:memory") {
      return [{ what: "database", status: "warn", detail: "pglite:memory: an empty database in memory, lost on exit", fix: "set DATABASE_URL to PostgreSQL (or unset it for PGlite on disk)" }];
    }
    const where = env.databaseUrl ? maskDatabaseUrl(env.databaseUrl) : `embedded PGlite in ${env.dataDir}/pglite`;
    if (startUp && !env.databaseUrl?.startsWith("postgres")) {
      // Opening PGlite twice costs seconds, and start-up opens (and migrates) it next anyway.
      return [{ what: "database", status: "warn", detail: `${where}: one process only`, fix: "set DATABASE_URL to PostgreSQL to run web and workers as separate processes" }];
    }
    let db;
    try {
      db = await openDatabase({ ...(env.databaseUrl ? { databaseUrl: env.databaseUrl } : {}), dataDir: env.dataDir, migrate: false });
    } catch (err) {
      return [{ what: "database", status: "fail", detail: `cannot open ${where}: ${err instanceof Error ? err.message : String(err)}`, fix: "start PostgreSQL or fix DATABASE_URL" }];
    }
    try {
      const shipped = (await listMigrations(resolveMigrationsDir())).map((m) => m.name);
      let rows: AppliedRow[] = [];
      try {
        rows = await db.prisma.$queryRawUnsafe<AppliedRow[]>('SELECT migration_name, finished_at, rolled_back_at FROM "_prisma_migrations"');
      } catch (err) {
        if (!/_prisma_migrations|does not exist|42P01/.test(err instanceof Error ? err.message : String(err))) throw err;
      }
      const results: CheckResult[] = [{ what: "database", status: "ok", detail: `${where} answers (${db.kind})` }];
      if (db.kind === "pglite") {
        results[0] = { ...results[0]!, status: "warn", detail: `${where}: one process only`, fix: "set DATABASE_URL to PostgreSQL to run web and workers as separate processes" };
      }
      results.push(compareMigrations(shipped, rows.map((r) => ({ name: r.migration_name, finished: r.finished_at !== null, rolledBack: r.rolled_back_at !== null }))));
      return results;
    } finally {
      await db.close();
    }
  },
};
