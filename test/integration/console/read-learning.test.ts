import { afterEach, describe, expect, it } from "vitest";
import { readLearning } from "../../../src/console/read-models/read-learning.ts";
import { LearnerConfig } from "../../../src/learner/learner-config.ts";
import { createTestDatabase } from "../../support/db.ts";

const DAY = 86_400_000;
const NOW = new Date("2026-03-31T12:00:00Z");
const ago = (days: number, hours = 0) => new Date(NOW.getTime() - days * DAY - hours * 3600_000);
// A half-life of a century: decay is negligible, so the numbers below are the Beta arithmetic of the counts.
const CONFIG = LearnerConfig.parse({ halfLifeDays: 36_500 });

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function seed() {
  const db = await createTestDatabase();
  cleanups.push(() => db.close());
  const prisma = db.prisma;
  const a = await prisma.repository.create({ data: { githubId: 1n, owner: "o", name: "a", installationId: 7n } });
  const b = await prisma.repository.create({ data: { githubId: 2n, owner: "o", name: "b", installationId: 7n } });
  const feedback = (repositoryId: number, kind: string, at: Date, detail: object, backend?: string) =>
    prisma.feedback.create({ data: { repositoryId, kind, actor: "maia", createdAt: at, detail, ...(backend ? { backend } : {}) } });
  // debug/leftover: dismissed once a week for three weeks and an hour ago here, twice in b long ago.
  for (const [d, h] of [[21, 1], [14, 1], [7, 1], [0, 1]] as const) await feedback(a.id, "dismissed", ago(d, h), { ruleId: "debug/leftover" });
  for (let i = 0; i < 2; i++) await feedback(b.id, "dismissed", ago(30), { ruleId: "debug/leftover" });
  // style/long-line: two suggestions applied (weight 1.5 each) five days ago.
  for (let i = 0; i < 2; i++) await feedback(a.id, "suggestion_applied", ago(5), { ruleId: "style/long-line" });
  // A safety rule dismissed four times stays on; a reader's dismissal counts for nothing.
  for (let i = 0; i < 4; i++) await feedback(a.id, "dismissed", ago(2), { ruleId: "secrets/hardcoded" });
  await feedback(a.id, "dismissed", ago(2), { ruleId: "style/long-line", actorCanWrite: false });
  // Two of claude's pull requests merged.
  for (let i = 0; i < 2; i++) await feedback(a.id, "merged", ago(4), { taskType: "change" }, "claude");

  const run = (repositoryId: number, status: string, at: Date, kind = "run") =>
    prisma.execution.create({ data: { repositoryId, issueNumber: 1, issueTitle: "t", trigger: "label", triggeredBy: "maia", status: status as never, kind: kind as never, createdAt: at } });
  await run(a.id, "completed", ago(0, 1));
  await run(a.id, "completed", ago(0, 2));
  await run(a.id, "failed", ago(0, 3));
  await run(a.id, "cancelled", ago(3));
  await run(a.id, "waiting_for_human", ago(3));
  await run(a.id, "executing", ago(1));
  await run(a.id, "completed", ago(40)); // older than the chart
  await run(a.id, "completed", ago(0, 1), "candidate"); // a race's candidate counts through its race
  await run(b.id, "failed", ago(0, 1)); // another repository
  return { prisma, a, b };
}

describe("readLearning", () => {
  it("the learner's table with intervals and suppression, routing scores, runs per day, acceptance week by week", async () => {
    const { prisma, a } = await seed();
    const view = await readLearning(prisma, { repositoryId: a.id, config: CONFIG, now: NOW, backends: ["claude", "codex"], weeks: 4 });

    const rule = (key: string) => view.rules.find((r) => r.key === key)!;
    expect(view.rules.map((r) => r.key).sort()).toEqual(["debug/leftover", "secrets/hardcoded", "style/long-line"]);
    // debug/leftover: the other repository's two dismissals make the installation rate (1 + 0) / (2 + 2) = 0.25;
    // shrunk with strength 10: Beta(2.5 + 0, 7.5 + 4), mean 2.5 / 14. Dismissed 4 times in a row: suppressed.
    expect(rule("debug/leftover").installationRate).toBeCloseTo(0.25, 3);
    expect(rule("debug/leftover").rejects).toBeCloseTo(4, 2);
    expect(rule("debug/leftover").mean).toBeCloseTo(2.5 / 14, 3);
    expect(rule("debug/leftover").lower).toBeLessThan(rule("debug/leftover").mean);
    expect(rule("debug/leftover").upper).toBeGreaterThan(rule("debug/leftover").mean);
    expect(rule("debug/leftover").state).toBe("suppressed");
    // style/long-line: 3 weighted accepts (the reader's dismissal ignored) on the prior's 0.5: Beta(8, 5).
    expect(rule("style/long-line").accepts).toBeCloseTo(3, 2);
    expect(rule("style/long-line").rejects).toBe(0);
    expect(rule("style/long-line").mean).toBeCloseTo(8 / 13, 3);
    expect(rule("style/long-line").state).toBe("kept");
    // secrets/hardcoded: rejected 4 times, never suppressed.
    expect(rule("secrets/hardcoded").mean).toBeCloseTo(5 / 14, 3);
    expect(rule("secrets/hardcoded").state).toBe("safety");

    // Routing on "change": claude has two merges, Beta(7, 5); codex nothing, the prior's 0.5. The router samples.
    expect(view.routing.map((r) => [r.backend, r.taskType, r.configured])).toEqual([["claude", "change", true], ["codex", "change", true]]);
    expect(view.routing[0]!.mean).toBeCloseTo(7 / 12, 3);
    expect(view.routing[0]!.evidence).toBeCloseTo(2, 2);
    expect(view.routing[1]!.mean).toBeCloseTo(0.5, 3);
    expect(view.routing[1]!.evidence).toBe(0);
    expect(view.routingSampled).toBe(true);

    // Runs per day: 30 days ending today, this repository's runs (not candidates) by outcome.
    expect(view.runsPerDay).toHaveLength(30);
    expect(view.runsPerDay.at(-1)).toEqual({ day: "2026-03-31", counts: { completed: 2, failed: 1, cancelled: 0, waiting: 0, active: 0 } });
    expect(view.runsPerDay.at(-2)!.counts.active).toBe(1);
    expect(view.runsPerDay.find((d) => d.day === "2026-03-28")!.counts).toMatchObject({ cancelled: 1, waiting: 1 });
    expect(view.runsPerDay[0]!.day).toBe("2026-03-02");
    const total = view.runsPerDay.reduce((s, d) => s + Object.values(d.counts).reduce((x, y) => x + y, 0), 0);
    expect(total).toBe(6);

    // Week by week: debug/leftover's acceptance falls with each dismissal; long-line has a value only in the last week.
    expect(view.acceptanceOverTime.weekEnds).toEqual(["2026-03-10", "2026-03-17", "2026-03-24", "2026-03-31"]);
    const series = (key: string) => view.acceptanceOverTime.series.find((s) => s.rule === key)!.points;
    const leftover = series("debug/leftover");
    expect(leftover.map((p) => Number(p!.toFixed(3)))).toEqual([2.5 / 11, 2.5 / 12, 2.5 / 13, 2.5 / 14].map((v) => Number(v.toFixed(3))));
    expect(series("style/long-line").slice(0, 3)).toEqual([null, null, null]);
    expect(series("style/long-line")[3]).toBeCloseTo(8 / 13, 3);
    // Most evidence first.
    expect(view.acceptanceOverTime.series[0]!.rule).toBe("secrets/hardcoded");
  });

  it("a committed learnings file's override is applied and marked; a broken file is reported, not applied", async () => {
    const { prisma, a } = await seed();
    const file = ["version: 1", "rules:", "  debug/leftover:", "    suppress: false"].join("\n");
    const view = await readLearning(prisma, { repositoryId: a.id, config: CONFIG, now: NOW, backends: ["claude"], learningsFileText: file });
    const leftover = view.rules.find((r) => r.key === "debug/leftover")!;
    expect(leftover).toMatchObject({ state: "kept", overridden: true });
    const broken = await readLearning(prisma, { repositoryId: a.id, config: CONFIG, now: NOW, backends: ["claude"], learningsFileText: file.replace("version: 1", "version: 2") });
    expect(broken.problems.length).toBeGreaterThan(0);
    expect(broken.rules.find((r) => r.key === "debug/leftover")!.state).toBe("suppressed");
  });

  it("with no feedback and no runs: empty tables, 30 empty days, routing keeps the configured order", async () => {
    const db = await createTestDatabase();
    cleanups.push(() => db.close());
    const repo = await db.prisma.repository.create({ data: { githubId: 3n, owner: "o", name: "c", installationId: 7n } });
    const view = await readLearning(db.prisma, { repositoryId: repo.id, config: CONFIG, now: NOW, backends: ["claude"] });
    expect(view.rules).toEqual([]);
    expect(view.acceptanceOverTime.series).toEqual([]);
    expect(view.routingSampled).toBe(false);
    expect(view.runsPerDay.every((d) => Object.values(d.counts).every((c) => c === 0))).toBe(true);
  });
});
