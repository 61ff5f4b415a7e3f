import { z } from "zod";
import { extractJsonObject } from "../qa/extract-json-object.ts";

/** One place of a peer's ranking: the candidate's name and why it is there (a bare name is accepted too). */
const RankedCandidate = z.preprocess(
  (v) => (typeof v === "string" ? { candidate: v } : v),
  z.object({ candidate: z.string().trim().min(1), reason: z.string().optional() }),
);

/** The JSON object a peer ends its final message with when it ranks a race's candidates: best first. */
export const PeerRanking = z.object({
  ranking: z.array(RankedCandidate).min(1).max(50),
  summary: z.string().optional(),
});
export type PeerRanking = z.infer<typeof PeerRanking>;

/** A peer's ranking, checked against the race: every candidate once, best first. */
export interface ValidRanking {
  order: string[];
  /** The peer's reason per candidate (when it gave one). */
  reasons: Record<string, string>;
  summary?: string;
}

const MAX_REASON = 600;

/**
 * Read a peer's ranking of `candidates` from its texts (result text first, then messages from the last, then its
 * output tail): the last JSON object with a `ranking` key, validated by PeerRanking, that names every candidate
 * exactly once and nothing else. Returns why when there is none. Pure.
 */
export function extractPeerRanking(texts: readonly string[], candidates: readonly string[]): ValidRanking | { problem: string } {
  const found = extractJsonObject(texts, "ranking", PeerRanking);
  if ("problem" in found) return found;
  const names = found.value.ranking.map((r) => r.candidate);
  const list = candidates.map((c) => `\`${c}\``).join(", ");
  const unknown = [...new Set(names.filter((n) => !candidates.includes(n)))];
  if (unknown.length > 0) return { problem: `its ranking names ${unknown.map((u) => `\`${u}\``).join(", ")}, which ${unknown.length === 1 ? "is" : "are"} not a candidate (the candidates are ${list})` };
  const twice = [...new Set(names.filter((n, i) => names.indexOf(n) !== i))];
  if (twice.length > 0) return { problem: `its ranking names ${twice.map((u) => `\`${u}\``).join(", ")} more than once` };
  const missing = candidates.filter((c) => !names.includes(c));
  if (missing.length > 0) return { problem: `its ranking leaves out ${missing.map((u) => `\`${u}\``).join(", ")} (the candidates are ${list})` };
  const reasons: Record<string, string> = {};
  for (const r of found.value.ranking) {
    const reason = r.reason?.replace(/\s+/g, " ").trim();
    if (reason) reasons[r.candidate] = reason.length > MAX_REASON ? `${reason.slice(0, MAX_REASON - 3)}...` : reason;
  }
  const summary = found.value.summary?.replace(/\s+/g, " ").trim();
  return { order: names, reasons, ...(summary ? { summary: summary.length > MAX_REASON ? `${summary.slice(0, MAX_REASON - 3)}...` : summary } : {}) };
}
