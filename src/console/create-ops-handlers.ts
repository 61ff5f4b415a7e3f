import type { HttpHandler } from "../intake/receive-webhook.ts";
import { createHealthHandler } from "./health/create-health-handler.ts";
import { buildReadinessChecks, type ReadinessDeps } from "./health/build-readiness-checks.ts";
import { createMetricsHandler } from "./metrics/create-metrics-handler.ts";
import type { Metrics } from "./metrics/create-metrics.ts";

/** The operator's endpoints every process serves: /healthz, /readyz and (with a token) /metrics. */
export function createOpsHandlers(opts: { role: string; readiness: ReadinessDeps; metrics: Metrics; metricsToken: string | undefined }): HttpHandler[] {
  return [
    createHealthHandler({ role: opts.role, checks: buildReadinessChecks(opts.readiness) }),
    createMetricsHandler({ metrics: opts.metrics, token: opts.metricsToken }),
  ];
}
