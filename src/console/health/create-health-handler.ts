import type { HttpHandler } from "../../intake/receive-webhook.ts";
import { checkReadiness, type ReadinessCheck } from "./check-readiness.ts";

/**
 * `GET /healthz`: the process answers (200). `GET /readyz`: every dependency is usable (200), or 503 with a JSON
 * body naming what fails and why.
 */
export function createHealthHandler(opts: { role: string; checks: readonly ReadinessCheck[]; timeoutMs?: number }): HttpHandler {
  const json = (res: Parameters<HttpHandler>[1], status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" }).end(JSON.stringify(body));
  };
  return async (req, res) => {
    const pathname = (req.url ?? "/").split("?")[0];
    if (pathname !== "/healthz" && pathname !== "/readyz") return false;
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.setHeader("allow", "GET, HEAD");
      json(res, 405, { error: "use GET" });
      return true;
    }
    if (pathname === "/healthz") {
      json(res, 200, { status: "ok", role: opts.role, pid: process.pid, uptimeSeconds: Math.round(process.uptime()) });
      return true;
    }
    const report = await checkReadiness(opts.checks, opts.timeoutMs);
    json(res, report.ready ? 200 : 503, { status: report.ready ? "ready" : "not ready", role: opts.role, failing: report.failing, checks: report.checks });
    return true;
  };
}
