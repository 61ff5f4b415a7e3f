import type { CheckResult } from "./doctor-check.ts";

const MARK = { ok: "ok", warn: "WARN", fail: "FAIL" } as const;

/**
 * The doctor's table, one row per result: what | ok/WARN/FAIL | detail, and the fix on the line below
 * (indented) for anything that is not ok. Ends with a summary line. Pure.
 */
export function renderDoctorTable(results: readonly CheckResult[]): string {
  const whatWidth = Math.max(4, ...results.map((r) => r.what.length));
  const lines = [`${"what".padEnd(whatWidth)}  ${"".padEnd(4)}  detail`, `${"-".repeat(whatWidth)}  ----  ${"-".repeat(40)}`];
  for (const r of results) {
    lines.push(`${r.what.padEnd(whatWidth)}  ${MARK[r.status].padEnd(4)}  ${r.detail}`);
    if (r.status !== "ok" && r.fix) lines.push(`${"".padEnd(whatWidth)}        fix: ${r.fix}`);
  }
  const count = (s: CheckResult["status"]) => results.filter((r) => r.status === s).length;
  lines.push("", `${count("ok")} ok, ${count("warn")} warning(s), ${count("fail")} failure(s)`);
  return lines.join("\n");
}
