import { describe, expect, it } from "vitest";
import { applyOverrides } from "../../../src/learner/apply-overrides.ts";
import { suppressedRules } from "../../../src/learner/decide-suppression.ts";
import { estimateAcceptance, type AcceptanceTable } from "../../../src/learner/estimate-acceptance.ts";
import { exportLearningsFile } from "../../../src/learner/export-learnings-file.ts";
import type { LearnerEvent } from "../../../src/learner/learner-event.ts";
import { LearningsFile, parseLearningsFile } from "../../../src/learner/learnings-file.ts";
import { renderLearningsTable } from "../../../src/learner/render-learnings-table.ts";

const now = new Date("2025-06-01T00:00:00Z");
const many = (scope: LearnerEvent["scope"], key: string, accept: number, reject: number, repositoryId = 1): LearnerEvent[] => [
  ...Array.from({ length: accept }, () => ({ scope, key, repositoryId, outcome: "accept" as const, at: now })),
  ...Array.from({ length: reject }, () => ({ scope, key, repositoryId, outcome: "reject" as const, at: now })),
];

const table: AcceptanceTable = estimateAcceptance(
  [
    ...many("rule", "debug/leftover", 1, 30),
    ...many("rule", "tests/missing", 12, 3),
    ...many("rule", "secrets/hardcoded", 0, 40),
    ...many("rule", "sarif/semgrep/python.lang.security: weird id", 2, 2),
    ...many("improvement", "docs", 4, 1),
    ...many("backend", "codex:change", 7, 3),
    ...many("rule", "debug/leftover", 9, 0, 2),
  ],
  { now },
);

describe("parseLearningsFile", () => {
  it("accepts a valid file", () => {
    const result = parseLearningsFile(
      [
        "version: 1",
        "rules:",
        "  debug/leftover: { suppress: true }",
        "  tests/missing:",
        "    acceptance: 0.8",
        "improvements:",
        "  docs: { disabled: true }",
        "backends:",
        "  claude-code:change: { acceptance: 0.7 }",
      ].join("\n"),
    );
    expect(result).toEqual({
      ok: true,
      file: {
        version: 1,
        rules: { "debug/leftover": { suppress: true }, "tests/missing": { acceptance: 0.8 } },
        improvements: { docs: { disabled: true } },
        backends: { "claude-code:change": { acceptance: 0.7 } },
      },
    });
  });

  const bad: Array<{ name: string; text: string; problems: string[] }> = [
    { name: "a missing version", text: "rules: {}", problems: ["version: version must be 1"] },
    { name: "an empty file", text: "", problems: ["version: version must be 1"] },
    {
      name: "an acceptance out of range",
      text: "version: 1\nrules:\n  debug/leftover:\n    acceptance: 1.2",
      problems: ["rules.debug/leftover.acceptance: acceptance must be between 0 and 1"],
    },
    {
      name: "a misspelled setting",
      text: "version: 1\nimprovements:\n  docs:\n    disable: true",
      problems: ['improvements.docs: Unrecognized key: "disable"'],
    },
    {
      name: "a wrong type",
      text: "version: 1\nrules:\n  tests/missing:\n    suppress: yes please",
      problems: ["rules.tests/missing.suppress: Invalid input: expected boolean, received string"],
    },
    {
      name: "an entry without settings",
      text: "version: 1\nrules:\n  tests/missing:",
      problems: ['rules.tests/missing: Invalid input: expected object, received null (each entry is a mapping of settings, like "acceptance: 0.5")'],
    },
    {
      name: "a backend key without a task type",
      text: "version: 1\nbackends:\n  codex: { acceptance: 0.5 }",
      problems: ['backends.codex: a backend entry is "<backend>:<taskType>", like claude-code:change'],
    },
    {
      name: "suppressing a safety rule",
      text: "version: 1\nrules:\n  secrets/hardcoded: { suppress: true }",
      problems: ["rules.secrets/hardcoded.suppress: secrets/hardcoded is a safety rule and cannot be suppressed"],
    },
    { name: "an unknown section", text: "version: 1\nrule: {}", problems: ['(root): Unrecognized key: "rule"'] },
    { name: "a YAML syntax error", text: "version: 1\nrules: [", problems: [expect.stringMatching(/^line 2, column \d+: /) as unknown as string] },
    { name: "a duplicate key", text: "version: 1\nversion: 1", problems: [expect.stringMatching(/^line 2, column 1: Map keys must be unique/) as unknown as string] },
  ];
  for (const c of bad) {
    it(`reports ${c.name} with its path`, () => {
      expect(parseLearningsFile(c.text)).toEqual({ ok: false, problems: c.problems });
    });
  }

  it("reports every problem at once", () => {
    const result = parseLearningsFile("version: 2\nrules:\n  a/b: { acceptance: -1 }\nbackends:\n  x: {}");
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems).toHaveLength(3);
  });
});

describe("applyOverrides", () => {
  it("replaces the estimate of named entries in that repository and keeps what was learned", () => {
    const applied = applyOverrides(table, { version: 1, rules: { "tests/missing": { acceptance: 0.1 } }, backends: { "codex:change": { acceptance: 0.3 } } }, 1);
    const tests = applied.find((e) => e.key === "tests/missing");
    const before = table.find((e) => e.key === "tests/missing");
    expect(tests).toMatchObject({ mean: 0.1, lower: 0.1, upper: 0.1, evidence: before?.evidence });
    expect(tests?.override).toEqual({ acceptance: 0.1, learned: { mean: before?.mean, lower: before?.lower, upper: before?.upper } });
    expect(applied.find((e) => e.key === "codex:change")?.mean).toBe(0.3);
    // the input is untouched, and so is repository 2
    expect(table.find((e) => e.key === "tests/missing")?.override).toBeUndefined();
    expect(applied.find((e) => e.repositoryId === 2)).toEqual(table.find((e) => e.repositoryId === 2));
  });

  it("makes suppressedRules honour suppress: true and false over the estimate", () => {
    expect([...suppressedRules(table, 1)]).toEqual(["debug/leftover"]);
    const applied = applyOverrides(table, { version: 1, rules: { "debug/leftover": { suppress: false }, "tests/missing": { suppress: true } } }, 1);
    expect([...suppressedRules(applied, 1)]).toEqual(["tests/missing"]);
  });

  it("adds entries the file names but nobody has feedback on", () => {
    const applied = applyOverrides(table, { version: 1, rules: { "io/unhandled": { suppress: true } }, improvements: { "add-tests": { disabled: true } } }, 1);
    expect(applied.find((e) => e.key === "io/unhandled")).toMatchObject({ scope: "rule", repositoryId: 1, evidence: 0, mean: 0.5, override: { suppress: true } });
    expect(suppressedRules(applied, 1).has("io/unhandled")).toBe(true);
    expect(applied.find((e) => e.key === "add-tests")?.override?.disabled).toBe(true);
    expect(applied.length).toBe(table.length + 2);
  });

  it("replaces earlier overrides when applied again", () => {
    const once = applyOverrides(table, { version: 1, rules: { "tests/missing": { acceptance: 0.1 } } }, 1);
    const twice = applyOverrides(once, { version: 1 }, 1);
    expect(twice).toEqual(table);
  });
});

describe("exportLearningsFile", () => {
  it("pins only suppressions and explicit overrides; the rest is informational (commented), so learning goes on", () => {
    const text = exportLearningsFile(table, 1, { exportedAt: now });
    expect(text.startsWith("# Moderator's learnings for this repository, exported 2025-06-01T00:00:00.000Z from maintainers' feedback.\n")).toBe(true);
    expect(text).toContain("# Edits override what was learned");
    expect(text).toContain("  # 1.0 accepted, 30.0 rejected;");
    const parsed = parseLearningsFile(text);
    if (!parsed.ok) throw new Error(parsed.problems.join("\n"));
    const file = parsed.file;
    // debug/leftover is suppressed: pinned. Nothing else was decided by a maintainer: nothing else is pinned.
    expect(file).toEqual({ version: 1, rules: { "debug/leftover": { suppress: true } } });
    expect(LearningsFile.safeParse(file).success).toBe(true);
    // What is not pinned is still there to read, as comments a maintainer can uncomment.
    const mean = (key: string) => Math.round((table.find((e) => e.repositoryId === 1 && e.key === key)?.mean ?? Number.NaN) * 1000) / 1000;
    expect(text).toContain("# Informational: what Moderator learned and keeps learning (not pinned).");
    expect(text).toContain(`#   tests/missing: { acceptance: ${mean("tests/missing")} }`);
    expect(text).toContain(`#   docs: { acceptance: ${mean("docs")} }`);
    expect(text).toContain(`#   codex:change: { acceptance: ${mean("codex:change")} }`);
    // Merging the file keeps the decisions in force and freezes nothing else.
    const applied = applyOverrides(table, file, 1);
    expect(suppressedRules(applied, 1)).toEqual(suppressedRules(table, 1));
    expect(applied.filter((e) => e.repositoryId === 1 && e.override).map((e) => e.key)).toEqual(["debug/leftover"]);
    // exporting the applied table gives the same pins back
    expect(parseLearningsFile(exportLearningsFile(applied, 1))).toEqual(parsed);
  });

  it("pins a maintainer's explicit overrides as they were written", () => {
    const applied = applyOverrides(table, { version: 1, rules: { "tests/missing": { acceptance: 0.8 }, "debug/leftover": { suppress: false } }, backends: { "codex:change": { acceptance: 0.9 } } }, 1);
    const parsed = parseLearningsFile(exportLearningsFile(applied, 1));
    expect(parsed.ok && parsed.file).toEqual({
      version: 1,
      rules: { "debug/leftover": { suppress: false }, "tests/missing": { acceptance: 0.8 } },
      backends: { "codex:change": { acceptance: 0.9 } },
    });
  });

  it("keeps overrides such as disabled in the export", () => {
    const applied = applyOverrides(table, { version: 1, improvements: { docs: { disabled: true } } }, 1);
    const parsed = parseLearningsFile(exportLearningsFile(applied, 1));
    expect(parsed.ok && parsed.file.improvements?.["docs"]?.disabled).toBe(true);
  });

  it("writes a valid file when nothing was learned, and leaves out keys the file cannot hold", () => {
    expect(parseLearningsFile(exportLearningsFile([], 5))).toEqual({ ok: true, file: { version: 1 } });
    const odd = estimateAcceptance([...many("backend", "no-task-type", 1, 0), ...many("rule", "ok/rule", 1, 0)], { now });
    const text = exportLearningsFile(odd, 1);
    expect(text).toContain('# Left out (not valid keys in this file): "no-task-type"');
    expect(parseLearningsFile(text)).toEqual({ ok: true, file: { version: 1 } });
    expect(text).toContain("#   ok/rule: { acceptance: ");
  });
});

describe("renderLearningsTable", () => {
  it("renders one table per scope with counts, estimates, bounds and marks", () => {
    const md = renderLearningsTable(table, 1, { version: 1, rules: { "tests/missing": { acceptance: 0.9 } }, improvements: { docs: { disabled: true } } });
    const debug = table.find((e) => e.repositoryId === 1 && e.key === "debug/leftover");
    const pct = (v: number | undefined) => `${Math.round((v ?? Number.NaN) * 100)}%`;
    const tests = table.find((e) => e.repositoryId === 1 && e.key === "tests/missing");
    expect(md).toContain("### Moderator · What it learned in this repository");
    expect(md).toContain("#### Review rules");
    expect(md).toContain(`| \`debug/leftover\` | 1.0 | 30.0 | ${pct(debug?.mean)} | ${pct(debug?.lower)}–${pct(debug?.upper)} | ${pct(debug?.installationRate)} | 🔇 suppressed |`);
    expect(md).toContain(`| \`tests/missing\` | 12.0 | 3.0 | 90% ✏️ (learned ${pct(tests?.mean)}) | learned ${pct(tests?.lower)}–${pct(tests?.upper)} |`);
    expect(md).toContain("| `secrets/hardcoded` | 0.0 | 40.0 |");
    expect(md).toContain("🛡️ safety rule, never suppressed |");
    expect(md).toContain("#### Improvement types");
    expect(md).toMatch(/\| `docs` \| 4\.0 \| 1\.0 \| .* \| ⛔ disabled ✏️ \|/);
    expect(md).toContain("#### Backends");
    expect(md).toContain("| `codex · change` | 7.0 | 3.0 |");
    expect(md).toContain("`.github/moderator-learnings.yml`");
    // repository 2's feedback is not shown
    expect(md).not.toContain("9.0");
  });

  it("says so when nothing was learned", () => {
    expect(renderLearningsTable(table, 99)).toContain("Nothing learned yet");
  });

  it("cannot be broken by a key with a pipe or a backtick", () => {
    const odd = estimateAcceptance(many("rule", "a|b`c", 1, 0), { now });
    expect(renderLearningsTable(odd, 1)).toContain("| `a'b'c` |");
  });
});
