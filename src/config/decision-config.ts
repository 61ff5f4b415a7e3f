import { z } from "zod";
import { Severity } from "../qa/finding.ts";

/**
 * The `decision:` section of .github/moderator.yml: how confident a run must be to open a ready pull request,
 * a draft, or to ask a maintainer, and how often the agent gets QA's feedback back. Everything is defaulted,
 * so `decision: {}` (or no section at all, with `.prefault({})`) is the documented behaviour:
 *
 * - confidence >= proceedAt (0.75): a pull request ready for review;
 * - draftAt (0.5) <= confidence < proceedAt: a draft;
 * - askAt (0.3) <= confidence < draftAt: ask a maintainer (a breakpoint), or a draft when `ask.enabled` is false;
 * - confidence < askAt: escalate (stop and say why).
 *
 * The thresholds must be ordered askAt <= draftAt <= proceedAt. See src/pipeline/decide-run.ts for the score.
 */
export const DecisionConfig = z
  .strictObject({
    /** Confidence (0-1) at or above which the pull request opens ready for review. */
    proceedAt: z.number().min(0).max(1).default(0.75),
    /** Confidence at or above which (and below proceedAt) the pull request opens as a draft. */
    draftAt: z.number().min(0).max(1).default(0.5),
    /** Confidence at or above which (and below draftAt) a maintainer is asked; below it the run escalates. */
    askAt: z.number().min(0).max(1).default(0.3),
    /** How many times the agent gets QA's fixable findings back (failing commands, debug leftovers, ...). 0: never. */
    maxRetries: z.number().int().min(0).max(5).default(1),
    ask: z
      .strictObject({
        /** When false, a run that would ask a maintainer opens a draft instead. */
        enabled: z.boolean().default(true),
        /** How long a question waits for an answer before the run gives up waiting. */
        timeoutHours: z.number().positive().max(24 * 30).default(72),
      })
      .prefault({}),
    /** A finding at or above this severity forces at least `ask` (never a ready or draft PR without a human). */
    blockOn: Severity.default("critical"),
  })
  .superRefine((c, ctx) => {
    if (c.askAt > c.draftAt) {
      ctx.addIssue({ code: "custom", path: ["askAt"], message: `must be at most draftAt (${c.draftAt}), got ${c.askAt}` });
    }
    if (c.draftAt > c.proceedAt) {
      ctx.addIssue({ code: "custom", path: ["draftAt"], message: `must be at most proceedAt (${c.proceedAt}), got ${c.draftAt}` });
    }
  });
export type DecisionConfig = z.infer<typeof DecisionConfig>;
