import type { Redis } from "ioredis";
import type { BackendHealth } from "../../backends/backend.ts";
import type { PrismaClient } from "../../generated/prisma/client.ts";
import { findPendingMigrations } from "../../store/find-pending-migrations.ts";
import type { ReadinessCheck } from "./check-readiness.ts";

export interface ReadinessDeps {
  /** A connection without an offline queue, so a Redis that is down fails at once. */
  redis: Pick<Redis, "ping">;
  prisma: PrismaClient;
  migrationsDir: string;
  /** Workers: the configured backends and their (cached) health. At least one must be usable. */
  backends?: { names: readonly string[]; health(name: string): Promise<BackendHealth> };
}

/** Readiness of a Moderator process: Redis, the database, its migrations and, for a worker, a usable backend. */
export function buildReadinessChecks(deps: ReadinessDeps): ReadinessCheck[] {
  const checks: ReadinessCheck[] = [
    {
      name: "redis",
      async run() {
        const pong = await deps.redis.ping();
        if (pong !== "PONG") throw new Error(`PING answered ${JSON.stringify(pong)}`);
        return undefined;
      },
    },
    {
      name: "database",
      async run() {
        await deps.prisma.$queryRawUnsafe("SELECT 1");
        return undefined;
      },
    },
    {
      name: "migrations",
      async run() {
        const { pending, applied } = await findPendingMigrations(deps.prisma, deps.migrationsDir);
        if (pending.length > 0) throw new Error(`${pending.length} not applied: ${pending.join(", ")} (start Moderator or run \`moderator migrate\`)`);
        return `${applied} applied`;
      },
    },
  ];
  const backends = deps.backends;
  if (backends) {
    checks.push({
      name: "backend",
      async run() {
        if (backends.names.length === 0) throw new Error("no backend is configured (backends in moderator.config.yml)");
        const health = await Promise.all(backends.names.map(async (name) => ({ name, h: await backends.health(name).catch((err: Error) => ({ ok: false, detail: err.message }) as BackendHealth) })));
        const usable = health.filter((x) => x.h.ok).map((x) => x.name);
        if (usable.length === 0) throw new Error(`no usable backend: ${health.map((x) => `${x.name}: ${x.h.detail ?? "unhealthy"}`).join("; ")}`);
        return `usable: ${usable.join(", ")}`;
      },
    });
  }
  return checks;
}
