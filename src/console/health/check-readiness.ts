/** One dependency of readiness: resolves with a short detail when usable, throws (with the reason) when not. */
export interface ReadinessCheck {
  name: string;
  run(): Promise<string | undefined>;
}

export interface ReadinessResult {
  ok: boolean;
  detail?: string;
  error?: string;
}

export interface ReadinessReport {
  ready: boolean;
  /** Names of the checks that failed, in order. */
  failing: string[];
  checks: Record<string, ReadinessResult>;
}

/**
 * Runs every check at once, each bounded by `timeoutMs` (a Redis or database that hangs is a failure, not a hang),
 * and reports which fail and why.
 */
export async function checkReadiness(checks: readonly ReadinessCheck[], timeoutMs = 3000): Promise<ReadinessReport> {
  const results = await Promise.all(
    checks.map(async (check): Promise<[string, ReadinessResult]> => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      });
      try {
        const detail = await Promise.race([check.run(), timeout]);
        return [check.name, detail === undefined ? { ok: true } : { ok: true, detail }];
      } catch (err) {
        return [check.name, { ok: false, error: err instanceof Error ? err.message : String(err) }];
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  const failing = results.filter(([, r]) => !r.ok).map(([name]) => name);
  return { ready: failing.length === 0, failing, checks: Object.fromEntries(results) };
}
