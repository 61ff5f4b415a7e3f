import { z } from "zod";

/** The parts of issues.labeled / issue_comment.created payloads Moderator relies on, validated. */
const Sender = z.object({ login: z.string(), type: z.string().optional() });
const Repository = z.object({
  id: z.number(),
  name: z.string(),
  full_name: z.string(),
  owner: z.object({ login: z.string() }),
  default_branch: z.string().optional(),
});
const Issue = z.object({
  number: z.number().int().positive(),
  title: z.string(),
  /** The body as it was when the event happened: the text a writer approved by triggering the run. */
  body: z.string().nullish(),
  state: z.string().optional(),
  pull_request: z.unknown().optional(),
});
const Installation = z.object({ id: z.number() });

export const LabeledPayload = z.object({
  action: z.literal("labeled"),
  issue: Issue,
  label: z.object({ name: z.string() }),
  repository: Repository,
  sender: Sender,
  installation: Installation,
});
export type LabeledPayload = z.infer<typeof LabeledPayload>;

export const CommentPayload = z.object({
  action: z.literal("created"),
  issue: Issue,
  comment: z.object({ id: z.number(), body: z.string().nullable(), user: Sender.nullable(), created_at: z.string().optional() }),
  repository: Repository,
  sender: Sender,
  installation: Installation,
});
export type CommentPayload = z.infer<typeof CommentPayload>;

/** issue_comment.edited: the new body and what it was (a writer ticking an improvement's checkbox). */
export const EditedCommentPayload = z.object({
  action: z.literal("edited"),
  issue: Issue,
  comment: z.object({ id: z.number(), body: z.string().nullable(), user: Sender.nullable() }),
  changes: z.object({ body: z.object({ from: z.string() }).optional() }).optional(),
  repository: Repository,
  sender: Sender,
  installation: Installation,
});
export type EditedCommentPayload = z.infer<typeof EditedCommentPayload>;
