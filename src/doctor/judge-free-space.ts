import type { CheckResult } from "./doctor-check.ts";

const GiB = 1024 ** 3;
/** Below this a clone plus dependencies will not fit: fail. */
export const MIN_FREE_BYTES = 1 * GiB;
/** Below this a few concurrent runs of a large repository will not fit: warn. */
export const LOW_FREE_BYTES = 5 * GiB;

/** The disk row of the doctor's table. Pure. */
export function judgeFreeSpace(dir: string, freeBytes: number): CheckResult {
  const free = `${(freeBytes / GiB).toFixed(1)} GiB free`;
  if (freeBytes < MIN_FREE_BYTES) return { what: "workspace", status: "fail", detail: `${dir} is writable; ${free}`, fix: "free disk space or point WORKSPACE_DIR at a larger disk (at least 1 GiB; 5+ GiB for concurrent runs)" };
  if (freeBytes < LOW_FREE_BYTES) return { what: "workspace", status: "warn", detail: `${dir} is writable; only ${free}`, fix: "give WORKSPACE_DIR 5+ GiB for concurrent runs of large repositories" };
  return { what: "workspace", status: "ok", detail: `${dir} is writable; ${free}` };
}
