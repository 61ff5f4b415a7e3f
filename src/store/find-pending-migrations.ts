import type { PrismaClient } from "../generated/prisma/client.ts";
import { listMigrations } from "./list-migrations.ts";

/**
 * Which migrations of `migrationsDir` the database has not applied (finished and not rolled back), and how many it
 * has. A database without Prisma's migrations table has applied none.
 */
export async function findPendingMigrations(prisma: PrismaClient, migrationsDir: string): Promise<{ pending: string[]; applied: number }> {
  const onDisk = await listMigrations(migrationsDir);
  const [exists] = await prisma.$queryRawUnsafe<Array<{ name: string | null }>>(`SELECT to_regclass('_prisma_migrations')::text AS name`);
  if (!exists?.name) return { pending: onDisk.map((m) => m.name), applied: 0 };
  const rows = await prisma.$queryRawUnsafe<Array<{ migration_name: string }>>(
    `SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`,
  );
  const done = new Set(rows.map((r) => r.migration_name));
  return { pending: onDisk.filter((m) => !done.has(m.name)).map((m) => m.name), applied: done.size };
}
