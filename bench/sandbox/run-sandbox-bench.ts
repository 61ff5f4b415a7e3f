/**
 * Sandbox network bench: what the egress proxy costs. It prints, it never asserts.
 *
 *   npm run build && node dist/bench/sandbox/run-sandbox-bench.js [--requests 200] [--starts 50]
 *
 * 1. Per request, each on a NEW connection (the worst case: no keep-alive), to a local HTTP server:
 *    direct from the host; through the egress proxy from the host (proxy-chain alone); and from INSIDE the
 *    bubblewrap sandbox through the whole path (socat on the sandbox's loopback -> Unix socket -> proxy ->
 *    server), both as plain HTTP (absolute URL) and as a CONNECT tunnel (what HTTPS does).
 * 2. Sandbox start-up: `true` under bubblewrap without network, and with an allow-list (proxy + socat
 *    forwarder), p50 over --starts runs each.
 * Goals (issue 10): <= 5 ms added per request, <= 50 ms added per start.
 */
import { createServer } from "node:http";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { execa } from "execa";
import { createProcessRunner } from "../../src/sandbox/create-process-runner.ts";
import { buildEgressRules } from "../../src/sandbox/egress-policy.ts";
import { startEgressProxy } from "../../src/sandbox/start-egress-proxy.ts";

const CLIENT = `
import http from "node:http";
const [target, nStr, mode, proxy] = process.argv.slice(2);
const n = Number(nStr); const t = new URL(target); const p = proxy ? new URL(proxy) : undefined;
const once = () => new Promise((resolve, reject) => {
  const start = performance.now();
  const done = () => resolve(performance.now() - start);
  if (mode === "direct") {
    http.get(target, { agent: false }, (res) => { res.resume(); res.on("end", done); }).on("error", reject);
  } else if (mode === "proxy") {
    http.get({ host: p.hostname, port: p.port, path: target, headers: { host: t.host }, agent: false }, (res) => { res.resume(); res.on("end", done); }).on("error", reject);
  } else {
    const req = http.request({ host: p.hostname, port: p.port, method: "CONNECT", path: t.host, agent: false });
    req.on("connect", (res, socket) => {
      if (res.statusCode !== 200) return reject(new Error("CONNECT " + res.statusCode));
      socket.write("GET / HTTP/1.1\\r\\nHost: " + t.host + "\\r\\nConnection: close\\r\\n\\r\\n");
      socket.on("data", () => {}); socket.on("end", done); socket.on("error", reject);
    });
    req.on("error", reject); req.end();
  }
});
for (let i = 0; i < 10; i++) await once();
const times = [];
for (let i = 0; i < n; i++) times.push(await once());
process.stdout.write(JSON.stringify(times) + "\\n");
`;

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i === -1 ? undefined : Number(process.argv[i + 1]);
  return v !== undefined && Number.isFinite(v) && v > 0 ? v : fallback;
}

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN;
};
const fmt = (ms: number): string => `${ms.toFixed(2)} ms`;

async function main(): Promise<void> {
  const requests = arg("requests", 200);
  const starts = arg("starts", 50);
  const server = createServer((_req, res) => res.end("ok"));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  const target = `http://127.0.0.1:${port}/`;
  const dir = await mkdtemp(path.join(tmpdir(), "moderator-sandbox-bench-"));
  const client = path.join(dir, "client.mjs");
  await writeFile(client, CLIENT);
  const runner = await createProcessRunner({ mode: "bwrap" });
  const allow = [`127.0.0.1:${port}`];

  const hostRun = async (mode: string, proxy?: string): Promise<number[]> => {
    const r = await execa(process.execPath, [client, target, String(requests), mode, ...(proxy ? [proxy] : [])]);
    return JSON.parse(r.stdout) as number[];
  };
  const sandboxRun = async (mode: string): Promise<number[]> => {
    const r = await runner.run({ command: [process.execPath, client, target, String(requests), mode, "http://127.0.0.1:3128"], cwd: dir, env: {}, timeoutMs: 300_000, readOnlyPaths: [dir], network: { allow } });
    if (r.exitCode !== 0) throw new Error(`sandboxed client failed: ${r.stderr}`);
    return JSON.parse(r.stdout) as number[];
  };

  const proxy = await startEgressProxy({ rules: buildEgressRules(allow), listen: { port: 0 }, onAttempt: () => undefined });
  const rows: Array<[string, number[]]> = [
    ["direct, from the host", await hostRun("direct")],
    ["egress proxy (plain HTTP), from the host", await hostRun("proxy", `http://127.0.0.1:${String(proxy.port)}`)],
    ["egress proxy (CONNECT), from the host", await hostRun("connect", `http://127.0.0.1:${String(proxy.port)}`)],
    ["in the sandbox: socat -> socket -> proxy (plain HTTP)", await sandboxRun("proxy")],
    ["in the sandbox: socat -> socket -> proxy (CONNECT)", await sandboxRun("connect")],
  ];
  await proxy.close();
  const direct = pct(rows[0]![1], 50);
  console.log(`Per request, a new connection each, ${requests} requests (after 10 warm-up):`);
  for (const [label, xs] of rows) {
    const added = label.startsWith("direct") ? "" : `   added p50: ${fmt(pct(xs, 50) - direct)}`;
    console.log(`  ${label.padEnd(54)} p50 ${fmt(pct(xs, 50)).padStart(9)}  p90 ${fmt(pct(xs, 90)).padStart(9)}${added}`);
  }

  const startTimes = async (network: false | { allow: string[] }): Promise<number[]> => {
    const xs: number[] = [];
    for (let i = 0; i < starts + 3; i++) {
      const t0 = performance.now();
      const r = await runner.run({ command: ["true"], cwd: dir, env: {}, timeoutMs: 30_000, network });
      if (r.exitCode !== 0) throw new Error(`sandbox start failed: ${r.stderr}`);
      if (i >= 3) xs.push(performance.now() - t0);
    }
    return xs;
  };
  const without = await startTimes(false);
  const withProxy = await startTimes({ allow });
  console.log(`Sandbox start-up, \`true\` under bubblewrap, p50 over ${starts} starts (after 3 warm-up):`);
  console.log(`  without network                                        p50 ${fmt(pct(without, 50)).padStart(9)}  p90 ${fmt(pct(without, 90)).padStart(9)}`);
  console.log(`  with an allow-list (proxy + socat forwarder)           p50 ${fmt(pct(withProxy, 50)).padStart(9)}  p90 ${fmt(pct(withProxy, 90)).padStart(9)}   added p50: ${fmt(pct(withProxy, 50) - pct(without, 50))}`);

  server.close();
  await rm(dir, { recursive: true, force: true });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
