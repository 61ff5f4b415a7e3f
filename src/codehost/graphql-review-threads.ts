import { z } from "zod";
import { parseFindingMarkers } from "../qa/finding-marker.ts";
import type { Author, ReviewThread } from "./code-host.ts";

/**
 * GitHub's REST API has no review threads and no way to resolve one: both are GraphQL only.
 * Threads come 100 per page; comments are read up to 100 per thread, which always includes the
 * root comment, the one that carries Moderator's marker.
 */
export const REVIEW_THREADS_QUERY = `query ModeratorReviewThreads($owner: String!, $repo: String!, $number: Int!, $cursor: String) {
  repository(owner: $owner, name: $repo) {
    pullRequest(number: $number) {
      reviewThreads(first: 100, after: $cursor) {
        pageInfo { hasNextPage endCursor }
        nodes {
          id
          isResolved
          isOutdated
          path
          line
          resolvedBy { login }
          comments(first: 100) {
            nodes { databaseId body path line author { __typename login } }
          }
        }
      }
    }
  }
}`;

export const RESOLVE_REVIEW_THREAD_MUTATION = `mutation ModeratorResolveReviewThread($threadId: ID!) {
  resolveReviewThread(input: { threadId: $threadId }) {
    thread { id isResolved }
  }
}`;

const GraphqlAuthor = z.object({ __typename: z.string().optional(), login: z.string() }).nullish();
const GraphqlComment = z.object({
  databaseId: z.number().int().nullish(),
  body: z.string().nullish(),
  path: z.string().nullish(),
  line: z.number().int().nullish(),
  author: GraphqlAuthor,
});
const GraphqlThread = z.object({
  id: z.string().min(1),
  isResolved: z.boolean(),
  isOutdated: z.boolean(),
  path: z.string(),
  line: z.number().int().nullish(),
  resolvedBy: z.object({ login: z.string() }).nullish(),
  comments: z.object({ nodes: z.array(GraphqlComment.nullable()) }),
});
const ReviewThreadsPage = z.object({
  repository: z
    .object({
      pullRequest: z
        .object({
          reviewThreads: z.object({
            pageInfo: z.object({ hasNextPage: z.boolean(), endCursor: z.string().nullish() }),
            nodes: z.array(GraphqlThread.nullable()),
          }),
        })
        .nullable(),
    })
    .nullable(),
});

export const ResolveReviewThreadResult = z.object({
  resolveReviewThread: z.object({ thread: z.object({ id: z.string(), isResolved: z.boolean() }) }).nullable(),
});
export type ResolveReviewThreadResult = z.infer<typeof ResolveReviewThreadResult>;

/** GraphQL names a bot `moderator` where REST says `moderator[bot]`: use the REST form everywhere. */
function toAuthor(author: z.infer<typeof GraphqlAuthor>): Author | null {
  if (!author) return null;
  const bot = author.__typename === "Bot";
  return { login: bot && !author.login.endsWith("[bot]") ? `${author.login}[bot]` : author.login, bot };
}

/**
 * One page of the review-threads query as ReviewThreads, plus the cursor of the next page (null on the
 * last). Throws with the path of the first problem when the answer does not have the expected shape,
 * and says so when the repository or pull request does not exist. Pure.
 */
export function parseReviewThreadsPage(data: unknown, where: string): { threads: ReviewThread[]; nextCursor: string | null } {
  const parsed = ReviewThreadsPage.safeParse(data);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
    throw new Error(`${where}: GitHub's GraphQL answer has an unexpected shape: ${problems}`);
  }
  const repository = parsed.data.repository;
  if (repository === null) throw new Error(`${where}: GitHub's GraphQL API does not know this repository`);
  if (repository.pullRequest === null) throw new Error(`${where}: GitHub's GraphQL API does not know this pull request`);
  const page = repository.pullRequest.reviewThreads;

  const threads: ReviewThread[] = [];
  for (const node of page.nodes) {
    if (!node) continue;
    const comments = node.comments.nodes.flatMap((c) =>
      c && typeof c.databaseId === "number"
        ? [{ id: c.databaseId, body: c.body ?? "", author: toAuthor(c.author), path: c.path ?? node.path, line: c.line ?? null }]
        : [],
    );
    // Moderator's marker is in the thread's root comment; a marker quoted in a reply (even a bot's) does not
    // make the thread Moderator's, so it is never kept quiet or resolved on its account.
    const root = comments[0];
    const fingerprints = root?.author?.bot ? parseFindingMarkers(root.body) : [];
    threads.push({
      id: node.id,
      isResolved: node.isResolved,
      isOutdated: node.isOutdated,
      path: node.path,
      line: node.line ?? null,
      resolvedBy: node.resolvedBy?.login ?? null,
      comments,
      fingerprints,
    });
  }
  const more = page.pageInfo.hasNextPage && typeof page.pageInfo.endCursor === "string" && page.pageInfo.endCursor !== "";
  return { threads, nextCursor: more ? (page.pageInfo.endCursor as string) : null };
}
