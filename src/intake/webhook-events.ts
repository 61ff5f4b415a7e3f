import { z } from "zod";
import { CheckRunPayload, CheckSuitePayload } from "../app/check-run-payload.ts";
import { ReviewCommentPayload } from "../app/review-comment-payload.ts";
import { isBotSender } from "../app/is-bot-sender.ts";
import { parseCommands } from "../app/parse-command.ts";
import { CommentPayload, EditedCommentPayload, LabeledPayload } from "../app/trigger-payload.ts";
import { IMPROVEMENTS_TOPIC } from "../improve/run-improver.ts";
import { PullRequestClosedPayload } from "../outcomes/to-pull-request-closed-input.ts";

/** What every delivery Moderator handles must carry, whatever its event. */
const Envelope = z.object({
  action: z.string().min(1).max(64),
  installation: z.object({ id: z.number().int().positive() }),
  repository: z.object({
    id: z.number().int().positive(),
    name: z.string().min(1).max(100),
    full_name: z.string().min(3).max(200),
    owner: z.object({ login: z.string().min(1).max(100) }),
  }),
  sender: z.object({ login: z.string().min(1).max(100) }),
});
type Envelope = z.infer<typeof Envelope>;

interface EventSpec {
  /** The payload schema of this event and action (the handlers' own schema, so nothing reaches them unvalidated). */
  schema: z.ZodType;
  /** Deliveries with the same key are handled in arrival order (one issue's or pull request's conversation). */
  orderKey(payload: Record<string, unknown>, envelope: Envelope): string | null;
}

const issueKey = (p: Record<string, unknown>, e: Envelope) => `${e.repository.id}#${(p["issue"] as { number: number }).number}`;
const prKey = (p: Record<string, unknown>, e: Envelope) => `${e.repository.id}#${(p["pull_request"] as { number: number }).number}`;

/**
 * The webhook events Moderator handles, by `event.action`. Everything else is acknowledged and dropped at the door.
 * The table is the single place that says what is handled: intake validates against it, workers dispatch on it.
 */
export const WEBHOOK_EVENTS: Readonly<Record<string, EventSpec>> = {
  "issues.labeled": { schema: LabeledPayload, orderKey: issueKey },
  "issue_comment.created": { schema: CommentPayload, orderKey: issueKey },
  "issue_comment.edited": { schema: EditedCommentPayload, orderKey: issueKey },
  "pull_request_review_comment.created": { schema: ReviewCommentPayload, orderKey: prKey },
  "pull_request.closed": { schema: PullRequestClosedPayload, orderKey: prKey },
  "check_run.requested_action": { schema: CheckRunPayload, orderKey: () => null },
  "check_run.rerequested": { schema: CheckRunPayload, orderKey: () => null },
  "check_suite.rerequested": { schema: CheckSuitePayload, orderKey: () => null },
};

/** Events whose actions Moderator handles, for a quick answer to everything else. */
export const HANDLED_EVENT_NAMES: ReadonlySet<string> = new Set(Object.keys(WEBHOOK_EVENTS).map((k) => k.split(".")[0] as string));

export type ValidatedDelivery =
  | { kind: "handled"; key: string; action: string; installationId: number; repository: string; orderKey: string | null; payload: Record<string, unknown> }
  | { kind: "unhandled"; reason: string }
  | { kind: "malformed"; problems: string[] };

/**
 * Decide what intake does with a payload of event `event`: hand it on (validated), drop it (an event or action
 * Moderator does not handle), or refuse it (malformed: each problem with its path). Pure.
 */
export function validateDelivery(event: string, body: unknown): ValidatedDelivery {
  if (!HANDLED_EVENT_NAMES.has(event)) return { kind: "unhandled", reason: `event '${event}' is not handled` };
  if (typeof body !== "object" || body === null || Array.isArray(body)) return { kind: "malformed", problems: ["(payload): must be a JSON object"] };
  const payload = body as Record<string, unknown>;
  const action = payload["action"];
  if (typeof action !== "string" || action.length === 0 || action.length > 64) {
    return { kind: "malformed", problems: ["action: must be a string of 1 to 64 characters"] };
  }
  const key = `${event}.${action}`;
  const spec = WEBHOOK_EVENTS[key];
  if (!spec) return { kind: "unhandled", reason: `action '${key}' is not handled` };
  const problems: string[] = [];
  const envelope = Envelope.safeParse(payload);
  if (!envelope.success) problems.push(...formatIssues(envelope.error.issues));
  const full = spec.schema.safeParse(payload);
  if (!full.success) problems.push(...formatIssues(full.error.issues));
  if (problems.length > 0 || !envelope.success) return { kind: "malformed", problems: [...new Set(problems)].slice(0, 20) };
  const e = envelope.data;
  return {
    kind: "handled",
    key,
    action,
    installationId: e.installation.id,
    repository: e.repository.full_name,
    orderKey: spec.orderKey(payload, e),
    payload,
  };
}

function formatIssues(issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>): string[] {
  return issues.map((i) => `${i.path.map(String).join(".") || "(payload)"}: ${i.message}`);
}

export type Triage =
  | { action: "store" }
  | { action: "ignore"; reason: string }
  /** A plain comment on an issue matters only as the answer to a question Moderator asked there. */
  | { action: "store-if-awaiting-answer"; repositoryGithubId: number; issueNumber: number };

type Who = { login?: string; type?: string } | null | undefined;

/**
 * What intake can tell from a validated payload alone, before storing it: the deliveries the handlers would ignore
 * whatever the API says (bots, comments without a command, edits of other comments). Keeps a flood of ordinary
 * comments off the queues. The handlers keep the same checks. Pure.
 */
export function triageDelivery(key: string, payload: Record<string, unknown>): Triage {
  const sender = payload["sender"] as Who;
  const comment = payload["comment"] as { body?: string | null; user?: Who } | undefined;
  const issue = payload["issue"] as { number: number; pull_request?: unknown; state?: string } | undefined;
  switch (key) {
    case "issues.labeled":
      if (isBotSender(sender)) return { action: "ignore", reason: "bot sender" };
      if (issue?.pull_request) return { action: "ignore", reason: "label on a pull request" };
      if (issue?.state === "closed") return { action: "ignore", reason: "closed issue" };
      return { action: "store" };
    case "issue_comment.created":
      if (isBotSender(sender) || isBotSender(comment?.user)) return { action: "ignore", reason: "bot sender" };
      if (parseCommands(comment?.body ?? "").length > 0) return { action: "store" };
      if (issue?.pull_request) return { action: "ignore", reason: "no command" };
      return { action: "store-if-awaiting-answer", repositoryGithubId: (payload["repository"] as { id: number }).id, issueNumber: issue?.number ?? 0 };
    case "issue_comment.edited":
      if (isBotSender(sender)) return { action: "ignore", reason: "bot sender" };
      if (!isBotSender(comment?.user) || !(comment?.body ?? "").includes(`<!-- moderator:${IMPROVEMENTS_TOPIC} -->`)) return { action: "ignore", reason: "not the improvements checklist" };
      return { action: "store" };
    case "pull_request_review_comment.created":
      if (isBotSender(sender) || isBotSender(comment?.user)) return { action: "ignore", reason: "bot sender" };
      return parseCommands(comment?.body ?? "").length > 0 ? { action: "store" } : { action: "ignore", reason: "no command" };
    default:
      return { action: "store" };
  }
}
