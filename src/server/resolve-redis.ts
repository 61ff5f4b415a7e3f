import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { Redis } from "ioredis";
import { ModeratorError } from "../util/errors.ts";

export interface ResolvedRedis {
  url: string;
  source: "env" | "local" | "child";
  /** Stops the private redis-server child, when Moderator started one. */
  stop(): Promise<void>;
}

/**
 * Where Redis comes from: REDIS_URL; else a server already on 127.0.0.1:6379; else a private
 * `redis-server` child with its data under <dataDir>/redis when the binary exists; else a clear error.
 */
export async function resolveRedis(opts: { redisUrl: string | undefined; dataDir: string; log: (line: string) => void }): Promise<ResolvedRedis> {
  if (opts.redisUrl) {
    await ping(opts.redisUrl).catch((err: Error) => {
      throw new ModeratorError(`cannot reach Redis at ${maskUrl(opts.redisUrl ?? "")}: ${err.message}`, {
        infrastructure: true,
        hint: "Start Redis or fix REDIS_URL.",
      });
    });
    return { url: opts.redisUrl, source: "env", stop: async () => undefined };
  }
  const local = "redis://127.0.0.1:6379";
  if (await ping(local).then(() => true, () => false)) return { url: local, source: "local", stop: async () => undefined };

  const dir = path.join(opts.dataDir, "redis");
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  let child: ChildProcess;
  try {
    child = await startChild(["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", "60 1", "--appendonly", "no"]);
  } catch {
    throw new ModeratorError("no Redis: REDIS_URL is unset, nothing answers on 127.0.0.1:6379, and redis-server is not installed", {
      infrastructure: true,
      hint: "Install Redis (apt-get install redis-server, or docker run -p 6379:6379 redis:7), or set REDIS_URL.",
    });
  }
  const url = `redis://127.0.0.1:${port}`;
  for (let i = 0; i < 50; i++) {
    if (await ping(url).then(() => true, () => false)) {
      opts.log(`started a private redis-server on 127.0.0.1:${port} (data in ${dir})`);
      return {
        url,
        source: "child",
        stop: () =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null) return resolve();
            child.once("exit", () => resolve());
            child.kill("SIGTERM");
          }),
      };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill("SIGKILL");
  throw new ModeratorError("the private redis-server did not start within 5 s", { infrastructure: true, hint: "Set REDIS_URL to a Redis you run." });
}

function startChild(args: string[]): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn("redis-server", args, { stdio: "ignore" });
    child.once("error", reject);
    child.once("spawn", () => resolve(child));
  });
}

async function ping(url: string): Promise<void> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 1500, retryStrategy: () => null });
  client.on("error", () => undefined);
  try {
    await client.connect();
    await client.ping();
  } finally {
    client.disconnect();
  }
}

/** A port nothing listens on right now. */
export function freePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export function maskUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):([^@/]*)@/, "//$1:***@");
}
