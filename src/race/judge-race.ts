import type { Severity } from "../qa/finding.ts";

/** What a finished candidate left for the judge (its execution's `summary`, written when its QA and decision ended). */
export interface CandidateResult {
  name: string;
  backend: string;
  status: "completed" | "failed" | "cancelled";
  /** The DecisionEngine's confidence, 0-1 (absent when the candidate did not get that far). */
  score?: number;
  action?: string;
  reasons?: string[];
  findingsBySeverity?: Partial<Record<Severity, number>>;
  filesChanged?: number;
  linesChanged?: number;
  costUsd?: number;
  durationMs?: number;
  /** Whether its result (a bundle) is there to publish. */
  hasResult: boolean;
  error?: string;
}

export interface JudgeInput {
  candidates: readonly CandidateResult[];
  /** The learner's acceptance estimate per backend for this task type (a prior: it decides only a full tie). */
  prior?: (backend: string) => number | undefined;
}

export interface RaceVerdict {
  /** Ranked: the winner first; only candidates with a result and a score. */
  ranking: string[];
  winner?: string;
  /** Why, for the maintainer: the winner's lead, each tie-break used, why others were out. */
  reasons: string[];
}

/**
 * The race's judge. Pure. A candidate takes part when it finished with a result and a DecisionEngine score. The best
 * score wins; equal scores (to two decimals, as the DecisionEngine rounds) go to the smaller change (changed lines,
 * then files), then to the learner's prior for its backend, then to the candidate's name (stable).
 * The prior is never the sole reason unless everything else is equal, and then it says so.
 */
export function judgeRace(input: JudgeInput): RaceVerdict {
  const reasons: string[] = [];
  const eligible = input.candidates.filter((c) => c.status === "completed" && c.hasResult && c.score !== undefined);
  for (const c of input.candidates) {
    if (eligible.includes(c)) continue;
    reasons.push(`\`${c.name}\` is out: ${c.status === "completed" ? (c.error ?? "it left no change") : `${c.status}${c.error ? ` (${c.error})` : ""}`}.`);
  }
  if (eligible.length === 0) return { ranking: [], reasons: ["No candidate finished with a change.", ...reasons] };
  const prior = (c: CandidateResult) => input.prior?.(c.backend) ?? 0.5;
  const size = (c: CandidateResult) => [c.linesChanged ?? Number.MAX_SAFE_INTEGER, c.filesChanged ?? Number.MAX_SAFE_INTEGER] as const;
  const sorted = [...eligible].sort((a, b) => {
    const s = round2(b.score ?? 0) - round2(a.score ?? 0);
    if (s !== 0) return s;
    const [la, fa] = size(a);
    const [lb, fb] = size(b);
    if (la !== lb) return la - lb;
    if (fa !== fb) return fa - fb;
    const p = prior(b) - prior(a);
    if (p !== 0) return p;
    return a.name.localeCompare(b.name);
  });
  const winner = sorted[0] as CandidateResult;
  const runnerUp = sorted[1];
  if (!runnerUp) {
    reasons.unshift(`\`${winner.name}\` is the only candidate that finished with a change (score ${fmt(winner.score)}).`);
  } else if (round2(winner.score ?? 0) > round2(runnerUp.score ?? 0)) {
    reasons.unshift(`\`${winner.name}\` has the best score: ${fmt(winner.score)} against ${fmt(runnerUp.score)} for \`${runnerUp.name}\`.`);
  } else {
    const [lw, fw] = size(winner);
    const [lr, fr] = size(runnerUp);
    if (lw !== lr || fw !== fr) {
      reasons.unshift(`\`${winner.name}\` and \`${runnerUp.name}\` tie at ${fmt(winner.score)}; \`${winner.name}\` is the smaller change (${lw} lines in ${fw} files against ${lr} in ${fr}).`);
    } else if (prior(winner) !== prior(runnerUp)) {
      reasons.unshift(`\`${winner.name}\` and \`${runnerUp.name}\` tie on score and size; the learner's merge rate for \`${winner.backend}\` (${prior(winner).toFixed(2)}) is higher than for \`${runnerUp.backend}\` (${prior(runnerUp).toFixed(2)}).`);
    } else {
      reasons.unshift(`\`${winner.name}\` and \`${runnerUp.name}\` tie on score, size and the learner's prior; \`${winner.name}\` comes first by name.`);
    }
  }
  return { ranking: sorted.map((c) => c.name), winner: winner.name, reasons };
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

function fmt(n: number | undefined): string {
  return n === undefined ? "?" : n.toFixed(2);
}
