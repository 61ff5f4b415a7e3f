import type { ApplicationFunction, Context } from "probot";
import type { RepoConfigResult } from "../config/repo-config.ts";
import type { CodeHost } from "../codehost/code-host.ts";
import type { RunQueue } from "../queue/run-queue.ts";
import type { Store } from "../store/store.ts";
import type { Logger } from "../util/logger.ts";
import { fetchRepoConfig } from "./fetch-repo-config.ts";
import { canWrite, getSenderPermission } from "./get-sender-permission.ts";
import type { GitHubClient } from "./github-client.ts";
import { isBotSender } from "./is-bot-sender.ts";
import { parseCommands } from "./parse-command.ts";
import { renderConfigError } from "./render-config-error.ts";
import { startRun } from "./start-run.ts";
import { CommentPayload, LabeledPayload } from "./trigger-payload.ts";

export interface AppDeps {
  store: Store;
  queue: RunQueue;
  createCodeHost: (octokit: GitHubClient) => CodeHost;
  log: Logger;
}

/** The Probot application: thin handlers that verify, authorize and hand over to startRun. */
export function createApp(deps: AppDeps): ApplicationFunction {
  return (app) => {
    app.on("issues.labeled", async (context) => {
      await handle(context, "issues.labeled", deps, async () => {
        const parsed = LabeledPayload.safeParse(context.payload);
        if (!parsed.success) return malformed(context, deps, parsed.error);
        const p = parsed.data;
        if (isBotSender(p.sender)) return "ignored: bot sender";
        if (p.issue.pull_request) return "ignored: label on a pull request";
        if (p.issue.state === "closed") return "ignored: closed issue";
        const octokit = context.octokit as unknown as GitHubClient;
        const owner = p.repository.owner.login;
        const repo = p.repository.name;
        const cfg = await fetchRepoConfig(octokit, owner, repo);
        const label = cfg.ok ? cfg.config.label : (cfg.rawLabel ?? "moderator");
        if (p.label.name !== label) return "ignored: other label";
        return trigger(context, deps, octokit, p, cfg, "label");
      });
    });

    app.on("issue_comment.created", async (context) => {
      await handle(context, "issue_comment.created", deps, async () => {
        const parsed = CommentPayload.safeParse(context.payload);
        if (!parsed.success) return malformed(context, deps, parsed.error);
        const p = parsed.data;
        if (isBotSender(p.sender) || isBotSender(p.comment.user)) return "ignored: bot sender";
        const commands = parseCommands(p.comment.body ?? "");
        const command = commands.find((c) => c.ok && (c.name === "run" || c.name === "review"));
        if (!command || !command.ok) return commands.length > 0 ? "ignored: no run or review command" : "ignored: no command";
        const onPullRequest = p.issue.pull_request !== undefined && p.issue.pull_request !== null;
        if (command.name === "run" && onPullRequest) return "ignored: /moderator run on a pull request";
        if (command.name === "review" && !onPullRequest) return "ignored: /moderator review on an issue";
        const octokit = context.octokit as unknown as GitHubClient;
        const cfg = await fetchRepoConfig(octokit, p.repository.owner.login, p.repository.name);
        if (command.name === "review") return trigger(context, deps, octokit, p, cfg, "comment", undefined, undefined, "review");
        return trigger(context, deps, octokit, p, cfg, "comment", command.flags.backend, command.args);
      });
    });
  };
}

async function trigger(
  context: Context,
  deps: AppDeps,
  octokit: GitHubClient,
  p: LabeledPayload | CommentPayload,
  cfg: RepoConfigResult,
  kind: "label" | "comment",
  backend?: string,
  instructions?: string,
  runKind: "run" | "review" = "run",
): Promise<string> {
  const owner = p.repository.owner.login;
  const repo = p.repository.name;
  const permission = await getSenderPermission(octokit, owner, repo, p.sender.login);
  if (!canWrite(permission)) return `denied: ${p.sender.login} has ${permission} permission`;
  const codeHost = deps.createCodeHost(octokit);
  if (!cfg.ok) {
    await codeHost.ensureComment(
      { owner, repo },
      p.issue.number,
      "config-error",
      renderConfigError(cfg.problems, p.repository.default_branch ?? "the default branch"),
    );
    return "invalid repository config";
  }
  const result = await startRun(
    {
      installationId: p.installation.id,
      repository: { githubId: p.repository.id, owner, name: repo, defaultBranch: p.repository.default_branch ?? "main" },
      issue: { number: p.issue.number, title: p.issue.title },
      trigger: kind,
      sender: p.sender.login,
      deliveryId: context.id,
      ...(backend ? { backend } : {}),
      ...(instructions ? { instructions } : {}),
      kind: runKind,
    },
    { store: deps.store, codeHost, queue: deps.queue, log: deps.log },
  );
  await deps.store.setDeliveryOutcome(context.id, result.outcome, result.executionId);
  return result.outcome;
}

/** Dedupe by delivery id, run the handler, record the outcome. Errors are logged and rethrown (HTTP 500). */
async function handle(context: Context, event: string, deps: AppDeps, fn: () => Promise<string>): Promise<void> {
  const payload = context.payload as { action?: string; repository?: { full_name?: string } };
  const fresh = await deps.store.recordDelivery({
    id: context.id,
    event,
    ...(payload.action ? { action: payload.action } : {}),
    ...(payload.repository?.full_name ? { repository: payload.repository.full_name } : {}),
  });
  if (!fresh) {
    deps.log.info({ deliveryId: context.id, event }, "duplicate delivery ignored");
    return;
  }
  try {
    const outcome = await fn();
    if (outcome !== "queued" && outcome !== "already-active") await deps.store.setDeliveryOutcome(context.id, outcome);
    deps.log.info({ deliveryId: context.id, event, outcome }, "webhook handled");
  } catch (err) {
    await deps.store.setDeliveryOutcome(context.id, `error: ${(err as Error).message}`.slice(0, 500)).catch(() => undefined);
    deps.log.error({ err, deliveryId: context.id, event }, "webhook handler failed");
    throw err;
  }
}

function malformed(context: Context, deps: AppDeps, error: { issues: Array<{ path: PropertyKey[]; message: string }> }): string {
  const problems = error.issues.map((i) => `${i.path.map(String).join(".") || "(payload)"}: ${i.message}`);
  deps.log.warn({ deliveryId: context.id, problems }, "malformed webhook payload ignored");
  return `malformed payload: ${problems.slice(0, 5).join("; ")}`;
}
