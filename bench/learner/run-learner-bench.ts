/**
 * Learner bench: simulated maintainers with hidden preferences react to a few hundred simulated runs, and the
 * Learner (src/learner) decides what to post, which improvement to propose and which backend to route to. It
 * prints how fast the share of rejected findings falls, how many wanted findings suppression loses, how good the
 * proposed improvements are, and the routing regret of Thompson sampling against the best backend in hindsight and
 * against a uniform random choice. Seeded and reproducible; it prints, it never asserts.
 *
 *   npm run build && node dist/bench/learner/run-learner-bench.js [--seeds 5] [--first-seed 1] [--runs 400]
 *     [--window 50] [--hours-per-run 12] [--half-life 90] [--max-upper 0.2] [--min-evidence 3] [--flip 0.1] [--show-table] [--json]
 *
 * The world (bench/learner/README.md): two repositories; 12 review rules with hidden acceptance probabilities
 * (the repositories disagree on one); 5 improvement types with hidden merge probabilities; 3 backends with hidden
 * merge rates on 2 task types. Maintainers react to 70% of posted findings; 10% of their reactions are flipped
 * (noise); outsiders without write access react at random (the Learner must ignore them). Feedback accumulates
 * with simulated time and decays.
 */
import { SAFETY_RULES, suppressedRules } from "../../src/learner/decide-suppression.ts";
import { estimateAcceptance, type AcceptanceTable } from "../../src/learner/estimate-acceptance.ts";
import { LearnerConfig } from "../../src/learner/learner-config.ts";
import { feedbackToEvents, type FeedbackRow, type LearnerEvent } from "../../src/learner/learner-event.ts";
import { renderLearningsTable } from "../../src/learner/render-learnings-table.ts";
import { rankImprovements } from "../../src/learner/rank-improvements.ts";
import { createRng, thompsonScores, type Rng } from "../../src/learner/thompson-route.ts";

interface Options {
  seeds: number;
  firstSeed: number;
  runs: number;
  window: number;
  hoursPerRun: number;
  halfLifeDays: number;
  maxUpper: number;
  minEvidence: number;
  flip: number;
  showTable: boolean;
  json: boolean;
}

const REPOSITORIES = [1, 2] as const;

/** Hidden acceptance probability of each rule's findings, per repository, and how often the rule fires per run. */
const RULES: ReadonlyArray<{ id: string; accept: Record<number, number>; fires: number }> = [
  { id: "secrets/hardcoded", accept: { 1: 0.9, 2: 0.9 }, fires: 0.05 },
  { id: "conflict/markers", accept: { 1: 0.95, 2: 0.95 }, fires: 0.03 },
  { id: "tests/missing", accept: { 1: 0.6, 2: 0.55 }, fires: 0.4 },
  { id: "tests/weakened", accept: { 1: 0.8, 2: 0.8 }, fires: 0.1 },
  { id: "deps/undeclared", accept: { 1: 0.85, 2: 0.9 }, fires: 0.12 },
  { id: "deps/lockfile-mismatch", accept: { 1: 0.7, 2: 0.7 }, fires: 0.1 },
  { id: "io/unhandled", accept: { 1: 0.35, 2: 0.4 }, fires: 0.3 },
  { id: "debug/leftover", accept: { 1: 0.05, 2: 0.65 }, fires: 0.35 },
  { id: "files/generated-edited", accept: { 1: 0.05, 2: 0.05 }, fires: 0.2 },
  { id: "files/large-or-binary", accept: { 1: 0.1, 2: 0.08 }, fires: 0.1 },
  { id: "style/naming", accept: { 1: 0.03, 2: 0.05 }, fires: 0.4 },
  { id: "llm/nitpick", accept: { 1: 0.05, 2: 0.03 }, fires: 0.45 },
];

/** An oracle that knew the hidden preferences would suppress rules below this acceptance. */
const UNWANTED = 0.2;

/** A rule the maintainers mostly want (hidden acceptance at least this) must never be suppressed. */
const WANTED = 0.3;

const IMPROVEMENTS: ReadonlyArray<{ type: string; merge: number }> = [
  { type: "docs", merge: 0.7 },
  { type: "tests", merge: 0.6 },
  { type: "deps-bump", merge: 0.45 },
  { type: "refactor", merge: 0.25 },
  { type: "perf", merge: 0.1 },
];

const TASK_TYPES = ["change", "docs"] as const;
const BACKENDS = ["claude-code", "codex", "aider"] as const;
const MERGE_RATE: Record<(typeof TASK_TYPES)[number], Record<(typeof BACKENDS)[number], number>> = {
  change: { "claude-code": 0.65, codex: 0.55, aider: 0.35 },
  docs: { "claude-code": 0.5, codex: 0.7, aider: 0.6 },
};

const RESPOND = 0.7;
const OUTSIDER = 0.15;

interface WindowStats {
  posted: number;
  rejected: number;
  /** The same firings with nothing suppressed. */
  fired: number;
  firedRejected: number;
  /** The same firings with exactly the unwanted rules (hidden acceptance < UNWANTED, safety rules aside) suppressed. */
  oraclePosted: number;
  oracleRejected: number;
  improvementChosen: number;
  improvementRandom: number;
  improvementOracle: number;
  proposals: number;
}

interface SeedResult {
  seed: number;
  windows: WindowStats[];
  suppressedFindings: number;
  /** Suppressed findings the maintainer would have accepted (hidden preference, before noise). */
  lostAccepted: number;
  /** Of those, findings of rules the maintainers mostly want (hidden acceptance >= WANTED). */
  lostWanted: number;
  /** Every finding the maintainers would have accepted, posted or not. */
  wantedTotal: number;
  finalSuppressed: Record<number, string[]>;
  regretThompson: number;
  regretUniform: number;
  bestPickShare: number;
  regretByWindow: number[];
  ignoredOutsiderRows: number;
  /** What was learned at the end (left out of --json). */
  finalTable: AcceptanceTable;
}

function main(): void {
  const opts = parseArgs(process.argv.slice(2));
  const results: SeedResult[] = [];
  for (let i = 0; i < opts.seeds; i++) results.push(simulate(opts.firstSeed + i, opts));
  if (opts.json) {
    const plain = results.map(({ finalTable: _table, ...rest }) => rest);
    process.stdout.write(`${JSON.stringify({ options: opts, results: plain }, null, 2)}\n`);
    return;
  }
  report(results, opts);
}

function simulate(seed: number, opts: Options): SeedResult {
  const rng = createRng(seed);
  const decide = createRng(seed ^ 0x5bd1e995);
  const config = LearnerConfig.parse({ halfLifeDays: opts.halfLifeDays, suppression: { maxUpper: opts.maxUpper, minEvidence: opts.minEvidence } });
  const start = Date.UTC(2025, 0, 1);
  const events: LearnerEvent[] = [];
  const windows: WindowStats[] = [];
  const regretByWindow: number[] = [];
  let suppressedFindings = 0;
  let lostAccepted = 0;
  let lostWanted = 0;
  let wantedTotal = 0;
  let regretThompson = 0;
  let regretUniform = 0;
  let bestPicks = 0;
  let ignoredOutsiderRows = 0;
  let table: AcceptanceTable = [];

  for (let run = 0; run < opts.runs; run++) {
    const now = new Date(start + run * opts.hoursPerRun * 3_600_000);
    const repositoryId = REPOSITORIES[run % REPOSITORIES.length] ?? 1;
    table = estimateAcceptance(events, { now, ...config });
    const w = Math.floor(run / opts.window);
    const win = (windows[w] ??= { posted: 0, rejected: 0, fired: 0, firedRejected: 0, oraclePosted: 0, oracleRejected: 0, improvementChosen: 0, improvementRandom: 0, improvementOracle: 0, proposals: 0 });
    regretByWindow[w] ??= 0;
    const rows: FeedbackRow[] = [];

    // 1. Findings: each rule fires or not; suppressed rules are not posted.
    const suppressed = suppressedRules(table, repositoryId, config.suppression);
    for (const rule of RULES) {
      if (rng() >= rule.fires) continue;
      const p = rule.accept[repositoryId] ?? 0;
      const wanted = rng() < p;
      win.fired += 1;
      if (!wanted) win.firedRejected += 1;
      if (wanted) wantedTotal += 1;
      if (p >= UNWANTED || SAFETY_RULES.includes(rule.id)) {
        win.oraclePosted += 1;
        if (!wanted) win.oracleRejected += 1;
      }
      if (suppressed.has(rule.id)) {
        suppressedFindings += 1;
        if (wanted) {
          lostAccepted += 1;
          if (p >= WANTED) lostWanted += 1;
        }
        continue;
      }
      win.posted += 1;
      if (!wanted) win.rejected += 1;
      if (rng() < RESPOND) {
        const says = rng() < opts.flip ? !wanted : wanted;
        rows.push({ kind: reactionKind(says, rng), at: now, repositoryId, actorCanWrite: true, ruleId: rule.id });
      }
      if (rng() < OUTSIDER) {
        rows.push({ kind: rng() < 0.5 ? "reaction_up" : "reaction_down", at: now, repositoryId, actorCanWrite: false, ruleId: rule.id });
        ignoredOutsiderRows += 1;
      }
    }

    // 2. Improvements: three candidates, the Learner proposes the best ranked one.
    const candidates = Array.from({ length: 3 }, (_, i) => {
      const kind = IMPROVEMENTS[Math.floor(rng() * IMPROVEMENTS.length)] ?? IMPROVEMENTS[0];
      return { fingerprint: `${run}-${i}`, type: kind?.type ?? "docs", impact: 0.2 + 0.8 * rng(), priority: 0 };
    });
    const ranked = rankImprovements(candidates, table, repositoryId, config);
    const chosen = ranked[0];
    if (chosen) {
      const merge = mergeOf(chosen.type);
      win.proposals += 1;
      win.improvementChosen += merge;
      win.improvementRandom += candidates.reduce((s, c) => s + mergeOf(c.type), 0) / candidates.length;
      win.improvementOracle += Math.max(...candidates.map((c) => mergeOf(c.type)));
      rows.push({ kind: rng() < merge ? "merged" : "closed_unmerged", at: now, repositoryId, actorCanWrite: true, improvementType: chosen.type });
    }

    // 3. Routing: Thompson sampling over the backends for this run's task type.
    const taskType = TASK_TYPES[Math.floor(rng() * TASK_TYPES.length)] ?? "change";
    const scores = thompsonScores(table, { repositoryId, taskType, backends: BACKENDS, rng: decide, estimate: config });
    const pick = [...scores].sort((x, y) => y[1] - x[1])[0]?.[0] ?? BACKENDS[0];
    const rates = MERGE_RATE[taskType];
    const best = Math.max(...Object.values(rates));
    const rate = rates[pick as (typeof BACKENDS)[number]];
    regretThompson += best - rate;
    regretByWindow[w] = (regretByWindow[w] ?? 0) + (best - rate);
    regretUniform += best - Object.values(rates).reduce((s, r) => s + r, 0) / BACKENDS.length;
    if (rate === best) bestPicks += 1;
    rows.push({ kind: rng() < rate ? "merged" : "closed_unmerged", at: now, repositoryId, actorCanWrite: true, backend: pick, taskType });

    events.push(...feedbackToEvents(rows));
  }

  const finalSuppressed: Record<number, string[]> = {};
  for (const repositoryId of REPOSITORIES) finalSuppressed[repositoryId] = [...suppressedRules(table, repositoryId, config.suppression)].sort();
  return {
    seed,
    windows,
    suppressedFindings,
    lostAccepted,
    lostWanted,
    wantedTotal,
    finalSuppressed,
    regretThompson,
    regretUniform,
    bestPickShare: bestPicks / opts.runs,
    regretByWindow,
    ignoredOutsiderRows,
    finalTable: table,
  };
}

function reactionKind(accept: boolean, rng: Rng): string {
  const r = rng();
  if (accept) return r < 0.6 ? "reaction_up" : "suggestion_applied";
  return r < 0.5 ? "dismissed" : r < 0.8 ? "reaction_down" : "thread_resolved_by_human";
}

function mergeOf(type: string): number {
  return IMPROVEMENTS.find((i) => i.type === type)?.merge ?? 0;
}

function report(results: SeedResult[], opts: Options): void {
  const out: string[] = [];
  const seeds = results.map((r) => r.seed);
  out.push(`Learner bench: ${results.length} seed(s) (${seeds.join(", ")}), ${opts.runs} runs each over ${REPOSITORIES.length} repositories,`);
  out.push(`one run every ${opts.hoursPerRun} h (${((opts.runs * opts.hoursPerRun) / 24).toFixed(0)} days), half-life ${opts.halfLifeDays} days, ${pct(opts.flip)} of reactions flipped,`);
  out.push(`suppression when the upper bound < ${opts.maxUpper} with evidence >= ${opts.minEvidence}. Figures are mean ± sd [min–max] over seeds.`);
  out.push("");
  out.push(`Rejected share of posted findings, per window of ${opts.window} runs, on the same firings: with the learner,`);
  out.push(`with everything posted (no learner), and with an oracle that suppresses exactly the rules accepted < ${pct(UNWANTED)} of the time:`);
  out.push(pad(["runs", "with learner", "everything posted", "oracle", "posted / fired"], [12, 28, 28, 28, 14]));
  const windowCount = Math.max(...results.map((r) => r.windows.length));
  for (let w = 0; w < windowCount; w++) {
    const ws = results.map((r) => r.windows[w]).filter((x): x is WindowStats => x !== undefined);
    const withLearner = ws.map((x) => ratio(x.rejected, x.posted));
    const without = ws.map((x) => ratio(x.firedRejected, x.fired));
    const oracle = ws.map((x) => ratio(x.oracleRejected, x.oraclePosted));
    const posted = ws.map((x) => x.posted);
    const fired = ws.map((x) => x.fired);
    const label = `${w * opts.window + 1}-${Math.min((w + 1) * opts.window, opts.runs)}`;
    out.push(pad([label, spread(withLearner, pct), spread(without, pct), spread(oracle, pct), `${mean(posted).toFixed(0)} / ${mean(fired).toFixed(0)}`], [12, 28, 28, 28, 14]));
  }
  out.push("");
  out.push("Suppression:");
  out.push(`  findings suppressed                          ${spread(results.map((r) => r.suppressedFindings), int)}`);
  out.push(`  of those the maintainer would have accepted  ${spread(results.map((r) => r.lostAccepted), int)}  (share of all wanted findings: ${spread(results.map((r) => ratio(r.lostAccepted, r.wantedTotal)), pct)})`);
  out.push(`  of those from rules maintainers mostly want  ${spread(results.map((r) => r.lostWanted), int)}  (hidden acceptance >= ${WANTED}; should be ~0)`);
  out.push(`  outsider reactions ignored                   ${spread(results.map((r) => r.ignoredOutsiderRows), int)}`);
  for (const repositoryId of REPOSITORIES) {
    const counts = new Map<string, number>();
    for (const r of results) for (const id of r.finalSuppressed[repositoryId] ?? []) counts.set(id, (counts.get(id) ?? 0) + 1);
    const list = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([id, n]) => `${id} (${n}/${results.length})`);
    out.push(`  suppressed at the end in repository ${repositoryId}: ${list.join(", ") || "none"}`);
  }
  out.push("");
  out.push("Improvements (expected merge rate of the proposal, per window):");
  out.push(pad(["runs", "learner", "random candidate", "best candidate"], [12, 28, 28, 28]));
  for (let w = 0; w < windowCount; w++) {
    const ws = results.map((r) => r.windows[w]).filter((x): x is WindowStats => x !== undefined);
    const label = `${w * opts.window + 1}-${Math.min((w + 1) * opts.window, opts.runs)}`;
    out.push(
      pad(
        [
          label,
          spread(ws.map((x) => ratio(x.improvementChosen, x.proposals)), pct),
          spread(ws.map((x) => ratio(x.improvementRandom, x.proposals)), pct),
          spread(ws.map((x) => ratio(x.improvementOracle, x.proposals)), pct),
        ],
        [12, 28, 28, 28],
      ),
    );
  }
  out.push("");
  out.push("Routing (pseudo-regret: sum over runs of best merge rate − chosen backend's merge rate, per task type):");
  out.push(`  Thompson sampling, cumulative  ${spread(results.map((r) => r.regretThompson), (v) => v.toFixed(1))}`);
  out.push(`  uniform random, cumulative     ${spread(results.map((r) => r.regretUniform), (v) => v.toFixed(1))}`);
  out.push(`  runs routed to the best backend ${spread(results.map((r) => r.bestPickShare), pct)}`);
  out.push(`  Thompson regret per window: ${Array.from({ length: windowCount }, (_, w) => mean(results.map((r) => r.regretByWindow[w] ?? 0)).toFixed(1)).join(", ")}`);
  const first = results[0];
  if (opts.showTable && first) {
    for (const repositoryId of REPOSITORIES) {
      out.push("", `What seed ${first.seed} learned in repository ${repositoryId} by the end (renderLearningsTable):`, "");
      out.push(renderLearningsTable(first.finalTable, repositoryId, undefined, { suppression: { maxUpper: opts.maxUpper, minEvidence: opts.minEvidence }, estimate: { halfLifeDays: opts.halfLifeDays } }));
    }
  }
  process.stdout.write(`${out.join("\n")}\n`);
}

function ratio(a: number, b: number): number {
  return b === 0 ? 0 : a / b;
}

function mean(xs: number[]): number {
  return xs.length === 0 ? 0 : xs.reduce((s, x) => s + x, 0) / xs.length;
}

function spread(xs: number[], fmt: (v: number) => string): string {
  const m = mean(xs);
  const sd = Math.sqrt(mean(xs.map((x) => (x - m) ** 2)));
  return `${fmt(m)} ± ${fmt(sd)} [${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))}]`;
}

function pct(v: number): string {
  return `${(v * 100).toFixed(1)}%`;
}

function int(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(1);
}

function pad(cells: string[], widths: number[]): string {
  return `  ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(" ")}`.trimEnd();
}

function parseArgs(argv: string[]): Options {
  const opts: Options = { seeds: 5, firstSeed: 1, runs: 400, window: 50, hoursPerRun: 12, halfLifeDays: 90, maxUpper: 0.2, minEvidence: 3, flip: 0.1, showTable: false, json: false };
  const numeric: Record<string, { key: Exclude<keyof Options, "json" | "showTable">; min: number; max?: number; integer: boolean }> = {
    "--seeds": { key: "seeds", min: 1, integer: true },
    "--first-seed": { key: "firstSeed", min: 0, integer: true },
    "--runs": { key: "runs", min: 1, integer: true },
    "--window": { key: "window", min: 1, integer: true },
    "--hours-per-run": { key: "hoursPerRun", min: 0, integer: false },
    "--half-life": { key: "halfLifeDays", min: 0.001, integer: false },
    "--max-upper": { key: "maxUpper", min: 0.001, max: 1, integer: false },
    "--min-evidence": { key: "minEvidence", min: 0, integer: false },
    "--flip": { key: "flip", min: 0, max: 1, integer: false },
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    if (arg === "--json" || arg === "--show-table") {
      if (arg === "--json") opts.json = true;
      else opts.showTable = true;
      continue;
    }
    const spec = numeric[arg];
    if (!spec) fail(`unknown argument ${JSON.stringify(arg)}; known: ${[...Object.keys(numeric), "--show-table", "--json"].join(", ")}`);
    const raw = argv[++i];
    const value = Number(raw);
    const max = spec.max ?? Number.POSITIVE_INFINITY;
    if (raw === undefined || raw.trim() === "" || !Number.isFinite(value) || value < spec.min || value > max || (spec.integer && !Number.isInteger(value))) {
      const range = spec.max === undefined ? `>= ${spec.min}` : `between ${spec.min} and ${spec.max}`;
      fail(`${arg} needs ${spec.integer ? "an integer" : "a number"} ${range}, got ${JSON.stringify(raw ?? "")}`);
    }
    opts[spec.key] = value;
  }
  return opts;
}

function fail(message: string): never {
  process.stderr.write(`run-learner-bench: ${message}\n`);
  process.exit(2);
}

main();
