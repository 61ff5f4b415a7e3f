import { z } from "zod";

/**
 * Operator settings of the outcome collector (`outcomes:` in moderator.config.yml). Outcomes are what the
 * learner learns from: merges and closes of Moderator's PRs, thumbs on its comments, suggestions committed,
 * threads resolved by people.
 */
export const OutcomeCollectionConfig = z
  .object({
    /** Run the repeatable collection job at all (the pull_request.closed handler records closes regardless). */
    enabled: z.boolean().default(true),
    /** Minutes between two collections. */
    everyMinutes: z.number().int().min(5).max(24 * 60).default(30),
    /** Pull requests whose newest run is older than this many days are not visited any more. */
    lookbackDays: z.number().int().min(1).max(365).default(60),
    /** At most this many pull requests per collection (newest runs first). */
    maxPullRequests: z.number().int().min(1).max(5000).default(200),
  })
  .strict()
  .default({ enabled: true, everyMinutes: 30, lookbackDays: 60, maxPullRequests: 200 });
export type OutcomeCollectionConfig = z.infer<typeof OutcomeCollectionConfig>;
