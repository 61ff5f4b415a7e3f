import { z } from "zod";

/**
 * What a Feedback row says happened. The learner maps each kind to a signal; `dismissed` is written by
 * `/moderator dismiss` (src/app/commands/record-dismissal.ts), the others by this folder.
 */
export const FeedbackKind = z.enum([
  "merged",
  "closed_unmerged",
  "reaction_up",
  "reaction_down",
  "suggestion_applied",
  "thread_resolved_by_human",
  "dismissed",
  // A race's judge chose this candidate's backend (weaker evidence than a merge), or a maintainer picked it.
  "race_won",
  "race_picked",
]);
export type FeedbackKind = z.infer<typeof FeedbackKind>;
