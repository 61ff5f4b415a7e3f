import type { Metrics } from "./create-metrics.ts";

interface HookedOctokit {
  hook: {
    after(name: "request", fn: (response: { status: number; headers: Record<string, unknown> }, options: { method?: string }) => void): void;
    error(name: "request", fn: (error: { status?: number; response?: { headers?: Record<string, unknown> } }, options: { method?: string }) => never): void;
  };
}

/**
 * An Octokit plugin counting every GitHub API request by method and status, with the rate limit it reports.
 * `installation` labels the rate-limit gauge (each installation has its own budget).
 */
export function observeGitHubCalls(metrics: Metrics) {
  return (octokit: unknown, options: { auth?: { installationId?: unknown } } = {}) => {
    const hooked = octokit as HookedOctokit;
    const installation = options.auth?.installationId === undefined ? "app" : String(options.auth.installationId);
    const remaining = (headers: Record<string, unknown> | undefined) => {
      const v = headers?.["x-ratelimit-remaining"];
      return v === undefined ? undefined : Number(v);
    };
    hooked.hook.after("request", (response, opts) => {
      metrics.githubCall({ method: opts.method ?? "GET", status: response.status, rateLimitRemaining: remaining(response.headers), installation });
    });
    hooked.hook.error("request", (error, opts) => {
      metrics.githubCall({ method: opts.method ?? "GET", status: error.status ?? 0, rateLimitRemaining: remaining(error.response?.headers), installation });
      throw error;
    });
  };
}
