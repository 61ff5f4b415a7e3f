import { z } from "zod";
import type { RepoRef } from "../codehost/code-host.ts";
import type { PullRequestClosedInput } from "./record-pull-request-closed.ts";

const Login = z.object({ login: z.string().min(1) });
/** The part of a `pull_request.closed` webhook payload the outcome needs. */
export const PullRequestClosedPayload = z.object({
  action: z.literal("closed"),
  pull_request: z.object({
    number: z.number().int().positive(),
    merged: z.boolean().nullish(),
    merged_at: z.string().nullish(),
    created_at: z.string(),
    closed_at: z.string().nullish(),
    merged_by: Login.nullish(),
    head: z.object({ ref: z.string() }),
  }),
  repository: z.object({ name: z.string().min(1), owner: Login }),
  sender: Login,
});
export type PullRequestClosedPayload = z.infer<typeof PullRequestClosedPayload>;

/**
 * The input of `handlePullRequestClosed` / `recordPullRequestClosed` from a `pull_request.closed` webhook
 * payload. Who closed it is the sender; for a merge, the merger (`merged_by`) when GitHub names one. Throws an
 * error naming each missing or malformed field. Pure.
 */
export function toPullRequestClosedInput(payload: unknown, repositoryId: number): PullRequestClosedInput & { ref: RepoRef } {
  const parsed = PullRequestClosedPayload.safeParse(payload);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
    throw new Error(`pull_request.closed payload: ${problems}`);
  }
  const { pull_request: pr, repository, sender } = parsed.data;
  const merged = pr.merged === true || (pr.merged === undefined && typeof pr.merged_at === "string");
  return {
    repositoryId,
    ref: { owner: repository.owner.login, repo: repository.name },
    prNumber: pr.number,
    merged,
    mergedAt: pr.merged_at ?? null,
    createdAt: pr.created_at,
    closedAt: pr.closed_at ?? null,
    closedBy: merged ? (pr.merged_by?.login ?? sender.login) : sender.login,
    headRef: pr.head.ref,
  };
}
