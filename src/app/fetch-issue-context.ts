import { z } from "zod";
import type { GitHubClient } from "./github-client.ts";
import { isBotSender } from "./is-bot-sender.ts";
import { sanitizeUserText } from "./sanitize-user-text.ts";

/** The issue as the prompt may see it: sanitized, and only what was written before the trigger. */
export interface IssueContext {
  title: string;
  body: string;
  author: string;
  comments: Array<{ author: string; body: string; createdAt: string }>;
  /** Comments not included, by reason (after the trigger, edited after it, by a bot, empty once sanitized). */
  omitted: { afterTrigger: number; editedAfterTrigger: number; bots: number; empty: number };
}

export interface FetchIssueContextInput {
  owner: string;
  repo: string;
  issueNumber: number;
  /** When the run was triggered (label added, command comment created); undefined keeps every comment. */
  before: Date | undefined;
  /** Logins whose comments are left out besides every `Bot` account (the app's own login, known automation). */
  botLogins?: string[];
  /** Per request (default 30 s). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** 100 comments per page; an issue with more than 5000 comments is read up to there. */
const MAX_PAGES = 50;
const DEFAULT_TIMEOUT_MS = 30_000;

const User = z.object({ login: z.string(), type: z.string().optional() }).nullish();
const Issue = z.object({ title: z.string(), body: z.string().nullish(), user: User });
const Comment = z.object({
  id: z.number(),
  body: z.string().nullish(),
  user: User,
  created_at: z.string(),
  updated_at: z.string().nullish(),
});
type Comment = z.infer<typeof Comment>;

function parse<S extends z.ZodType>(schema: S, value: unknown, where: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
  throw new Error(`GitHub answered ${where} with an unexpected body: ${problems}`);
}

function parseTime(value: string, where: string): number {
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new Error(`GitHub answered ${where} with an invalid timestamp ${JSON.stringify(value)}`);
  return t;
}

/**
 * Read an issue and its comments for the prompt. Keeps only comments created before `before` (the
 * trigger time) and not edited after it (an edit after the trigger could slip in text the maintainer
 * never saw), and not written by a bot (type `Bot`, a `[bot]` login, or one of `botLogins`).
 * Title, body and comments are sanitized (hidden markup and invisible characters removed).
 * The issue body itself is returned as it is now: GitHub's REST API does not say when it was last edited.
 */
export async function fetchIssueContext(octokit: GitHubClient, input: FetchIssueContextInput): Promise<IssueContext> {
  const { owner, repo, issueNumber } = input;
  if (!Number.isInteger(issueNumber) || issueNumber < 1) {
    throw new Error(`fetchIssueContext: issueNumber must be a positive integer, got ${String(issueNumber)}`);
  }
  const cutoff = input.before?.getTime();
  if (cutoff !== undefined && Number.isNaN(cutoff)) throw new Error("fetchIssueContext: `before` is an invalid Date");
  const timeoutMs = input.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const bots = new Set((input.botLogins ?? []).map((l) => l.toLowerCase().replace(/\[bot\]$/, "")));
  const request = () => ({
    signal: input.signal ? AbortSignal.any([input.signal, AbortSignal.timeout(timeoutMs)]) : AbortSignal.timeout(timeoutMs),
  });

  const issueRoute = "GET /repos/{owner}/{repo}/issues/{issue_number}";
  const issueRes = await octokit.request(issueRoute, { owner, repo, issue_number: issueNumber, request: request() });
  const issue = parse(Issue, issueRes.data, `${issueRoute} (${owner}/${repo}#${issueNumber})`);

  const commentsRoute = "GET /repos/{owner}/{repo}/issues/{issue_number}/comments";
  const comments: IssueContext["comments"] = [];
  const omitted = { afterTrigger: 0, editedAfterTrigger: 0, bots: 0, empty: 0 };
  const isBot = (user: Comment["user"]): boolean =>
    isBotSender(user ?? null) || (user !== null && user !== undefined && bots.has(user.login.toLowerCase().replace(/\[bot\]$/, "")));

  let reachedTrigger = false;
  for (let page = 1; page <= MAX_PAGES && !reachedTrigger; page += 1) {
    const where = `${commentsRoute} (${owner}/${repo}#${issueNumber}, page ${page})`;
    const res = await octokit.request(commentsRoute, { owner, repo, issue_number: issueNumber, per_page: 100, page, request: request() });
    const items = parse(z.array(Comment), res.data, where);
    for (const c of items) {
      const created = parseTime(c.created_at, where);
      if (cutoff !== undefined && created >= cutoff) {
        // Comments are listed in creation order: everything from here on came after the trigger.
        omitted.afterTrigger += 1;
        reachedTrigger = true;
        continue;
      }
      if (cutoff !== undefined && c.updated_at && parseTime(c.updated_at, where) >= cutoff) {
        omitted.editedAfterTrigger += 1;
        continue;
      }
      if (isBot(c.user)) {
        omitted.bots += 1;
        continue;
      }
      const body = sanitizeUserText(c.body ?? "");
      if (body === "") {
        omitted.empty += 1;
        continue;
      }
      comments.push({ author: c.user?.login ?? "ghost", body, createdAt: new Date(created).toISOString() });
    }
    const link = res.headers.link;
    if (items.length === 0 || typeof link !== "string" || !/rel="next"/.test(link)) break;
  }

  return {
    title: sanitizeUserText(issue.title),
    body: sanitizeUserText(issue.body ?? ""),
    author: issue.user?.login ?? "ghost",
    comments,
    omitted,
  };
}
