import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { migrationChecksum } from "./migration-checksum.ts";

/** One migration folder: `<migrationsDir>/<name>/migration.sql`. */
export interface MigrationFile {
  name: string;
  script: string;
  /** sha256 hex of the migration.sql bytes, as Prisma records it. */
  checksum: string;
}

const PROVIDER = "postgresql";

/**
 * Reads a Prisma migrations folder: every sub-folder is a migration and must hold migration.sql;
 * the result is in name order (byte order, which is time order for Prisma's timestamped names).
 * Refuses, like Prisma, when migration_lock.toml names another provider.
 */
export async function listMigrations(migrationsDir: string): Promise<MigrationFile[]> {
  const entries = await readdir(migrationsDir, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
    throw new Error(
      err.code === "ENOENT"
        ? `migrations folder ${migrationsDir} does not exist (is prisma/migrations shipped with this install?)`
        : `cannot read migrations folder ${migrationsDir}: ${err.message}`,
    );
  });
  const lockfile = await readFile(path.join(migrationsDir, "migration_lock.toml"), "utf8").catch(() => null);
  if (lockfile !== null) {
    const provider = /^\s*provider\s*=\s*"([^"]*)"/m.exec(lockfile)?.[1];
    if (provider !== undefined && provider !== PROVIDER) {
      throw new Error(
        `${path.join(migrationsDir, "migration_lock.toml")} says provider = "${provider}"; ` +
          `these migrations were written for another database than ${PROVIDER}`,
      );
    }
  }
  const names = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const migrations: MigrationFile[] = [];
  for (const name of names) {
    const file = path.join(migrationsDir, name, "migration.sql");
    const bytes = await readFile(file).catch((err: NodeJS.ErrnoException) => {
      throw new Error(`migration ${name}: cannot read ${file}: ${err.message}`);
    });
    migrations.push({ name, script: bytes.toString("utf8"), checksum: migrationChecksum(bytes) });
  }
  return migrations;
}
