import { timingSafeEqual } from "node:crypto";
import type { HttpHandler } from "../../intake/receive-webhook.ts";
import type { Metrics } from "./create-metrics.ts";

/**
 * `GET /metrics` in Prometheus' text format, for a bearer token only (401 without it or with another). Without a
 * configured token the path is not served (404), so nothing leaks by default.
 */
export function createMetricsHandler(opts: { metrics: Metrics; token: string | undefined }): HttpHandler {
  const expected = opts.token === undefined ? undefined : Buffer.from(`Bearer ${opts.token}`);
  return async (req, res) => {
    const pathname = (req.url ?? "/").split("?")[0];
    if (pathname !== "/metrics" || expected === undefined) return false;
    const given = Buffer.from(req.headers.authorization ?? "");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      res.writeHead(401, { "content-type": "application/json", "www-authenticate": 'Bearer realm="moderator metrics"' });
      res.end(JSON.stringify({ error: "metrics need `Authorization: Bearer <METRICS_TOKEN>`" }));
      return true;
    }
    const body = await opts.metrics.registry.metrics();
    res.writeHead(200, { "content-type": opts.metrics.registry.contentType, "cache-control": "no-store" }).end(body);
    return true;
  };
}
