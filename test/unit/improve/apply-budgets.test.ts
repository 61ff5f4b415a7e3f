import { describe, expect, it } from "vitest";
import { selectImprovements, type ImprovementState } from "../../../src/improve/apply-budgets.ts";
import { createImprovement } from "../../../src/improve/create-improvement.ts";
import { ImprovementBudgets } from "../../../src/improve/improvement-budgets.ts";
import type { Improvement, ImprovementType } from "../../../src/improve/improvement.ts";

const make = (type: ImprovementType, target: string): Improvement =>
  createImprovement({ type, target, title: `${type} ${target}`, rationale: "r", priority: 3, impact: 0.5, task: "t", files: [target] });

const A = make("tests", "src/a.ts");
const B = make("docs", "src/b.ts");
const C = make("fix", "rule");
const D = make("refactor", "src/d.ts");
const ALL = [A, B, C, D];

const state = (extra: Partial<ImprovementState> = {}): ImprovementState => ({
  openImprovementPrs: 0,
  createdLastHour: 0,
  closedUnmergedFingerprints: new Set(),
  existingFingerprints: new Set(),
  ...extra,
});
const budgets = (extra: Record<string, unknown> = {}): ImprovementBudgets => ImprovementBudgets.parse({ enabled: true, ...extra });
const names = (items: Improvement[]) => items.map((i) => i.title);

describe("ImprovementBudgets", () => {
  it("is off by default, all types, 2 open, 2 per hour, approval on, 5 listed", () => {
    expect(ImprovementBudgets.parse({})).toEqual({ enabled: false, types: ["fix", "tests", "docs", "refactor"], maxOpen: 2, perHour: 2, approval: true, maxListed: 5 });
  });
  it("rejects unknown keys, types and negative limits with their paths", () => {
    const r = ImprovementBudgets.safeParse({ enabled: "yes", types: ["tests", "style"], maxOpen: -1, perHour: 1.5, extra: 1 });
    expect(r.success).toBe(false);
    const paths = r.error!.issues.map((i) => i.path.join("."));
    expect(paths).toEqual(expect.arrayContaining(["enabled", "types.1", "maxOpen", "perHour", ""]));
  });
});

describe("selectImprovements", () => {
  const table: Array<{ name: string; budgets: Record<string, unknown>; state?: Partial<ImprovementState>; stage?: "propose" | "start"; selected: Improvement[]; skipped: Array<[Improvement, string]> }> = [
    {
      name: "disabled: nothing goes ahead",
      budgets: { enabled: false },
      selected: [],
      skipped: ALL.map((i) => [i, "disabled"]),
    },
    {
      name: "approval: the best maxListed are listed, the PR limits wait for the ticks",
      budgets: { maxListed: 3 },
      state: { openImprovementPrs: 5, createdLastHour: 5 },
      selected: [A, B, C],
      skipped: [[D, "max-listed"]],
    },
    {
      name: "no approval: maxOpen counts the open PRs and the ones selected now",
      budgets: { approval: false, maxOpen: 3, perHour: 10 },
      state: { openImprovementPrs: 1 },
      selected: [A, B],
      skipped: [
        [C, "max-open"],
        [D, "max-open"],
      ],
    },
    {
      name: "no approval: perHour counts the PRs created in the last hour",
      budgets: { approval: false, maxOpen: 10, perHour: 2 },
      state: { createdLastHour: 1 },
      selected: [A],
      skipped: [
        [B, "per-hour"],
        [C, "per-hour"],
        [D, "per-hour"],
      ],
    },
    {
      name: "no approval: a limit of 0 starts nothing",
      budgets: { approval: false, maxOpen: 0 },
      selected: [],
      skipped: ALL.map((i) => [i, "max-open"]),
    },
    {
      name: "type filter",
      budgets: { types: ["tests", "fix"] },
      selected: [A, C],
      skipped: [
        [B, "type"],
        [D, "type"],
      ],
    },
    {
      name: "closed unmerged: never again, before any budget",
      budgets: { approval: false, maxOpen: 1 },
      state: { closedUnmergedFingerprints: new Set([A.fingerprint]) },
      selected: [B],
      skipped: [
        [A, "closed-unmerged"],
        [C, "max-open"],
        [D, "max-open"],
      ],
    },
    {
      name: "already proposed (any status) and duplicates are not proposed twice",
      budgets: {},
      state: { existingFingerprints: new Set([B.fingerprint]) },
      selected: [A, C, D],
      skipped: [[B, "already-proposed"]],
    },
    {
      name: "start: ticked (already proposed) improvements start within maxOpen",
      budgets: { maxOpen: 2 },
      state: { existingFingerprints: new Set(ALL.map((i) => i.fingerprint)), openImprovementPrs: 1, startedFingerprints: new Set([B.fingerprint]) },
      stage: "start",
      selected: [A],
      skipped: [
        [B, "already-started"],
        [C, "max-open"],
        [D, "max-open"],
      ],
    },
    {
      name: "start: closed unmerged is never started, even when ticked",
      budgets: {},
      state: { closedUnmergedFingerprints: new Set([C.fingerprint]) },
      stage: "start",
      selected: [A, B],
      skipped: [
        [C, "closed-unmerged"],
        [D, "max-open"],
      ],
    },
  ];

  for (const row of table) {
    it(row.name, () => {
      const out = selectImprovements(ALL, state(row.state), budgets(row.budgets), row.stage);
      expect(names(out.selected)).toEqual(names(row.selected));
      expect(out.skipped.map((s) => [s.improvement.title, s.code])).toEqual(row.skipped.map(([i, code]) => [i.title, code]));
      expect(out.skipped.every((s) => s.reason.length > 0)).toBe(true);
    });
  }

  it("a fingerprint listed twice goes ahead once", () => {
    const out = selectImprovements([A, { ...A, title: "again" }, B], state(), budgets());
    expect(names(out.selected)).toEqual([A.title, B.title]);
    expect(out.skipped.map((s) => [s.improvement.title, s.code])).toEqual([["again", "duplicate"]]);
  });

  it("reasons name the setting to change", () => {
    const out = selectImprovements([A, B], state({ openImprovementPrs: 2 }), budgets({ approval: false, types: ["tests"] }));
    expect(out.skipped.map((s) => s.reason)).toEqual([
      "2 improvement pull requests are open, the limit is 2 (improvements.maxOpen)",
      'improvements of type "docs" are not enabled (improvements.types: tests)',
    ]);
    expect(out.selected).toEqual([]);
    const hourly = selectImprovements([A], state({ createdLastHour: 1 }), budgets({ approval: false, perHour: 1 }));
    expect(hourly.skipped[0]!.reason).toBe("1 improvement pull request was created in the last hour, the limit is 1 (improvements.perHour)");
  });

  it("treats negative or non-finite counts as zero", () => {
    const out = selectImprovements([A], state({ openImprovementPrs: -3, createdLastHour: Number.NaN }), budgets({ approval: false, maxOpen: 1, perHour: 1 }));
    expect(names(out.selected)).toEqual([A.title]);
  });
});
