import { execa } from "execa";
import { Redis } from "ioredis";
import type { CheckResult, DoctorCheck } from "./doctor-check.ts";

const LOCAL = "redis://127.0.0.1:6379";

/** redis://user:secret@host:6379 -> redis://host:6379 */
function maskUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname === "/" ? "" : u.pathname}`;
  } catch {
    return "(unparsable URL)";
  }
}

/** INFO of the server at `url` (version, eviction policy), or the error. */
async function probe(url: string, timeoutMs: number): Promise<{ version: string; policy: string }> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: timeoutMs, commandTimeout: timeoutMs, retryStrategy: () => null });
  client.on("error", () => undefined);
  try {
    await client.connect();
    const info = await client.info();
    const field = (name: string) => new RegExp(`^${name}:(.*)$`, "m").exec(info)?.[1]?.trim() ?? "?";
    return { version: field("redis_version"), policy: field("maxmemory_policy") };
  } finally {
    client.disconnect();
  }
}

function describe(url: string, found: { version: string; policy: string }, prefix = ""): CheckResult {
  if (found.policy !== "noeviction" && found.policy !== "?") {
    return {
      what: "redis",
      status: "warn",
      detail: `${prefix}${maskUrl(url)} answers (Redis ${found.version}) but maxmemory-policy is ${found.policy}: Redis may evict queued jobs`,
      fix: "set maxmemory-policy noeviction (BullMQ needs it)",
    };
  }
  return { what: "redis", status: "ok", detail: `${prefix}${maskUrl(url)} answers (Redis ${found.version})` };
}

/** Redis answers at REDIS_URL; without one, what `serve` would use (127.0.0.1:6379 or a private redis-server). */
export const checkRedis: DoctorCheck = {
  name: "redis",
  blocks: [],
  async run({ env, timeoutMs }) {
    if (env.redisUrl) {
      const url = env.redisUrl;
      return [
        await probe(url, timeoutMs).then(
          (found) => describe(url, found),
          (err: Error) => ({ what: "redis", status: "fail" as const, detail: `cannot reach ${maskUrl(url)}: ${err.message}`, fix: "start Redis or fix REDIS_URL" }),
        ),
      ];
    }
    const local = await probe(LOCAL, timeoutMs).catch(() => undefined);
    if (local) return [describe(LOCAL, local, "REDIS_URL is unset; ")];
    const hasServer = await execa("redis-server", ["--version"], { reject: false, timeout: timeoutMs }).then((r) => r.exitCode === 0, () => false);
    return hasServer
      ? [{ what: "redis", status: "warn", detail: "REDIS_URL is unset and nothing answers on 127.0.0.1:6379: Moderator will start a private redis-server", fix: "set REDIS_URL to run web and workers as separate processes" }]
      : [{ what: "redis", status: "fail", detail: "REDIS_URL is unset, nothing answers on 127.0.0.1:6379 and redis-server is not installed", fix: "set REDIS_URL, or install Redis (apt-get install redis-server)" }];
  },
};
