import { z } from "zod";
import type { Finding } from "../qa/finding.ts";
import type { PlannedTaskLike } from "./execute-tasks.ts";

/**
 * What a follow-up run must address, stored in Execution.followUp: a maintainer's answer to Moderator's question,
 * a review comment (`/moderator fix`), or QA findings (a retry round, the Fix findings button).
 */
const FeedbackFinding = z.object({
  ruleId: z.string(),
  title: z.string(),
  message: z.string(),
  severity: z.string().optional(),
  path: z.string().optional(),
  line: z.number().int().optional(),
  suggestion: z.string().optional(),
});
export type FeedbackFinding = z.infer<typeof FeedbackFinding>;

export const FollowUp = z.object({
  answer: z.object({ text: z.string(), by: z.string() }).optional(),
  comment: z.object({ body: z.string(), by: z.string(), path: z.string().optional(), line: z.number().int().optional() }).optional(),
  findings: z.array(FeedbackFinding).optional(),
  /** Where to reply when done (`/moderator fix` in a review thread). */
  replyTo: z.object({ pullNumber: z.number().int(), commentId: z.number().int() }).optional(),
});
export type FollowUp = z.infer<typeof FollowUp>;

/** The stored JSON, validated; anything unusable is treated as no follow-up. */
export function readFollowUp(value: unknown): FollowUp | undefined {
  if (value === null || value === undefined) return undefined;
  const parsed = FollowUp.safeParse(value);
  if (!parsed.success) return undefined;
  const f = parsed.data;
  return f.answer || f.comment || (f.findings && f.findings.length > 0) ? f : undefined;
}

export function toFeedbackFinding(f: Finding): FeedbackFinding {
  return {
    ruleId: f.ruleId,
    title: f.title,
    message: f.message,
    severity: f.severity,
    ...(f.path ? { path: f.path } : {}),
    ...(f.line ? { line: f.line } : {}),
    ...(f.suggestion ? { suggestion: f.suggestion } : {}),
  };
}

/** The single task of a follow-up round. */
export function followUpTask(f: FollowUp, issueTitle: string): PlannedTaskLike {
  if (f.answer) {
    return { index: 0, title: `Revise the change with the maintainer's answer (${issueTitle})`, description: `${f.answer.by} answered Moderator's question:\n\n${f.answer.text}`, type: "change", dependsOn: [] };
  }
  if (f.comment) {
    const where = f.comment.path ? ` on ${f.comment.path}${f.comment.line ? `:${f.comment.line}` : ""}` : "";
    return { index: 0, title: `Address ${f.comment.by}'s review comment${where}`, description: f.comment.body, type: "change", dependsOn: [] };
  }
  const n = f.findings?.length ?? 0;
  return { index: 0, title: `Fix ${n} QA finding${n === 1 ? "" : "s"}`, description: "Fix the findings listed in the feedback section; change nothing else.", type: "change", dependsOn: [] };
}

/** The prompt's feedback section for a follow-up. */
export function renderFollowUpFeedback(f: FollowUp): { summary?: string; findings?: FeedbackFinding[] } {
  const parts: string[] = [];
  if (f.answer) parts.push(`Answer from ${f.answer.by} (a maintainer): ${f.answer.text}`);
  if (f.comment) parts.push(`Review comment from ${f.comment.by}${f.comment.path ? ` on ${f.comment.path}${f.comment.line ? `:${f.comment.line}` : ""}` : ""}: ${f.comment.body}`);
  return { ...(parts.length > 0 ? { summary: parts.join("\n\n") } : {}), ...(f.findings && f.findings.length > 0 ? { findings: f.findings } : {}) };
}
