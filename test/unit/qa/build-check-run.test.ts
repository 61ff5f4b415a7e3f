import { describe, expect, it } from "vitest";
import { buildCheckRunOutput, chunk, type CommandRun } from "../../../src/qa/build-check-run.ts";
import { parseFindingMarkers } from "../../../src/qa/build-review.ts";
import type { Finding, Severity } from "../../../src/qa/finding.ts";
import { fingerprint } from "../../../src/util/fingerprint.ts";

const finding = (severity: Severity, over: Partial<Finding> = {}): Finding => ({
  ruleId: `test/${severity}`,
  source: "analyzer",
  severity,
  confidence: 0.9,
  title: `A ${severity} finding`,
  message: `Details of the ${severity} finding.`,
  fingerprint: fingerprint(severity, JSON.stringify(over)),
  ...over,
});
const commands: CommandRun[] = [
  { name: "test", command: ["npm", "test"], exitCode: 0, timedOut: false, durationMs: 3200 },
  { name: "lint", command: ["npm", "run", "lint"], exitCode: 2, timedOut: false, durationMs: 450 },
  { name: "e2e", command: ["npx", "playwright", "test", "--grep", "a|b"], exitCode: null, timedOut: true, durationMs: 125_000 },
  { name: "build", command: ["make"], exitCode: null, timedOut: false, durationMs: 10 },
];

describe("buildCheckRunOutput: conclusion and title", () => {
  it("fails when a finding reaches failOn", () => {
    const out = buildCheckRunOutput([finding("high"), finding("low")], { failOn: "high", commands: [] });
    expect(out.conclusion).toBe("failure");
    expect(out.title).toBe("1 finding at or above high (2 in total)");
    const critical = buildCheckRunOutput([finding("critical")], { failOn: "high", commands: [] });
    expect(critical.conclusion).toBe("failure");
  });

  it("succeeds when every finding is below failOn, and when there are none", () => {
    const out = buildCheckRunOutput([finding("medium"), finding("info")], { failOn: "high", commands });
    expect(out.conclusion).toBe("success");
    expect(out.title).toBe("2 findings, none at or above high");
    const none = buildCheckRunOutput([], { failOn: "low", commands: [] });
    expect(none).toMatchObject({ conclusion: "success", title: "No findings", annotations: [] });
    expect(none.summary).toContain("No findings.");
    expect(none.summary).toContain("No QA commands ran.");
  });

  it("is neutral when QA could not complete, unless a finding already fails the check", () => {
    const neutral = buildCheckRunOutput([finding("low")], { failOn: "high", commands: [], qaError: "Redis connection lost\nat phase qa" });
    expect(neutral.conclusion).toBe("neutral");
    expect(neutral.title).toBe("QA could not complete: Redis connection lost at phase qa");
    expect(neutral.summary).toContain("> **QA error:** Redis connection lost\n> at phase qa");
    const failing = buildCheckRunOutput([finding("critical")], { failOn: "high", commands: [], qaError: "partial" });
    expect(failing.conclusion).toBe("failure");
  });

  it("treats failOn as inclusive at every level", () => {
    expect(buildCheckRunOutput([finding("info")], { failOn: "info", commands: [] }).conclusion).toBe("failure");
    expect(buildCheckRunOutput([finding("high")], { failOn: "critical", commands: [] }).conclusion).toBe("success");
  });

  it("rejects an unknown failOn with a clear error", () => {
    expect(() => buildCheckRunOutput([], { failOn: "severe" as Severity, commands: [] })).toThrow(
      /failOn must be one of info, low, medium, high, critical, got "severe"/,
    );
  });
});

describe("buildCheckRunOutput: summary, text and annotations", () => {
  it("summarizes findings by severity and the commands that ran", () => {
    const out = buildCheckRunOutput([finding("critical"), finding("medium"), finding("medium", { title: "other" })], {
      failOn: "high",
      commands,
    });
    expect(out.summary).toContain("| 🔴 Critical | 1 |");
    expect(out.summary).toContain("| 🟡 Medium | 2 |");
    expect(out.summary).toContain("| **Total** | **3** |");
    expect(out.summary).not.toContain("| 🟠 High");
    expect(out.summary).toContain("| `test` (`npm test`) | ✅ passed | 3.2 s |");
    expect(out.summary).toContain("| `lint` (`npm run lint`) | ❌ exit 2 | 450 ms |");
    expect(out.summary).toContain("| `e2e` (`npx playwright test --grep 'a\\|b'`) | ⏱️ timed out | 2 min 05 s |");
    expect(out.summary).toContain("| `build` (`make`) | ❌ killed | 10 ms |");
  });

  it("makes one annotation per finding with a path, mapping severity to level", () => {
    const out = buildCheckRunOutput(
      [
        finding("critical", { path: "a.ts", line: 3 }),
        finding("high", { path: "b.ts", line: 5, endLine: 9 }),
        finding("medium", { path: "c.ts" }),
        finding("low", { path: "d.ts", line: 1 }),
        finding("info", { path: "e.ts", line: 2, endLine: 1 }),
        finding("high"),
      ],
      { failOn: "critical", commands: [] },
    );
    expect(out.annotations.map((a) => [a.path, a.start_line, a.end_line, a.annotation_level])).toEqual([
      ["a.ts", 3, 3, "failure"],
      ["b.ts", 5, 9, "failure"],
      ["c.ts", 1, 1, "warning"],
      ["d.ts", 1, 1, "notice"],
      ["e.ts", 2, 2, "notice"],
    ]);
    for (const a of out.annotations) {
      expect(parseFindingMarkers(a.raw_details ?? "")).toHaveLength(1);
      expect(a.title).toMatch(/^\[test\/\w+\] /);
    }
    expect(parseFindingMarkers(out.text)).toHaveLength(6);
  });

  it("redacts secrets everywhere", () => {
    const token = ["gh", "p_", "aB3dE5fG7hJ9kL2mN4pQ6rS8tU0vW1xYaB3d"].join("");
    const out = buildCheckRunOutput([finding("high", { path: "a.ts", line: 1, title: `t ${token}`, message: `m ${token}` })], {
      failOn: "high",
      commands: [],
      qaError: `push failed for ${token}`,
    });
    expect(JSON.stringify(out)).not.toContain(token);
    expect(JSON.stringify(out)).toContain("ghp_****");
  });
});

describe("chunk", () => {
  it("splits into batches of 50 by default", () => {
    const items = Array.from({ length: 120 }, (_, i) => i);
    expect(chunk(items).map((c) => c.length)).toEqual([50, 50, 20]);
    expect(chunk(items, 60).map((c) => c.length)).toEqual([60, 60]);
    expect(chunk([])).toEqual([]);
    expect(chunk(items).flat()).toEqual(items);
  });

  it("rejects a size below 1", () => {
    expect(() => chunk([1], 0)).toThrow(/size must be a positive integer, got 0/);
  });
});
