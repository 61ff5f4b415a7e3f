import { z } from "zod";
import { ImprovementType } from "./improvement.ts";

/**
 * The repository's `improvements:` settings in `.github/moderator.yml`. Off unless a maintainer turns it on.
 * With `approval` (the default) improvements are listed as checkboxes in the tracking comment and a follow-up
 * pull request starts only when a maintainer ticks one; without it they start at once. `maxOpen` and `perHour`
 * bound the follow-up pull requests (open at a time / created in the last hour, like Renovate's
 * prConcurrentLimit and prHourlyLimit); `maxListed` bounds the checklist.
 * In RepoConfig: `improvements: ImprovementBudgets.prefault({})`.
 */
export const ImprovementBudgets = z.strictObject({
  enabled: z.boolean().default(false),
  /** Which kinds may be proposed. */
  types: z.array(ImprovementType).default([...ImprovementType.options]),
  /** Improvement pull requests open at a time, at most. */
  maxOpen: z.number().int().min(0).max(50).default(2),
  /** Improvement pull requests created per hour, at most. */
  perHour: z.number().int().min(0).max(50).default(2),
  /** List as checkboxes and start only what a maintainer ticks (true), or start at once (false). */
  approval: z.boolean().default(true),
  /** Checklist entries per run, at most. */
  maxListed: z.number().int().min(0).max(20).default(5),
});
export type ImprovementBudgets = z.infer<typeof ImprovementBudgets>;
