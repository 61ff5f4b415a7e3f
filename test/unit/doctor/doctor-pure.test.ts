import { describe, expect, it } from "vitest";
import { judgeWebhookSecret } from "../../../src/doctor/check-webhook-secret.ts";
import { compareMigrations } from "../../../src/doctor/compare-migrations.ts";
import { judgeFreeSpace } from "../../../src/doctor/judge-free-space.ts";
import { renderDoctorTable } from "../../../src/doctor/render-doctor-table.ts";

const GiB = 1024 ** 3;

describe("doctor: pure judgements", () => {
  it("webhook secret: unset or the development default fails in production and warns otherwise", () => {
    expect(judgeWebhookSecret(undefined, true)).toMatchObject({ status: "fail", detail: expect.stringContaining("NODE_ENV=production") });
    expect(judgeWebhookSecret("development", true).status).toBe("fail");
    expect(judgeWebhookSecret("development", false).status).toBe("warn");
    expect(judgeWebhookSecret(undefined, false).status).toBe("warn");
    expect(judgeWebhookSecret("short", true)).toMatchObject({ status: "warn", detail: "only 5 characters" });
    expect(judgeWebhookSecret("a".repeat(64), true)).toEqual({ what: "webhook secret", status: "ok", detail: "set (64 characters)" });
  });

  it("free space: fail under 1 GiB, warn under 5 GiB", () => {
    expect(judgeFreeSpace("/w", 0.5 * GiB)).toMatchObject({ status: "fail", detail: "/w is writable; 0.5 GiB free" });
    expect(judgeFreeSpace("/w", 3 * GiB).status).toBe("warn");
    expect(judgeFreeSpace("/w", 50 * GiB).status).toBe("ok");
  });

  it("migrations: pending warns, failed or unknown ones fail", () => {
    const shipped = ["1_init", "2_more"];
    expect(compareMigrations(shipped, [])).toMatchObject({ status: "warn", detail: "2 of 2 pending (first: 1_init)" });
    expect(compareMigrations(shipped, [{ name: "1_init", finished: true, rolledBack: false }, { name: "2_more", finished: true, rolledBack: false }])).toEqual({ what: "migrations", status: "ok", detail: "all 2 applied" });
    expect(compareMigrations(shipped, [{ name: "1_init", finished: false, rolledBack: false }])).toMatchObject({ status: "fail", detail: "failed migration(s) recorded: 1_init" });
    expect(compareMigrations(shipped, [{ name: "1_init", finished: false, rolledBack: true }])).toMatchObject({ status: "warn" });
    expect(compareMigrations(shipped, [{ name: "3_future", finished: true, rolledBack: false }])).toMatchObject({ status: "fail", detail: expect.stringContaining("3_future") });
  });

  it("renders one table with the fix under each row that is not ok, and a summary", () => {
    const text = renderDoctorTable([
      { what: "redis", status: "ok", detail: "answers" },
      { what: "sandbox", status: "fail", detail: "no bwrap", fix: "install it" },
      { what: "secret", status: "warn", detail: "short", fix: "longer" },
    ]);
    expect(text.split("\n")).toEqual([
      "what           detail",
      "-------  ----  ----------------------------------------",
      "redis    ok    answers",
      "sandbox  FAIL  no bwrap",
      "               fix: install it",
      "secret   WARN  short",
      "               fix: longer",
      "",
      "1 ok, 1 warning(s), 1 failure(s)",
    ]);
  });
});
