import { z } from "zod";
import { extractJsonObject } from "./extract-json-object.ts";
import type { PeerOpinion } from "./peer-review.ts";

const OPINION_WORDS: Record<string, PeerOpinion> = {
  approve: "approve",
  approved: "approve",
  approval: "approve",
  lgtm: "approve",
  concern: "concern",
  concerns: "concern",
  concerned: "concern",
  blocker: "blocker",
  blockers: "blocker",
  block: "blocker",
  blocked: "blocker",
  blocking: "blocker",
  reject: "blocker",
  rejected: "blocker",
  request_changes: "blocker",
  changes_requested: "blocker",
};

const SEVERITY_WORDS: Record<string, string> = {
  critical: "critical",
  blocker: "critical",
  high: "high",
  major: "high",
  error: "high",
  medium: "medium",
  moderate: "medium",
  warning: "medium",
  low: "low",
  minor: "low",
  info: "info",
  nit: "info",
  note: "info",
};

const lower = (map: Record<string, string>) => (value: unknown) =>
  typeof value === "string" ? (map[value.trim().toLowerCase().replace(/[\s-]+/g, "_")] ?? value.trim().toLowerCase()) : value;

/** A finding as a peer reports it; lenient: a title or a message is enough. */
export const PeerFinding = z
  .object({
    path: z.string().nullable().optional(),
    line: z.preprocess((v) => (typeof v === "string" && /^\d+$/.test(v.trim()) ? Number(v) : v), z.number().int().min(1).nullable().optional()),
    severity: z.preprocess(lower(SEVERITY_WORDS), z.enum(["critical", "high", "medium", "low", "info"]).optional()),
    title: z.string().optional(),
    message: z.string().optional(),
    suggestion: z.string().nullable().optional(),
  })
  .refine((f) => (f.title?.trim() ?? "") !== "" || (f.message?.trim() ?? "") !== "", { message: "a finding needs a title or a message" });
export type PeerFinding = z.infer<typeof PeerFinding>;

/** The JSON object a peer ends its final message with. */
export const PeerVerdict = z.object({
  verdict: z.preprocess(lower(OPINION_WORDS), z.enum(["approve", "concern", "blocker"])),
  summary: z.string().optional(),
  findings: z.array(PeerFinding).max(100).default([]),
});
export type PeerVerdict = z.infer<typeof PeerVerdict>;

/**
 * Find the peer's verdict: in each text, in the order given (the result text first, then messages from the last),
 * the LAST top-level JSON object that has a `verdict` key, validated by PeerVerdict. Fenced ```json blocks and prose
 * around the object are fine. Returns the first valid one, or why none was usable. Pure.
 */
export function extractPeerVerdict(texts: readonly string[]): { verdict: PeerVerdict } | { problem: string } {
  const found = extractJsonObject(texts, "verdict", PeerVerdict);
  return "value" in found ? { verdict: found.value } : found;
}
