import type { Severity } from "../qa/finding.ts";
import type { PeerRankingResult } from "./rank-with-peers.ts";

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
  /** The peers' side-by-side rankings (they break a tie on score, before the size of the change). */
  peers?: readonly PeerRankingResult[];
}

export interface RaceVerdict {
  /** Ranked: the winner first; only candidates with a result and a score. */
  ranking: string[];
  winner?: string;
  /** Why, for the maintainer: the winner's lead, each tie-break used, why others were out. */
  reasons: string[];
  /** What each peer said (its ranking and reasons, or why it gave none), as recorded and shown. */
  peers?: PeerRankingResult[];
}

/**
 * The race's judge. Pure. A candidate takes part when it finished with a result and a DecisionEngine score. The best
 * score wins; equal scores (to two decimals, as the DecisionEngine rounds) go to the peers' ranking (a Borda count:
 * each peer that ranked gives a candidate one point per candidate it placed it above), then to the smaller change
 * (changed lines, then files), then to the learner's prior for its backend, then to the candidate's name (stable).
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
  const peerScore = peerPoints(input.peers ?? [], eligible.map((c) => c.name));
  const peer = (c: CandidateResult) => peerScore.get(c.name) ?? 0;
  const size = (c: CandidateResult) => [c.linesChanged ?? Number.MAX_SAFE_INTEGER, c.filesChanged ?? Number.MAX_SAFE_INTEGER] as const;
  const sorted = [...eligible].sort((a, b) => {
    const s = round2(b.score ?? 0) - round2(a.score ?? 0);
    if (s !== 0) return s;
    const p0 = peer(b) - peer(a);
    if (p0 !== 0) return p0;
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
  } else if (peer(winner) !== peer(runnerUp)) {
    const ranked = (input.peers ?? []).filter((p) => p.status === "ranked");
    const why = ranked.map((p) => `\`${p.peer}\` ranks \`${(p.order ?? []).find((n) => n === winner.name || n === runnerUp.name)}\` higher${p.reasons?.[winner.name] ? ` ("${p.reasons[winner.name]}")` : ""}`);
    reasons.unshift(`\`${winner.name}\` and \`${runnerUp.name}\` tie at ${fmt(winner.score)}; the peers prefer \`${winner.name}\` (${points(peer(winner))} against ${peer(runnerUp)}): ${why.join("; ")}.`);
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
  for (const p of input.peers ?? []) if (p.status !== "ranked") reasons.push(`Peer \`${p.peer}\` gave no ranking: ${p.problem ?? p.status}.`);
  return { ranking: sorted.map((c) => c.name), winner: winner.name, reasons, ...(input.peers && input.peers.length > 0 ? { peers: [...input.peers] } : {}) };
}

/** Borda points of each candidate over the peers that ranked (only `names` count: the candidates in the judging). */
function peerPoints(peers: readonly PeerRankingResult[], names: readonly string[]): Map<string, number> {
  const points = new Map<string, number>();
  for (const p of peers) {
    if (p.status !== "ranked" || !p.order) continue;
    const order = p.order.filter((n) => names.includes(n));
    order.forEach((n, i) => points.set(n, (points.get(n) ?? 0) + (order.length - 1 - i)));
  }
  return points;
}

function points(n: number): string {
  return `${n} point${n === 1 ? "" : "s"}`;
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

function fmt(n: number | undefined): string {
  return n === undefined ? "?" : n.toFixed(2);
}
