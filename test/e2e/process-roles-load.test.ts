import { once } from "node:events";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "../support/moderator-harness.ts";

// Real `moderator worker` and `moderator web` processes (the built CLI). Each loads only its role's code: the code a
// process loads stays in its memory for as long as it runs (bench/soak measures what that costs).
const RECORDER = path.resolve(import.meta.dirname, "../support/record-module-loads.mjs");
const AGENT = path.resolve(import.meta.dirname, "../fixtures/agents/e2e-agent.mjs");

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** Start a process of the built CLI, wait until it says it is up, stop it: the modules of dist/src it loaded, and all it resolved. */
async function modulesLoadedBy(harness: Harness, command: "worker" | "web", ready: RegExp): Promise<{ own: string[]; all: string[] }> {
  const file = path.join(harness.tmp, `modules-${command}.txt`);
  const child = harness.spawnWorker(command, { NODE_OPTIONS: `--import ${RECORDER}`, RECORD_MODULE_LOADS: file, PORT: "0" });
  await harness.waitFor(`${command} to start`, async () => ready.test(child.output()) || child.exitCode !== null, 60_000);
  expect(child.exitCode, child.output()).toBeNull();
  child.kill("SIGTERM");
  await once(child, "exit");
  expect(existsSync(file), child.output()).toBe(true);
  const dist = `${path.resolve(import.meta.dirname, "../../dist/src")}/`;
  const all = [...new Set(readFileSync(file, "utf8").split("\n"))].filter((url) => url.startsWith("file://")).map((url) => decodeURIComponent(new URL(url).pathname));
  return { own: all.filter((p) => p.startsWith(dist)).map((p) => p.slice(dist.length)), all };
}

describe("what each process role loads", () => {
  it("a worker loads the pipeline and none of the console, the queue board or the webhook receiver; a web process loads no pipeline", async () => {
    h = await startHarness({
      operatorYaml: [
        "defaultBackend: scripted",
        "backends:",
        "  scripted:",
        "    type: command",
        `    command: ${JSON.stringify([process.execPath, AGENT, "clean"])}`,
        `    mounts: [${JSON.stringify(path.dirname(AGENT))}]`,
      ].join("\n"),
      web: false,
      worker: false,
    });

    const { own: worker, all: workerAll } = await modulesLoadedBy(h, "worker", /"worker started"/);
    expect(worker).toContain("pipeline/run-execution.js");
    expect(worker).toContain("server/worker-parts.js");
    for (const webOnly of ["server/web-parts.js", "console/start-console.js", "console/create-queue-board.js", "console/create-dashboard-handler.js", "intake/receive-webhook.js", "web/start-webhook-proxy.js"]) {
      expect(worker, webOnly).not.toContain(webOnly);
    }

    // The Prisma client's query compiler is loaded (by the first query), but not through the module that would keep its
    // base64 for the life of the process (scripts/patch-prisma-client.mjs).
    expect(workerAll.some((p) => p.endsWith("/query_compiler_fast_bg.postgresql.mjs"))).toBe(true);
    expect(workerAll.filter((p) => p.endsWith(".wasm-base64.mjs"))).toEqual([]);

    const { own: web } = await modulesLoadedBy(h, "web", /listening on http/);
    expect(web).toContain("console/start-console.js");
    expect(web).toContain("intake/receive-webhook.js");
    for (const workerOnly of ["server/worker-parts.js", "pipeline/run-execution.js", "qa/run-analyzers.js", "queue/start-run-worker.js", "local/run-local.js"]) {
      expect(web, workerOnly).not.toContain(workerOnly);
    }
  });
});
