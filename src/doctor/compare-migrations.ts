import type { CheckResult } from "./doctor-check.ts";

/**
 * The migrations row of the doctor's table, from the migrations this version ships and those the database
 * records: failed ones and ones this version does not know are failures; pending ones a warning (serve,
 * web and worker apply them at start). Pure.
 */
export function compareMigrations(shipped: readonly string[], recorded: ReadonlyArray<{ name: string; finished: boolean; rolledBack: boolean }>): CheckResult {
  const live = recorded.filter((r) => !r.rolledBack);
  const failed = live.filter((r) => !r.finished).map((r) => r.name);
  if (failed.length > 0) {
    return {
      what: "migrations",
      status: "fail",
      detail: `failed migration(s) recorded: ${failed.join(", ")}`,
      fix: "fix the database by hand, then mark it rolled back (npx prisma migrate resolve --rolled-back <name>) and run `moderator migrate`",
    };
  }
  const applied = new Set(live.map((r) => r.name));
  const unknown = [...applied].filter((n) => !shipped.includes(n));
  if (unknown.length > 0) {
    return {
      what: "migrations",
      status: "fail",
      detail: `the database has migration(s) this version does not ship: ${unknown.join(", ")}`,
      fix: "run the Moderator version that wrote them (this one is older than the database)",
    };
  }
  const pending = shipped.filter((n) => !applied.has(n));
  if (pending.length > 0) {
    return {
      what: "migrations",
      status: "warn",
      detail: `${pending.length} of ${shipped.length} pending (first: ${pending[0]})`,
      fix: "run `moderator migrate` (serve, web and worker also apply them at start)",
    };
  }
  return { what: "migrations", status: "ok", detail: `all ${shipped.length} applied` };
}
