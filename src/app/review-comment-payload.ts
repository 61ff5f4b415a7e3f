import { z } from "zod";

/**
 * The parts of a `pull_request_review_comment.created` payload Moderator relies on, validated: a comment
 * written in a pull request's review thread (a reply carries `in_reply_to_id`, the thread's root comment).
 */
const User = z.object({ login: z.string(), type: z.string().optional() });

export const ReviewCommentPayload = z.object({
  action: z.literal("created"),
  comment: z.object({
    id: z.number().int().positive(),
    body: z.string().nullable(),
    /** null for a deleted ("ghost") account. */
    user: User.nullable(),
    /** The root comment of the thread; absent when this comment opened the thread. */
    in_reply_to_id: z.number().int().positive().nullish(),
    path: z.string(),
    /** The line in the pull request's head version; null once the thread is outdated. */
    line: z.number().int().nullish(),
    original_line: z.number().int().nullish(),
    pull_request_review_id: z.number().nullish(),
    html_url: z.string().optional(),
  }),
  pull_request: z.object({
    number: z.number().int().positive(),
    title: z.string().optional(),
    state: z.string().optional(),
    head: z.object({ ref: z.string(), sha: z.string() }),
    base: z.object({ ref: z.string() }).optional(),
  }),
  repository: z.object({
    id: z.number(),
    name: z.string(),
    full_name: z.string(),
    owner: z.object({ login: z.string() }),
    default_branch: z.string().optional(),
  }),
  sender: User,
  installation: z.object({ id: z.number() }),
});
export type ReviewCommentPayload = z.infer<typeof ReviewCommentPayload>;
