import { createRequire } from "node:module";
import { INSTALLATION_ID, OWNER, REPO, REPO_ID } from "./moderator-harness.ts";

const require = createRequire(import.meta.url);
const examples = require("@octokit/webhooks-examples") as Array<{ name: string; examples: Array<Record<string, unknown>> }>;

function example(event: string, predicate: (e: Record<string, unknown>) => boolean): Record<string, unknown> {
  const found = examples.find((x) => x.name === event)?.examples.find(predicate);
  if (!found) throw new Error(`no ${event} example in @octokit/webhooks-examples`);
  return structuredClone(found);
}

/** Point a real example payload at the test repository and add the `installation` GitHub sends to apps. */
function retarget(p: Record<string, unknown>, sender: { login: string; type?: string }): Record<string, unknown> {
  const repository = p["repository"] as Record<string, unknown>;
  Object.assign(repository, {
    id: REPO_ID,
    name: REPO,
    full_name: `${OWNER}/${REPO}`,
    default_branch: "main",
    owner: { ...(repository["owner"] as object), login: OWNER },
  });
  p["sender"] = { ...(p["sender"] as object), login: sender.login, type: sender.type ?? "User" };
  p["installation"] = { id: INSTALLATION_ID, node_id: "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uNDI0Mg==" };
  return p;
}

/**
 * The issue body the payload carries (GitHub always sends it: the text as it was at the event). Left out when a test
 * does not say, so the run reads the body the fake GitHub serves, as if the payload had carried that same text.
 */
function withBody(p: Record<string, unknown>, body: string | null | undefined): void {
  const issue = p["issue"] as Record<string, unknown>;
  if (body === undefined) delete issue["body"];
  else issue["body"] = body;
}

/** issues.labeled, from the real example, for issue `number` with label `label`. */
export function issueLabeled(o: { number: number; title: string; body?: string | null; label?: string; sender?: string; senderType?: string }): Record<string, unknown> {
  const p = retarget(example("issues", (e) => e["action"] === "labeled"), { login: o.sender ?? "maia", type: o.senderType ?? "User" });
  Object.assign(p["issue"] as object, { number: o.number, title: o.title, state: "open" });
  withBody(p, o.body);
  delete (p["issue"] as Record<string, unknown>)["pull_request"];
  p["label"] = { ...(p["label"] as object), name: o.label ?? "moderator" };
  return p;
}

/** issue_comment.created on an issue, from the real example. */
export function issueCommentCreated(o: { number: number; title: string; body: string; issueBody?: string | null; commentId?: number; sender?: string; senderType?: string }): Record<string, unknown> {
  const p = retarget(
    example("issue_comment", (e) => e["action"] === "created" && !(e["issue"] as Record<string, unknown>)["pull_request"]),
    { login: o.sender ?? "maia", type: o.senderType ?? "User" },
  );
  Object.assign(p["issue"] as object, { number: o.number, title: o.title, state: "open" });
  withBody(p, o.issueBody);
  const at = new Date().toISOString();
  Object.assign(p["comment"] as object, { created_at: at, updated_at: at, ...(o.commentId ? { id: o.commentId } : {}) });
  Object.assign(p["comment"] as object, { body: o.body, user: { ...((p["comment"] as Record<string, unknown>)["user"] as object), login: o.sender ?? "maia", type: o.senderType ?? "User" } });
  return p;
}

/** issue_comment.created on a pull request: the real example with `issue.pull_request` set, as GitHub sends it. */
export function pullRequestCommentCreated(o: { number: number; title: string; body: string; sender?: string; senderType?: string }): Record<string, unknown> {
  const p = issueCommentCreated(o);
  (p["issue"] as Record<string, unknown>)["pull_request"] = {
    url: `https://api.github.com/repos/${OWNER}/${REPO}/pulls/${o.number}`,
    html_url: `https://github.com/${OWNER}/${REPO}/pull/${o.number}`,
    diff_url: `https://github.com/${OWNER}/${REPO}/pull/${o.number}.diff`,
    patch_url: `https://github.com/${OWNER}/${REPO}/pull/${o.number}.patch`,
  };
  return p;
}

/** pull_request.closed, from the real example, for PR `number` (merged or not). */
export function pullRequestClosed(o: { number: number; headRef: string; merged: boolean; sender?: string }): Record<string, unknown> {
  const p = retarget(example("pull_request", (e) => e["action"] === "closed"), { login: o.sender ?? "maia", type: "User" });
  const pr = p["pull_request"] as Record<string, unknown>;
  Object.assign(pr, {
    number: o.number,
    state: "closed",
    merged: o.merged,
    merged_at: o.merged ? new Date().toISOString() : null,
    closed_at: new Date().toISOString(),
    merged_by: o.merged ? { login: o.sender ?? "maia", type: "User" } : null,
    head: { ...(pr["head"] as object), ref: o.headRef },
  });
  p["number"] = o.number;
  return p;
}

/** pull_request_review_comment.created: a reply in a review thread (in_reply_to_id = the thread's root comment). */
export function reviewCommentCreated(o: {
  pullNumber: number;
  headRef: string;
  headSha: string;
  inReplyTo: number;
  path: string;
  line: number;
  body: string;
  id?: number;
  sender?: string;
}): Record<string, unknown> {
  const p = retarget(example("pull_request_review_comment", (e) => e["action"] === "created"), { login: o.sender ?? "maia", type: "User" });
  Object.assign(p["comment"] as object, {
    id: o.id ?? 900_000 + Math.floor(Math.random() * 90_000),
    body: o.body,
    in_reply_to_id: o.inReplyTo,
    path: o.path,
    line: o.line,
    original_line: o.line,
    user: { login: o.sender ?? "maia", type: "User" },
  });
  Object.assign(p["pull_request"] as object, { number: o.pullNumber, state: "open", head: { ...((p["pull_request"] as Record<string, unknown>)["head"] as object), ref: o.headRef, sha: o.headSha } });
  return p;
}

/** Every real example payload of an event and action, retargeted at the test repository (for fuzzing intake). */
export function allExamples(event: string, action: string): Array<Record<string, unknown>> {
  return (examples.find((x) => x.name === event)?.examples ?? []).filter((e) => e["action"] === action).map((e) => retarget(structuredClone(e), { login: "maia" }));
}
