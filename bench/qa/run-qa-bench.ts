/**
 * QA bench: runs every built-in analyzer over the labelled corpus (bench/qa/corpus) and prints precision and
 * recall per rule (TP/FP/FN), the misses and false positives by case, and throughput in MB of diff per second
 * on the corpus and on a generated large diff. It prints; it never asserts (exit code 0 unless the corpus
 * itself is invalid).
 *
 *   npm run build && node dist/bench/qa/run-qa-bench.js [--min-confidence 0.5] [--corpus DIR]
 *     [--large-mb 8] [--min-seconds 2] [--json]
 *
 * Corpus layout: one folder per case with `change.diff` (real `git diff` output) and `case.json`
 * (description, expected findings, and the analyzer input the pipeline would add: manifests, repoFiles,
 * fileSizes, fileHeads). Fake credentials are stored as `⟪fake|prefix|length|alphabet⟫` and expanded here, so the
 * repository never contains a credential-shaped literal.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import type { AnalyzerInput } from "../../src/qa/analyzer.ts";
import type { Finding } from "../../src/qa/finding.ts";
import { addedLines, parseDiff } from "../../src/qa/parse-diff.ts";
import { ANALYZERS, runAnalyzers } from "../../src/qa/run-analyzers.ts";

const Expected = z.strictObject({
  rule: z.string().min(1),
  /** Omitted for findings about the whole change (tests/missing). */
  path: z.string().min(1).optional(),
  /** A new-version line, "any" (any line of the file, or none), or omitted (the finding has no line). */
  line: z.union([z.number().int().positive(), z.literal("any")]).optional(),
});
type Expected = z.infer<typeof Expected>;

const CaseLabel = z.strictObject({
  description: z.string().min(1),
  languages: z.array(z.string()).min(1),
  manifests: z.record(z.string(), z.string()).optional(),
  repoFiles: z.array(z.string()).optional(),
  fileSizes: z.record(z.string(), z.number().nonnegative()).optional(),
  fileHeads: z.record(z.string(), z.string()).optional(),
  /** Where the files come from, with their licence (cases built from real open-source files). */
  source: z.array(z.string()).optional(),
  expected: z.array(Expected),
});

/** `held-out.json` in the corpus folder: the cases never used for tuning. */
const HeldOutSplit = z.object({
  about: z.string(),
  cases: z.array(z.string().min(1)),
  /** The held-out cases by the round that wrote them (each round labelled before the analyzer changes that followed it). */
  rounds: z.record(z.string(), z.array(z.string().min(1))).optional(),
});
type CaseLabel = z.infer<typeof CaseLabel>;

interface BenchCase {
  name: string;
  label: CaseLabel;
  diff: string;
}

interface Options {
  corpus: string;
  minConfidence: number;
  largeMb: number;
  minSeconds: number;
  json: boolean;
  /** Write every finding (each case's, then the large diff's) to this file, one JSON line each, sorted: to compare two builds. */
  findings?: string;
}

interface RuleScore {
  tp: number;
  fp: number;
  fn: number;
}

interface Miss {
  caseName: string;
  rule: string;
  where: string;
  detail?: string;
}

// ---------------------------------------------------------------- arguments and corpus

function parseArgs(argv: string[]): Options {
  const here = path.dirname(fileURLToPath(import.meta.url));
  // From dist/bench/qa/ the corpus is in the source tree; from bench/qa/ it is next to this file.
  const candidates = [path.join(here, "corpus"), path.resolve(here, "../../../bench/qa/corpus")];
  const options: Options = {
    corpus: candidates.find((c) => existsSync(c)) ?? candidates[0]!,
    minConfidence: 0.5,
    largeMb: 8,
    minSeconds: 2,
    json: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    const number = (min: number, max: number): number => {
      const raw = value();
      const n = Number(raw);
      if (!Number.isFinite(n) || n < min || n > max) throw new Error(`${arg} must be a number from ${min} to ${max}, got "${raw}"`);
      return n;
    };
    if (arg === "--corpus") options.corpus = path.resolve(value());
    else if (arg === "--min-confidence") options.minConfidence = number(0, 1);
    else if (arg === "--large-mb") options.largeMb = number(0, 512);
    else if (arg === "--min-seconds") options.minSeconds = number(0.1, 600);
    else if (arg === "--json") options.json = true;
    else if (arg === "--findings") options.findings = path.resolve(value());
    else if (arg === "--help" || arg === "-h") {
      process.stdout.write(
        "usage: node dist/bench/qa/run-qa-bench.js [--min-confidence 0.5] [--corpus DIR] [--large-mb 8] [--min-seconds 2] [--json] [--findings FILE]\n",
      );
      process.exit(0);
    } else throw new Error(`unknown argument "${arg}" (try --help)`);
  }
  return options;
}

function loadCorpus(dir: string): BenchCase[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`corpus folder not found: ${dir}`);
  const cases: BenchCase[] = [];
  for (const name of readdirSync(dir).sort()) {
    const caseDir = path.join(dir, name);
    if (!statSync(caseDir).isDirectory()) continue;
    const labelPath = path.join(caseDir, "case.json");
    // A diff holding real (published) keys is stored base64-encoded, so the repository holds no credential-shaped text.
    const encoded = existsSync(path.join(caseDir, "change.diff.b64"));
    const diffPath = path.join(caseDir, encoded ? "change.diff.b64" : "change.diff");
    if (!existsSync(labelPath) || !existsSync(diffPath)) throw new Error(`${caseDir}: needs case.json and change.diff (or change.diff.b64)`);
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(labelPath, "utf8"));
    } catch (error) {
      throw new Error(`${labelPath}: invalid JSON (${error instanceof Error ? error.message : String(error)})`);
    }
    const parsed = CaseLabel.safeParse(raw);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
      throw new Error(`${labelPath}: ${issues}`);
    }
    const known = new Set(ANALYZERS.map((a) => a.id));
    for (const e of parsed.data.expected) {
      if (!known.has(e.rule)) throw new Error(`${labelPath}: unknown rule "${e.rule}" (known: ${[...known].join(", ")})`);
    }
    const rawDiff = encoded ? Buffer.from(readFileSync(diffPath, "utf8"), "base64").toString("utf8") : readFileSync(diffPath, "utf8");
    cases.push({ name, label: parsed.data, diff: expandFakes(rawDiff, name) });
  }
  if (cases.length === 0) throw new Error(`no cases in ${dir}`);
  return cases;
}

interface HeldOut {
  names: Set<string>;
  /** Round name -> its case names (from held-out.json's `rounds`). */
  rounds: Map<string, string[]>;
}

/** The held-out case names: `held-out.json` when the corpus has one, else the cases named holdout-*. */
function loadHeldOut(dir: string, cases: BenchCase[]): HeldOut {
  const file = path.join(dir, "held-out.json");
  if (!existsSync(file)) return { names: new Set(cases.filter((c) => c.name.startsWith("holdout-")).map((c) => c.name)), rounds: new Map() };
  const parsed = HeldOutSplit.safeParse(JSON.parse(readFileSync(file, "utf8")));
  if (!parsed.success) throw new Error(`${file}: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  const known = new Set(cases.map((c) => c.name));
  const names = new Set(parsed.data.cases);
  const rounds = new Map(Object.entries(parsed.data.rounds ?? {}));
  const listed = [...names, ...[...rounds.values()].flat()];
  const missing = [...new Set(listed.filter((n) => !known.has(n)))];
  if (missing.length > 0) throw new Error(`${file}: no such case(s): ${missing.join(", ")}`);
  const outside = [...rounds.values()].flat().filter((n) => !names.has(n));
  if (outside.length > 0) throw new Error(`${file}: round case(s) missing from "cases": ${outside.join(", ")}`);
  return { names, rounds };
}

const ALPHABETS: Record<string, string> = {
  alnum: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
  letters: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
  hex: "0123456789abcdef",
  upperdigits: "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567",
  b64: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
  b64url: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
};

/** Replace `⟪fake|prefix|length|alphabet⟫` with deterministic pseudo-random text (seeded by case and position). */
function expandFakes(text: string, caseName: string): string {
  let counter = 0;
  return text.replace(/⟪fake\|([^|⟫]*)\|(\d+)\|(\w+)⟫/g, (whole, prefix: string, length: string, alphabet: string) => {
    const chars = ALPHABETS[alphabet];
    if (!chars) throw new Error(`${caseName}/change.diff: unknown alphabet "${alphabet}" in ${whole} (known: ${Object.keys(ALPHABETS).join(", ")})`);
    const random = mulberry32(hashString(`${caseName}#${counter++}`));
    let out = prefix;
    for (let i = 0; i < Number(length); i++) out += chars[Math.floor(random() * chars.length)];
    return out;
  });
}

function hashString(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---------------------------------------------------------------- scoring

function inputOf(c: BenchCase): AnalyzerInput {
  // A case that describes its working tree (file heads, repository files) is run as the pipeline runs a change
  // with a checkout: it always reads the manifests there, so "no manifests" means none exist ({}), not unknown.
  const manifests = c.label.manifests ?? (c.label.fileHeads || c.label.repoFiles ? {} : undefined);
  return {
    files: parseDiff(c.diff),
    fileSizes: c.label.fileSizes ?? {},
    ...(manifests ? { manifests } : {}),
    ...(c.label.repoFiles ? { repoFiles: c.label.repoFiles } : {}),
    ...(c.label.fileHeads ? { fileHeads: c.label.fileHeads } : {}),
  };
}

function matches(f: Finding, e: Expected): boolean {
  if (f.ruleId !== e.rule || f.path !== e.path) return false;
  if (e.line === "any") return true;
  if (e.line === undefined) return f.line === undefined;
  if (f.line === undefined) return false;
  return f.line === e.line || (f.endLine !== undefined && f.line <= e.line && e.line <= f.endLine);
}

const where = (p: { path?: string; line?: number | "any" }): string =>
  p.path === undefined ? "(whole change)" : p.line === undefined ? p.path : `${p.path}:${p.line}`;

interface Scored {
  scores: Map<string, RuleScore>;
  misses: Miss[];
  falsePositives: Miss[];
  /** Expected findings that were found, but under the confidence threshold. */
  lowConfidenceHits: Miss[];
  findings: number;
  /** Added lines in the cases, and those that no expected finding points at (the clean lines). */
  addedLines: number;
  cleanLines: number;
}

function score(cases: BenchCase[], minConfidence: number): Scored {
  const scores = new Map<string, RuleScore>(ANALYZERS.map((a) => [a.id, { tp: 0, fp: 0, fn: 0 }]));
  const misses: Miss[] = [];
  const falsePositives: Miss[] = [];
  const lowConfidenceHits: Miss[] = [];
  let findings = 0;
  let addedCount = 0;
  let labelledCount = 0;
  for (const c of cases) {
    const input = inputOf(c);
    const added = input.files.reduce((n, f) => n + (f.binary ? 0 : addedLines(f).length), 0);
    addedCount += added;
    labelledCount += Math.min(added, new Set(c.label.expected.filter((e) => typeof e.line === "number").map((e) => `${e.path}:${e.line}`)).size);
    const all = runAnalyzers(input);
    const posted = all.filter((f) => f.confidence >= minConfidence);
    findings += posted.length;
    const used = new Set<Finding>();
    for (const e of c.label.expected) {
      const s = scores.get(e.rule)!;
      const hit = posted.find((f) => !used.has(f) && matches(f, e));
      if (hit) {
        used.add(hit);
        s.tp++;
        continue;
      }
      s.fn++;
      const quiet = all.find((f) => !posted.includes(f) && matches(f, e));
      const miss = { caseName: c.name, rule: e.rule, where: where(e) };
      misses.push(quiet ? { ...miss, detail: `found at confidence ${quiet.confidence}` } : miss);
      if (quiet) lowConfidenceHits.push(miss);
    }
    for (const f of posted) {
      if (used.has(f)) continue;
      const s = scores.get(f.ruleId) ?? { tp: 0, fp: 0, fn: 0 };
      s.fp++;
      scores.set(f.ruleId, s);
      falsePositives.push({ caseName: c.name, rule: f.ruleId, where: where(f), detail: `${f.title} (confidence ${f.confidence})` });
    }
  }
  return { scores, misses, falsePositives, lowConfidenceHits, findings, addedLines: addedCount, cleanLines: addedCount - labelledCount };
}

const ratio = (num: number, den: number): number | undefined => (den === 0 ? undefined : num / den);
const sum = (s: Scored): RuleScore =>
  [...s.scores.values()].reduce((a, r) => ({ tp: a.tp + r.tp, fp: a.fp + r.fp, fn: a.fn + r.fn }), { tp: 0, fp: 0, fn: 0 });
const row = (label: string, s: RuleScore): string =>
  `${label.padEnd(26)}${String(s.tp).padStart(5)}${String(s.fp).padStart(5)}${String(s.fn).padStart(5)}` +
  `${fmt(ratio(s.tp, s.tp + s.fp)).padStart(11)}${fmt(ratio(s.tp, s.tp + s.fn)).padStart(8)}`;
const fmt = (n: number | undefined): string => (n === undefined ? "   -" : n.toFixed(2));

// ---------------------------------------------------------------- throughput

interface Throughput {
  label: string;
  bytes: number;
  files: number;
  rounds: number;
  medianMbPerSecond: number;
  minMbPerSecond: number;
  maxMbPerSecond: number;
  /** Median CPU seconds (user + system) of one round: steadier than wall time on a loaded machine. */
  medianCpuSeconds: number;
}

/**
 * Run `work` (parse + analyze `bytes` of diff) repeatedly, after one warm-up round, until minSeconds have
 * passed and at least 5 rounds ran; report the median, slowest and fastest rates.
 */
function measure(label: string, bytes: number, files: number, work: () => void, minSeconds: number): Throughput {
  const cpu: number[] = [];
  const once = (): number => {
    const start = process.hrtime.bigint();
    const startCpu = process.cpuUsage();
    work();
    const used = process.cpuUsage(startCpu);
    cpu.push((used.user + used.system) / 1e6);
    return Number(process.hrtime.bigint() - start) / 1e9;
  };
  once();
  cpu.length = 0;
  const times: number[] = [];
  let total = 0;
  while (times.length < 5 || total < minSeconds) {
    const t = once();
    times.push(t);
    total += t;
    if (times.length >= 10_000) break;
  }
  cpu.sort((a, b) => a - b);
  const rates = times.map((t) => bytes / 1e6 / t).sort((a, b) => a - b);
  return {
    label,
    bytes,
    files,
    rounds: times.length,
    medianMbPerSecond: rates[Math.floor(rates.length / 2)]!,
    minMbPerSecond: rates[0]!,
    maxMbPerSecond: rates.at(-1)!,
    medianCpuSeconds: cpu[Math.floor(cpu.length / 2)]!,
  };
}

/** Time each analyzer alone over already-parsed files (median of 3 runs), in MB of diff per second. */
function measureAnalyzers(text: string, extra: Omit<AnalyzerInput, "files">): Array<{ id: string; mbPerSecond: number }> {
  const files = parseDiff(text);
  const bytes = Buffer.byteLength(text, "utf8");
  return ANALYZERS.map((a) => {
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      const start = process.hrtime.bigint();
      a.analyze({ ...extra, files });
      times.push(Number(process.hrtime.bigint() - start) / 1e9);
    }
    times.sort((x, y) => x - y);
    return { id: a.id, mbPerSecond: bytes / 1e6 / Math.max(times[1]!, 1e-9) };
  });
}

/**
 * A large diff made of the corpus diffs repeated under distinct paths (copy-N/...), so every analyzer sees
 * realistic content at scale; manifests and repo files are repeated with the same prefixes.
 */
function generateLargeDiff(cases: BenchCase[], targetMb: number): { text: string; extra: Omit<AnalyzerInput, "files"> } {
  const parts: string[] = [];
  const manifests: Record<string, string> = {};
  const repoFiles: string[] = [];
  const fileSizes: Record<string, number> = {};
  const fileHeads: Record<string, string> = {};
  let bytes = 0;
  for (let copy = 0; bytes < targetMb * 1e6; copy++) {
    for (const c of cases) {
      const prefix = `copy-${copy}/${c.name}/`;
      const text = c.diff
        .replace(/^(diff --git a\/)(\S+)( b\/)(\S+)/gm, `$1${prefix}$2$3${prefix}$4`)
        .replace(/^(--- a\/|\+\+\+ b\/|rename from |rename to |Binary files a\/)/gm, `$1${prefix}`)
        .replace(/( and b\/)(\S+)( differ)$/gm, `$1${prefix}$2$3`);
      parts.push(text);
      bytes += Buffer.byteLength(text, "utf8");
      for (const [p, v] of Object.entries(c.label.manifests ?? {})) manifests[prefix + p] = v;
      for (const p of c.label.repoFiles ?? []) repoFiles.push(prefix + p);
      for (const [p, v] of Object.entries(c.label.fileSizes ?? {})) fileSizes[prefix + p] = v;
      for (const [p, v] of Object.entries(c.label.fileHeads ?? {})) fileHeads[prefix + p] = v;
      if (bytes >= targetMb * 1e6) break;
    }
  }
  return { text: parts.join(""), extra: { fileSizes, manifests, repoFiles, fileHeads } };
}

/**
 * Patterns comparable to what the analyzers look for (secrets, debug statements, conflict markers, risky I/O),
 * for `grep -E -c` over the same added lines: the yardstick for the analyzers' speed.
 */
const GREP_PATTERNS = [
  "-----BEGIN [A-Z ]*PRIVATE KEY-----",
  "gh[pousr]_[A-Za-z0-9]{36}",
  "github_pat_[A-Za-z0-9_]{22,}",
  "AKIA[A-Z0-9]{16}",
  "xox[abposr]-[A-Za-z0-9-]{10,}",
  "sk_live_[A-Za-z0-9]{16,}",
  "AIza[0-9A-Za-z_-]{35}",
  "eyJ[A-Za-z0-9_-]{8,}\\.eyJ",
  "(secret|token|password|api_?key)[A-Za-z_]*[\"']?[[:space:]]*[:=]",
  "://[^[:space:]:/@]+:[^[:space:]@/]+@",
  "console\\.(log|debug)\\(",
  "debugger",
  "(^|[^.[:alnum:]_])print\\(",
  "pdb\\.set_trace",
  "^(<<<<<<<|>>>>>>>|=======)( |$)",
  "readFileSync\\(|writeFileSync\\(|JSON\\.parse\\(",
  "(^|[^.[:alnum:]_])open\\(|json\\.loads?\\(",
];

interface GrepRun {
  addedBytes: number;
  /** Median seconds of `grep -E -c` with GREP_PATTERNS over the added lines. */
  seconds: number;
  /** Median CPU seconds (user + system) of grep, from the shell's `times`; undefined when bash cannot report it. */
  cpuSeconds?: number;
  matches: number;
}

/** Time `grep -E -c` over the diff's added lines (median of 5 runs); undefined when grep cannot run. */
function measureGrep(text: string): GrepRun | undefined {
  const added = parseDiff(text).flatMap((f) => (f.binary ? [] : addedLines(f).map((l) => l.text)));
  const dir = mkdtempSync(path.join(os.tmpdir(), "qa-bench-grep-"));
  try {
    const file = path.join(dir, "added-lines.txt");
    writeFileSync(file, `${added.join("\n")}\n`);
    const args = ["-E", "-c", ...GREP_PATTERNS.flatMap((p) => ["-e", p]), file];
    const times: number[] = [];
    let matches = 0;
    for (let i = 0; i < 6; i++) {
      const start = process.hrtime.bigint();
      const run = spawnSync("grep", args, { encoding: "utf8" });
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      if (run.error || (run.status !== 0 && run.status !== 1)) return undefined;
      matches = Number(run.stdout.trim());
      if (i > 0) times.push(seconds);
    }
    times.sort((a, b) => a - b);
    // CPU time, steadier under load: bash runs grep and prints its children's user and system time.
    // Ten runs per measurement: `times` counts milliseconds, and one grep takes a few.
    const cpu: number[] = [];
    for (let i = 0; i < 5; i++) {
      const script = 'for i in 1 2 3 4 5 6 7 8 9 10; do grep "$@" >/dev/null; done; times';
      const run = spawnSync("bash", ["-c", script, "bash", ...args], { encoding: "utf8" });
      const last = run.stdout?.trim().split("\n").at(-1) ?? "";
      const parts = [...last.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
      if (run.error || parts.length !== 2) break;
      cpu.push((parts[0]! + parts[1]!) / 10);
    }
    cpu.sort((a, b) => a - b);
    const cpuSeconds = cpu.length === 5 ? cpu[2]! : undefined;
    return { addedBytes: statSync(file).size, seconds: times[Math.floor(times.length / 2)]!, ...(cpuSeconds !== undefined ? { cpuSeconds } : {}), matches };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Every finding of every case, then of the large diff, one JSON line each (sorted within each case): the same file
 * from two builds means the same findings, field for field.
 */
function writeFindings(file: string, cases: BenchCase[], large: { text: string; extra: Omit<AnalyzerInput, "files"> } | undefined): void {
  const lines: string[] = [];
  const add = (name: string, findings: Finding[]): void => {
    for (const f of findings.map((x) => JSON.stringify(x)).sort()) lines.push(`${name}\t${f}`);
  };
  for (const c of cases) add(c.name, runAnalyzers(inputOf(c)));
  if (large) add("(large diff)", runAnalyzers({ ...large.extra, files: parseDiff(large.text) }));
  writeFileSync(file, `${lines.join("\n")}\n`);
}

// ---------------------------------------------------------------- report

function main(): void {
  let options: Options;
  let cases: BenchCase[];
  let heldOutSplit: HeldOut;
  try {
    options = parseArgs(process.argv.slice(2));
    cases = loadCorpus(options.corpus);
    heldOutSplit = loadHeldOut(options.corpus, cases);
  } catch (error) {
    process.stderr.write(`qa bench: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
    return;
  }
  const scored = score(cases, options.minConfidence);
  const anyConfidence = score(cases, 0);
  // The held-out split (held-out.json) was labelled before tuning: report it apart, rule by rule.
  const heldOutNames = heldOutSplit.names;
  const heldOut = cases.filter((c) => heldOutNames.has(c.name));
  const tuning = cases.filter((c) => !heldOutNames.has(c.name));
  const roundScores = [...heldOutSplit.rounds].map(([round, names]) => {
    const inRound = new Set(names);
    return { round, cases: names.length, scored: score(cases.filter((c) => inRound.has(c.name)), options.minConfidence) };
  });
  const heldOutScored = heldOut.length > 0 ? score(heldOut, options.minConfidence) : undefined;
  const tuningScored = tuning.length > 0 ? score(tuning, options.minConfidence) : undefined;
  const subsets = heldOutScored && tuningScored
    ? [
        { label: `tuning set (${tuning.length} cases)`, ...sum(tuningScored) },
        { label: `held-out set (${heldOut.length} cases)`, ...sum(heldOutScored) },
      ]
    : [];
  /** False alarms per 5,000 clean added lines (lines no expected finding points at). */
  const falseAlarms = (s: Scored): { fp: number; cleanLines: number; per5k: number } => ({
    fp: s.falsePositives.length,
    cleanLines: s.cleanLines,
    per5k: s.cleanLines === 0 ? 0 : (s.falsePositives.length * 5000) / s.cleanLines,
  });

  // The corpus as the pipeline sees it: one change at a time, each with its own manifests and repository files.
  const corpusBytes = cases.reduce((n, c) => n + Buffer.byteLength(c.diff, "utf8"), 0);
  const corpusFiles = cases.reduce((n, c) => n + parseDiff(c.diff).length, 0);
  const corpusRun = measure("corpus, case by case", corpusBytes, corpusFiles, () => {
    for (const c of cases) runAnalyzers(inputOf(c));
  }, options.minSeconds);
  const large = options.largeMb > 0 ? generateLargeDiff(cases, options.largeMb) : undefined;
  const largeRun = large
    ? measure("generated large diff, one change", Buffer.byteLength(large.text, "utf8"), parseDiff(large.text).length, () => {
        runAnalyzers({ ...large.extra, files: parseDiff(large.text) });
      }, options.minSeconds)
    : undefined;
  const perAnalyzer = large ? measureAnalyzers(large.text, large.extra) : [];
  if (options.findings) writeFindings(options.findings, cases, large);
  const grep = large ? measureGrep(large.text) : undefined;
  const versusGrep =
    large && largeRun && grep
      ? {
          addedMb: grep.addedBytes / 1e6,
          diffMb: largeRun.bytes / 1e6,
          qaSeconds: largeRun.bytes / 1e6 / largeRun.medianMbPerSecond,
          grepSeconds: grep.seconds,
          qaMbPerSecond: largeRun.medianMbPerSecond,
          qaAddedMbPerSecond: grep.addedBytes / 1e6 / (largeRun.bytes / 1e6 / largeRun.medianMbPerSecond),
          grepAddedMbPerSecond: grep.addedBytes / 1e6 / grep.seconds,
          grepMatches: grep.matches,
          patterns: GREP_PATTERNS.length,
          ratio: largeRun.bytes / 1e6 / largeRun.medianMbPerSecond / grep.seconds,
          qaCpuSeconds: largeRun.medianCpuSeconds,
          grepCpuSeconds: grep.cpuSeconds ?? null,
          cpuRatio: grep.cpuSeconds ? largeRun.medianCpuSeconds / grep.cpuSeconds : null,
        }
      : undefined;

  const totals = sum(scored);
  const anyTotals = sum(anyConfidence);

  if (options.json) {
    const rules = Object.fromEntries(
      [...scored.scores].map(([id, s]) => [id, { ...s, precision: ratio(s.tp, s.tp + s.fp) ?? null, recall: ratio(s.tp, s.tp + s.fn) ?? null }]),
    );
    process.stdout.write(
      `${JSON.stringify(
        {
          cases: cases.length,
          minConfidence: options.minConfidence,
          rules,
          overall: { ...totals, precision: ratio(totals.tp, totals.tp + totals.fp) ?? null, recall: ratio(totals.tp, totals.tp + totals.fn) ?? null },
          anyConfidence: { ...anyTotals, precision: ratio(anyTotals.tp, anyTotals.tp + anyTotals.fp) ?? null, recall: ratio(anyTotals.tp, anyTotals.tp + anyTotals.fn) ?? null },
          subsets: subsets.map((t) => ({ ...t, precision: ratio(t.tp, t.tp + t.fp) ?? null, recall: ratio(t.tp, t.tp + t.fn) ?? null })),
          heldOut: heldOutScored
            ? {
                cases: heldOut.length,
                rules: Object.fromEntries(
                  [...heldOutScored.scores].map(([id, s]) => [id, { ...s, precision: ratio(s.tp, s.tp + s.fp) ?? null, recall: ratio(s.tp, s.tp + s.fn) ?? null }]),
                ),
                falseAlarms: falseAlarms(heldOutScored),
                rounds: roundScores.map((r) => {
                  const t = sum(r.scored);
                  return {
                    round: r.round,
                    cases: r.cases,
                    ...t,
                    precision: ratio(t.tp, t.tp + t.fp) ?? null,
                    recall: ratio(t.tp, t.tp + t.fn) ?? null,
                    falseAlarms: falseAlarms(r.scored),
                  };
                }),
                misses: heldOutScored.misses,
                falsePositives: heldOutScored.falsePositives,
              }
            : null,
          versusGrep: versusGrep ?? null,
          misses: scored.misses,
          falsePositives: scored.falsePositives,
          throughput: [corpusRun, ...(largeRun ? [largeRun] : [])],
          perAnalyzer,
        },
        null,
        2,
      )}\n`,
    );
    return;
  }

  const out: string[] = [];
  const languages = new Set(cases.flatMap((c) => c.label.languages));
  const clean = cases.filter((c) => c.label.expected.length === 0).length;
  out.push(
    `QA bench: ${cases.length} cases (${clean} clean), ${[...languages].sort().join(", ")}`,
    `corpus: ${path.relative(process.cwd(), options.corpus) || "."}; counting findings at confidence >= ${options.minConfidence}`,
    "",
    `${"rule".padEnd(26)}${"TP".padStart(5)}${"FP".padStart(5)}${"FN".padStart(5)}${"precision".padStart(11)}${"recall".padStart(8)}`,
  );
  for (const [id, s] of scored.scores) out.push(row(id, s));
  out.push(
    row("overall", totals),
    row("(at any confidence)", anyTotals),
    ...subsets.map((t) => row(t.label, t)),
    "",
  );
  if (heldOutScored) {
    const fa = falseAlarms(heldOutScored);
    out.push(
      `Held-out set (${heldOut.length} cases, held-out.json), rule by rule:`,
      `${"rule".padEnd(26)}${"TP".padStart(5)}${"FP".padStart(5)}${"FN".padStart(5)}${"precision".padStart(11)}${"recall".padStart(8)}`,
    );
    for (const [id, s] of heldOutScored.scores) if (s.tp + s.fp + s.fn > 0) out.push(row(id, s));
    out.push(
      row("held-out overall", sum(heldOutScored)),
      `false alarms: ${fa.fp} in ${fa.cleanLines} clean added lines = ${fa.per5k.toFixed(2)} per 5,000 clean lines`,
      "",
    );
    if (roundScores.length > 0) {
      out.push(
        "Held-out set by round:",
        `${"round".padEnd(26)}${"TP".padStart(5)}${"FP".padStart(5)}${"FN".padStart(5)}${"precision".padStart(11)}${"recall".padStart(8)}  false alarms per 5k clean lines`,
      );
      for (const r of roundScores) {
        const rfa = falseAlarms(r.scored);
        out.push(`${row(`round ${r.round} (${r.cases} cases)`, sum(r.scored))}  ${rfa.per5k.toFixed(2)} (${rfa.fp} in ${rfa.cleanLines})`);
      }
      out.push("");
    }
  }
  out.push(`Misses (FN): ${scored.misses.length}`);
  for (const m of scored.misses) out.push(`  ${m.caseName}: ${m.rule} at ${m.where}${m.detail ? ` — ${m.detail}` : ""}`);
  out.push(`False positives (FP): ${scored.falsePositives.length}`);
  for (const m of scored.falsePositives) out.push(`  ${m.caseName}: ${m.rule} at ${m.where} — ${m.detail}`);
  out.push("", "Throughput (parse + all analyzers, one thread):");
  for (const t of [corpusRun, ...(largeRun ? [largeRun] : [])]) {
    out.push(
      `  ${t.label}: ${(t.bytes / 1e6).toFixed(2)} MB, ${t.files} files — median ${t.medianMbPerSecond.toFixed(2)} MB/s ` +
        `(min ${t.minMbPerSecond.toFixed(2)}, max ${t.maxMbPerSecond.toFixed(2)}, ${t.rounds} rounds)`,
    );
  }
  if (versusGrep) {
    const v = versusGrep;
    out.push(
      `  versus grep on the same large diff's added lines (${v.addedMb.toFixed(2)} MB):`,
      `    QA analyzers (parse + all):    ${v.qaSeconds.toFixed(3)} s = ${v.qaAddedMbPerSecond.toFixed(1)} MB/s of added lines (${v.qaMbPerSecond.toFixed(1)} MB/s of diff)`,
      `    grep -E -c, ${v.patterns} patterns:     ${v.grepSeconds.toFixed(3)} s = ${v.grepAddedMbPerSecond.toFixed(1)} MB/s (${v.grepMatches} matching lines)`,
      `    QA time / grep time: ${v.ratio.toFixed(2)}x`,
      `  on CPU time (user + system; steadier than wall time when the machine is loaded):`,
      `    QA analyzers (parse + all):    ${v.qaCpuSeconds.toFixed(3)} s = ${(v.addedMb / v.qaCpuSeconds).toFixed(1)} MB/s of added lines (${(v.diffMb / v.qaCpuSeconds).toFixed(1)} MB/s of diff)`,
      v.grepCpuSeconds !== null && v.cpuRatio !== null
        ? `    grep -E -c, ${v.patterns} patterns:     ${v.grepCpuSeconds.toFixed(3)} s = ${(v.addedMb / v.grepCpuSeconds).toFixed(1)} MB/s; QA CPU time / grep CPU time: ${v.cpuRatio.toFixed(2)}x`
        : "    grep's CPU time: unavailable (needs bash's `times`)",
    );
  }
  if (perAnalyzer.length > 0) {
    out.push("  each analyzer alone on the large diff (parsing excluded):");
    for (const a of perAnalyzer) out.push(`    ${a.id.padEnd(26)}${a.mbPerSecond.toFixed(1).padStart(8)} MB/s`);
  }
  process.stdout.write(`${out.join("\n")}\n`);
}

main();
