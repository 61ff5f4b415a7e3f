import type { CheckResult, DoctorCheck, DoctorContext, DoctorRole } from "./doctor-check.ts";

export interface DoctorReport {
  results: Array<CheckResult & { check: string; blocking: boolean }>;
  /** Some check failed. */
  failed: boolean;
  /** Failures that stop these roles from starting. */
  blocking: CheckResult[];
}

/**
 * Run the checks for `roles` (serve is both web and worker) one after another (so their output reads in table order); a check that
 * throws or outlives `ctx.timeoutMs` (plus a grace) becomes a `fail` row naming the error, never a crash.
 */
export async function runDoctor(checks: readonly DoctorCheck[], ctx: DoctorContext, roles: readonly DoctorRole[]): Promise<DoctorReport> {
  const results: DoctorReport["results"] = [];
  for (const check of checks) {
    if (check.roles && !roles.some((r) => check.roles?.includes(r))) continue;
    let rows: CheckResult[];
    let timer: NodeJS.Timeout | undefined;
    try {
      rows = await Promise.race([
        check.run(ctx),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${Math.round((ctx.timeoutMs * 2) / 1000)} s`)), ctx.timeoutMs * 2);
        }),
      ]);
    } catch (err) {
      rows = [{ what: check.name, status: "fail", detail: `the check itself failed: ${err instanceof Error ? err.message : String(err)}` }];
    } finally {
      clearTimeout(timer);
    }
    for (const r of rows) results.push({ ...r, check: check.name, blocking: r.status === "fail" && roles.some((role) => check.blocks.includes(role)) });
  }
  const blocking = results.filter((r) => r.blocking);
  return { results, failed: results.some((r) => r.status === "fail"), blocking };
}
