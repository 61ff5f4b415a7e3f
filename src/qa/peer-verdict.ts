import { z } from "zod";
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

/** Characters of each text searched (its end): a verdict is at the end of a final message. */
const MAX_SCAN_CHARS = 200_000;

/**
 * Find the peer's verdict: in each text, in the order given (the result text first, then messages from the last),
 * the LAST top-level JSON object that has a `verdict` key, validated by PeerVerdict. Fenced ```json blocks and prose
 * around the object are fine. Returns the first valid one, or why none was usable. Pure.
 */
export function extractPeerVerdict(texts: readonly string[]): { verdict: PeerVerdict } | { problem: string } {
  let invalid: string | undefined;
  for (const text of texts) {
    if (typeof text !== "string" || !text.includes("{")) continue;
    const objects = topLevelJsonObjects(text.length > MAX_SCAN_CHARS ? text.slice(-MAX_SCAN_CHARS) : text);
    const candidate = [...objects].reverse().find((o) => typeof o === "object" && o !== null && !Array.isArray(o) && "verdict" in o);
    if (candidate === undefined) continue;
    const parsed = PeerVerdict.safeParse(candidate);
    if (parsed.success) return { verdict: parsed.data };
    invalid ??= parsed.error.issues
      .slice(0, 3)
      .map((i) => `${i.path.length > 0 ? i.path.join(".") : "(root)"}: ${i.message}`)
      .join("; ");
  }
  if (invalid !== undefined) return { problem: `its verdict JSON does not validate: ${invalid}` };
  return { problem: 'its final message has no JSON object with a "verdict" key' };
}

/** Every top-level `{...}` in `text` that parses as JSON, in order (string-aware brace matching). */
function topLevelJsonObjects(text: string): unknown[] {
  const out: unknown[] = [];
  let from = 0;
  for (;;) {
    const start = text.indexOf("{", from);
    if (start < 0) return out;
    const end = matchingBrace(text, start);
    if (end < 0) {
      from = start + 1;
      continue;
    }
    try {
      out.push(JSON.parse(text.slice(start, end + 1)));
      from = end + 1;
    } catch {
      from = start + 1;
    }
  }
}

function matchingBrace(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === "\\") i++;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') inString = true;
    else if (ch === "{") depth++;
    else if (ch === "}") {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}
