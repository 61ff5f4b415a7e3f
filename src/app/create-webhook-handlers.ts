import type { CodeHost } from "../codehost/code-host.ts";
import { parsePullRequestFiles } from "../codehost/parse-pull-request-files.ts";
import type { RepoConfigResult } from "../config/repo-config.ts";
import { selectImprovements } from "../improve/apply-budgets.ts";
import type { Improvement } from "../improve/improvement.ts";
import { parseTickedImprovements } from "../improve/render-improvement-checklist.ts";
import { IMPROVEMENTS_TOPIC, improvementState, renderChecklistComment, runImprover, startImprovementRun } from "../improve/run-improver.ts";
import { EXPORT_LEARNINGS_JOB } from "../learner/export-learnings-pr.ts";
import type { LearnerConfig } from "../learner/learner-config.ts";
import { LEARNINGS_FILE_PATH } from "../learner/learnings-file.ts";
import { loadAcceptanceTable } from "../learner/load-learnings.ts";
import { rankImprovements as rankByAcceptance } from "../learner/rank-improvements.ts";
import { handlePullRequestClosed } from "../outcomes/handle-pull-request-closed.ts";
import { toPullRequestClosedInput } from "../outcomes/to-pull-request-closed-input.ts";
import { toFeedbackFinding } from "../pipeline/follow-up.ts";
import { FindingSource, type Finding } from "../qa/finding.ts";
import type { RunQueue } from "../queue/run-queue.ts";
import type { Store } from "../store/store.ts";
import type { Logger } from "../util/logger.ts";
import { CheckRunPayload, CheckSuitePayload } from "./check-run-payload.ts";
import { buildCommandContext } from "./commands/build-command-context.ts";
import type { CommandContext } from "./commands/command-context.ts";
import { findCommandThread } from "./commands/find-command-thread.ts";
import { handleConversationCommand, isConversationCommand } from "./commands/handle-conversation-command.ts";
import { handleLearnings } from "./commands/handle-learnings.ts";
import { postReply } from "./commands/post-reply.ts";
import { recordDismissal } from "./commands/record-dismissal.ts";
import { replyDenied } from "./commands/reply-denied.ts";
import { cancelActiveRun, resumeWithAnswer, type CancelRun } from "./control-runs.ts";
import { fetchRepoConfig } from "./fetch-repo-config.ts";
import { fetchRepoFile } from "./fetch-repo-file.ts";
import { canWrite, getSenderPermission } from "./get-sender-permission.ts";
import type { GitHubClient } from "./github-client.ts";
import { isBotSender } from "./is-bot-sender.ts";
import { parseCommands } from "./parse-command.ts";
import { renderConfigError } from "./render-config-error.ts";
import { ReviewCommentPayload } from "./review-comment-payload.ts";
import { retryOptions, triggerRun, type TriggerOptions } from "./trigger-run.ts";
import { requestPick } from "../race/request-pick.ts";
import { CommentPayload, EditedCommentPayload, LabeledPayload } from "./trigger-payload.ts";
import type { WebhookContext, WebhookHandler, WebhookHandlers } from "./webhook-context.ts";

export interface AppDeps {
  store: Store;
  queue: RunQueue;
  /** Cancels a run wherever it runs (see src/queue/cancel-run.ts). */
  cancelRun: CancelRun;
  createCodeHost: (octokit: GitHubClient) => CodeHost;
  log: Logger;
  /** The operator's learner settings (`/moderator learnings`, improvement ranking). */
  learner: LearnerConfig;
  /** How long a new trigger waits for the run it replaces to stop (default 30 s; this runs in a worker, not on the request path). */
  supersedeWaitMs?: number;
}

type Repo = { id: number; name: string; owner: { login: string }; default_branch?: string | undefined };

/**
 * The webhook handlers, by `event.action`, run by intake workers on deliveries that intake stored and validated.
 * Thin: they authorize and hand over. Only writers (asked of the API) start, steer or stop runs; bots never do.
 * Each returns its outcome for the delivery log; a thrown error is retried when transient (see handle-delivery-job.ts).
 */
export function createWebhookHandlers(deps: AppDeps): WebhookHandlers {
  const handlers: WebhookHandlers = {
    "issues.labeled": async (context) => {
        const parsed = LabeledPayload.safeParse(context.payload);
        if (!parsed.success) return malformed(context, deps, parsed.error);
        const p = parsed.data;
        if (isBotSender(p.sender)) return "ignored: bot sender";
        if (p.issue.pull_request) return "ignored: label on a pull request";
        if (p.issue.state === "closed") return "ignored: closed issue";
        const octokit = context.octokit as unknown as GitHubClient;
        const cfg = await fetchRepoConfig(octokit, p.repository.owner.login, p.repository.name);
        const label = cfg.ok ? cfg.config.label : (cfg.rawLabel ?? "moderator");
        if (p.label.name !== label) return "ignored: other label";
        const permission = await getSenderPermission(octokit, p.repository.owner.login, p.repository.name, p.sender.login);
        if (!canWrite(permission)) return `denied: ${p.sender.login} has ${permission} permission`;
        return trigger(context, deps, octokit, p.repository, p.installation.id, { number: p.issue.number, title: p.issue.title }, p.sender.login, cfg, {
          trigger: "label",
          ...(p.issue.body !== undefined ? { approvedBody: p.issue.body ?? "" } : {}),
          triggeredAt: context.receivedAt,
        });
    },

    "issue_comment.created": async (context) => {
        const parsed = CommentPayload.safeParse(context.payload);
        if (!parsed.success) return malformed(context, deps, parsed.error);
        const p = parsed.data;
        if (isBotSender(p.sender) || isBotSender(p.comment.user)) return "ignored: bot sender";
        const octokit = context.octokit as unknown as GitHubClient;
        const onPullRequest = p.issue.pull_request !== undefined && p.issue.pull_request !== null;
        const commands = parseCommands(p.comment.body ?? "");
        const first = commands[0];
        const codeHost = deps.createCodeHost(octokit);
        const permission = () => getSenderPermission(octokit, p.repository.owner.login, p.repository.name, p.sender.login);
        if (!first) {
          // Not a command: perhaps a maintainer answering Moderator's question.
          if (onPullRequest) return "ignored: no command";
          const repo = await deps.store.prisma.repository.findUnique({ where: { githubId: BigInt(p.repository.id) } });
          const waiting = repo ? await deps.store.findActiveExecution(repo.id, p.issue.number) : null;
          if (!repo || waiting?.status !== "waiting_for_human") return "ignored: no command";
          if (!canWrite(await permission())) return "ignored: an answer from someone without write access";
          // Acknowledge the answer at once; the tracking comment follows when a worker resumes the run.
          await codeHost
            .addCommentReaction({ owner: p.repository.owner.login, repo: p.repository.name }, p.comment.id, "eyes")
            .catch((err: unknown) => deps.log.warn({ err, deliveryId: context.id }, "could not add the 👀 reaction to the answer"));
          const resumed = await resumeWithAnswer(
            { store: deps.store, queue: deps.queue, cancelRun: deps.cancelRun, codeHost, log: deps.log },
            { repositoryId: repo.id, repositoryGithubId: p.repository.id, issueNumber: p.issue.number, answer: p.comment.body ?? "", by: p.sender.login, commentId: p.comment.id },
          );
          return resumed ? "answer: run resumed" : "ignored: no run waiting";
        }
        const ctx = await buildCommandContext({ event: "issue_comment", payload: p }, { codeHost, store: deps.store, log: deps.log });
        if (isConversationCommand(first)) return handleConversationCommand(ctx, first, { getPermission: permission });
        if (!first.ok) return "ignored";
        if (first.name === "learnings" && /^\s*(show)?\s*$/.test(first.args)) {
          // Reading what was learned is open to anyone who can see the repository; resetting is for writers.
          return handleLearnings(ctx, first, {
            config: deps.learner,
            learningsFileText: await fetchRepoFile(octokit, p.repository.owner.login, p.repository.name, LEARNINGS_FILE_PATH),
            canWrite: async () => canWrite(await permission()),
          });
        }
        if (!canWrite(await permission())) return replyDenied(ctx);
        const issue = { number: p.issue.number, title: p.issue.title };
        // The text the writer saw when they commanded: the agent works on it, not on a later edit by someone else.
        const approved = {
          ...(p.issue.body !== undefined ? { approvedBody: p.issue.body ?? "" } : {}),
          triggeredAt: p.comment.created_at ? new Date(p.comment.created_at) : context.receivedAt,
        };
        switch (first.name) {
          case "run":
            if (onPullRequest) return reply(ctx, "`/moderator run` works on issues. On a pull request, use `/moderator review` (QA alone).", "ignored: run on a pull request");
            return trigger(context, deps, octokit, p.repository, p.installation.id, issue, p.sender.login, await fetchRepoConfig(octokit, p.repository.owner.login, p.repository.name), {
              trigger: "comment",
              ...approved,
              ...(first.flags.backend ? { backend: first.flags.backend } : {}),
              ...(first.flags.race !== undefined ? { kind: "race" as const, race: first.flags.race } : {}),
              ...(first.args ? { instructions: first.args } : {}),
            }, ctx);
          case "pick":
            if (onPullRequest) return reply(ctx, "`/moderator pick <candidate>` works on the issue of a race.", "ignored: pick on a pull request");
            return pickCandidate(deps, ctx, issue.number, first.args.trim(), p.sender.login);
          case "review":
            if (!onPullRequest) return reply(ctx, "`/moderator review` works on pull requests. On an issue, use `/moderator run`.", "ignored: review on an issue");
            return trigger(context, deps, octokit, p.repository, p.installation.id, issue, p.sender.login, await fetchRepoConfig(octokit, p.repository.owner.login, p.repository.name), { trigger: "comment", kind: "review" }, ctx);
          case "cancel": {
            const result = await cancelActiveRun(
              { store: deps.store, queue: deps.queue, cancelRun: deps.cancelRun, codeHost, log: deps.log },
              { repositoryId: ctx.repositoryId, repositoryGithubId: p.repository.id, issueNumber: p.issue.number, by: p.sender.login, why: "/moderator cancel" },
            );
            return reply(ctx, result === "none" ? "There is no active Moderator run here." : "⏹️ Stopping the active run; the tracking comment will say when it has stopped.", `cancel: ${result}`);
          }
          case "retry": {
            const last = await deps.store.prisma.execution.findFirst({ where: { repositoryId: ctx.repositoryId, issueNumber: p.issue.number, kind: { not: "candidate" } }, orderBy: { createdAt: "desc" } });
            if (!last) return reply(ctx, "There is no earlier run to retry here; use `/moderator run`.", "retry: nothing to retry");
            return trigger(context, deps, octokit, p.repository, p.installation.id, issue, p.sender.login, await fetchRepoConfig(octokit, p.repository.owner.login, p.repository.name), {
              trigger: "comment",
              ...retryOptions(last, first.flags.backend),
              ...(last.kind === "review" ? {} : approved),
            }, ctx);
          }
          case "fix":
            return reply(ctx, "`/moderator fix` works in a review thread on a Moderator pull request: reply in the thread of the comment to address.", "ignored: fix outside a review thread");
          case "learnings":
            if (/^\s*export\b/.test(first.args)) {
              // A worker clones, writes .github/moderator-learnings.yml and opens the PR, then replies here.
              await deps.queue.enqueueJob(
                EXPORT_LEARNINGS_JOB,
                { repositoryId: ctx.repositoryId, issueNumber: p.issue.number, commentId: p.comment.id, requestedBy: p.sender.login },
                `learnings-export-${p.repository.id}-${p.comment.id}`,
              );
              return "learnings export queued";
            }
            return handleLearnings(ctx, first, {
              config: deps.learner,
              learningsFileText: await fetchRepoFile(octokit, p.repository.owner.login, p.repository.name, LEARNINGS_FILE_PATH),
              canWrite: async () => true,
            });
          case "improve":
            return improveCommand(deps, octokit, codeHost, ctx, p.repository, { number: p.issue.number, onPullRequest });
          default:
            return reply(ctx, `\`/moderator ${first.name}\` is not available here.`, `unavailable: ${first.name}`);
        }
    },

    "issue_comment.edited": async (context) => {
        const parsed = EditedCommentPayload.safeParse(context.payload);
        if (!parsed.success) return malformed(context, deps, parsed.error);
        const p = parsed.data;
        // Only ticks in Moderator's own improvements checklist, by a writer, count.
        if (isBotSender(p.sender)) return "ignored: bot sender";
        if (!isBotSender(p.comment.user) || !(p.comment.body ?? "").includes(`<!-- moderator:${IMPROVEMENTS_TOPIC} -->`)) return "ignored: not the improvements checklist";
        const ticked = parseTickedImprovements(p.changes?.body?.from ?? "", p.comment.body ?? "");
        if (ticked.length === 0) return "ignored: no box ticked";
        const octokit = context.octokit as unknown as GitHubClient;
        if (!canWrite(await getSenderPermission(octokit, p.repository.owner.login, p.repository.name, p.sender.login))) return `denied: ${p.sender.login} cannot start improvements`;
        const repo = await deps.store.prisma.repository.findUnique({ where: { githubId: BigInt(p.repository.id) } });
        if (!repo) return "ignored: unknown repository";
        const codeHost = deps.createCodeHost(octokit);
        const cfg = await fetchRepoConfig(octokit, p.repository.owner.login, p.repository.name);
        const budgets = cfg.ok ? { ...cfg.config.improvements, enabled: true } : undefined;
        if (!budgets) return "invalid repository config";
        const rows = await deps.store.prisma.improvement.findMany({ where: { repositoryId: repo.id, fingerprint: { in: ticked } }, include: { execution: true } });
        const state = await improvementState(deps.store, repo.id, new Date());
        const candidates = rows.map((r) => ({ type: r.type as Improvement["type"], title: r.title, rationale: r.rationale, priority: r.priority, impact: r.impact, task: r.task, files: r.files, fingerprint: r.fingerprint }));
        const { selected, skipped } = selectImprovements(candidates, state, budgets, "start");
        const improverDeps = { store: deps.store, queue: deps.queue, codeHost, log: deps.log };
        for (const imp of selected) {
          const r = rows.find((x) => x.fingerprint === imp.fingerprint);
          if (r) await startImprovementRun(improverDeps, { improvementId: r.id, issueNumber: r.execution?.issueNumber ?? p.issue.number, backend: r.execution?.backend ?? null, by: p.sender.login });
        }
        const parentId = rows[0]?.executionId;
        if (parentId) await renderChecklistComment(improverDeps, { repositoryId: repo.id, ref: { owner: p.repository.owner.login, repo: p.repository.name }, issueNumber: p.issue.number, parentExecutionId: parentId, skipped });
        return `improvements: ${selected.length} started, ${skipped.length} skipped`;
    },

    "pull_request_review_comment.created": async (context) => {
        const parsed = ReviewCommentPayload.safeParse(context.payload);
        if (!parsed.success) return malformed(context, deps, parsed.error);
        const p = parsed.data;
        if (isBotSender(p.sender) || isBotSender(p.comment.user)) return "ignored: bot sender";
        const first = parseCommands(p.comment.body ?? "")[0];
        if (!first) return "ignored: no command";
        const octokit = context.octokit as unknown as GitHubClient;
        const codeHost = deps.createCodeHost(octokit);
        const ctx = await buildCommandContext({ event: "pull_request_review_comment", payload: p }, { codeHost, store: deps.store, log: deps.log });
        const permission = () => getSenderPermission(octokit, p.repository.owner.login, p.repository.name, p.sender.login);
        if (isConversationCommand(first)) return handleConversationCommand(ctx, first, { getPermission: permission });
        if (!first.ok) return "ignored";
        if (!canWrite(await permission())) return replyDenied(ctx);
        if (first.name !== "fix") return reply(ctx, `\`/moderator ${first.name}\` works in an issue or pull request comment, not in a review thread.`, `ignored: ${first.name} in a review thread`);
        // `/moderator fix`: address the thread's root comment with a new commit on the PR branch, then reply there.
        const pr = p.pull_request.number;
        const opener = await deps.store.prisma.execution.findFirst({ where: { repositoryId: ctx.repositoryId, prNumber: pr, kind: "run" }, orderBy: { createdAt: "desc" } });
        if (!opener || !p.pull_request.head.ref.startsWith("moderator/")) {
          return reply(ctx, "`/moderator fix` works on pull requests Moderator opened.", "ignored: fix on a pull request Moderator did not open");
        }
        const { thread } = await findCommandThread(ctx);
        const root = thread?.comments[0];
        const rootId = p.comment.in_reply_to_id ?? p.comment.id;
        const extra = first.args ? `\n\nThe maintainer adds: ${first.args}` : "";
        const body = `${root && root.id !== p.comment.id ? root.body : ""}${extra}`.trim() || (p.comment.body ?? "");
        return trigger(context, deps, octokit, p.repository, p.installation.id, { number: opener.issueNumber, title: opener.issueTitle }, p.sender.login, await fetchRepoConfig(octokit, p.repository.owner.login, p.repository.name), {
          trigger: "review_comment",
          ...(opener.backend ? { backend: opener.backend } : {}),
          continueFrom: p.pull_request.head.sha,
          followUp: {
            comment: { body, by: p.sender.login, path: p.comment.path, ...(p.comment.line ? { line: p.comment.line } : {}) },
            replyTo: { pullNumber: pr, commentId: rootId },
          },
        }, ctx);
    },

    "check_run.requested_action": async (context) => {
        const parsed = CheckRunPayload.safeParse(context.payload);
        if (!parsed.success) return malformed(context, deps, parsed.error);
        const p = parsed.data;
        if (isBotSender(p.sender)) return "ignored: bot sender";
        const executionId = p.check_run.external_id ?? "";
        const execution = /^[0-9a-f-]{36}$/.test(executionId) ? await deps.store.getExecution(executionId) : null;
        if (!execution) return "ignored: not a Moderator check run";
        const octokit = context.octokit as unknown as GitHubClient;
        const permission = await getSenderPermission(octokit, p.repository.owner.login, p.repository.name, p.sender.login);
        if (!canWrite(permission)) return `denied: ${p.sender.login} has ${permission} permission`;
        const codeHost = deps.createCodeHost(octokit);
        const action = p.action === "rerequested" ? "rerun" : (p.requested_action?.identifier ?? "");
        const issue = { number: execution.issueNumber, title: execution.issueTitle };
        const cfg = () => fetchRepoConfig(octokit, p.repository.owner.login, p.repository.name);
        switch (action) {
          case "rerun":
            return trigger(context, deps, octokit, p.repository, p.installation.id, issue, p.sender.login, await cfg(), {
              trigger: "check_run",
              kind: execution.kind === "review" ? "review" : "run",
              ...(execution.backend ? { backend: execution.backend } : {}),
              ...(execution.instructions ? { instructions: execution.instructions } : {}),
            });
          case "fix_findings": {
            const open = await deps.store.prisma.finding.findMany({ where: { executionId: execution.id, status: "open" } });
            if (open.length === 0 || !execution.headSha) return "ignored: no open findings to fix";
            return trigger(context, deps, octokit, p.repository, p.installation.id, issue, p.sender.login, await cfg(), {
              trigger: "check_run",
              ...(execution.backend ? { backend: execution.backend } : {}),
              continueFrom: execution.headSha,
              followUp: {
                findings: open.map((f) =>
                  toFeedbackFinding({ ruleId: f.ruleId, source: "analyzer", severity: f.severity, confidence: f.confidence, title: f.title, message: f.message, fingerprint: f.fingerprint, ...(f.path ? { path: f.path } : {}), ...(f.line ? { line: f.line } : {}), ...(f.suggestion ? { suggestion: f.suggestion } : {}) }),
                ),
              },
            });
          }
          case "dismiss_findings": {
            const open = await deps.store.prisma.finding.findMany({ where: { executionId: execution.id, status: "open" }, select: { fingerprint: true } });
            const result = await recordDismissal(deps.store.prisma, {
              repositoryId: execution.repositoryId,
              fingerprints: open.map((f) => f.fingerprint),
              actor: p.sender.login,
              reason: "Dismiss findings (check run button)",
              commentId: p.check_run.id,
            });
            const target = execution.prNumber ?? execution.issueNumber;
            await codeHost.ensureComment(
              { owner: p.repository.owner.login, repo: p.repository.name },
              target,
              `dismissed-${execution.id}`,
              `### Moderator · Findings dismissed\n\n${p.sender.login} dismissed ${result.dismissed.length} finding(s) of this run; Moderator will not raise them again on this repository.`,
            );
            return `dismissed ${result.dismissed.length}`;
          }
          default:
            return `ignored: unknown action ${action}`;
        }
    },

    "pull_request.closed": async (context) => {
        const payload = context.payload as { repository?: { id?: number; name?: string; owner?: { login?: string }; default_branch?: string }; installation?: { id?: number }; sender?: { login?: string; type?: string } };
        const r = payload.repository;
        if (!r?.id || !r.name || !r.owner?.login || !payload.installation?.id) return "malformed payload: repository or installation missing";
        const repo = await deps.store.upsertRepository({ githubId: r.id, owner: r.owner.login, name: r.name, installationId: payload.installation.id, ...(r.default_branch ? { defaultBranch: r.default_branch } : {}) });
        const input = toPullRequestClosedInput(context.payload, repo.id);
        const octokit = context.octokit as unknown as GitHubClient;
        const codeHost = deps.createCodeHost(octokit);
        const outcome = await handlePullRequestClosed(
          { store: deps.store, codeHost, getPermission: (ref, login) => getSenderPermission(octokit, ref.owner, ref.repo, login) },
          input,
        );
        // A parent closed unmerged takes its stacked improvement PRs with it.
        let closed = 0;
        if (!input.merged) {
          const stacked = await deps.store.prisma.improvement.findMany({ where: { repositoryId: repo.id, parentPrNumber: input.prNumber, status: "opened", prNumber: { not: null } } });
          for (const imp of stacked) {
            await codeHost.closePullRequest(input.ref, imp.prNumber as number, `Closing: this improvement was stacked on #${input.prNumber}, which was closed without merging.`);
            await deps.store.prisma.improvement.update({ where: { id: imp.id }, data: { status: "closed" } });
            closed++;
          }
        }
        return `pull request closed: ${JSON.stringify(outcome).slice(0, 200)}${closed > 0 ? `; closed ${closed} stacked improvement PR(s)` : ""}`;
    },

    "check_suite.rerequested": async (context) => {
        const parsed = CheckSuitePayload.safeParse(context.payload);
        if (!parsed.success) return malformed(context, deps, parsed.error);
        const p = parsed.data;
        if (isBotSender(p.sender)) return "ignored: bot sender";
        const repo = await deps.store.prisma.repository.findUnique({ where: { githubId: BigInt(p.repository.id) } });
        const execution = repo ? await deps.store.prisma.execution.findFirst({ where: { repositoryId: repo.id, headSha: p.check_suite.head_sha }, orderBy: { createdAt: "desc" } }) : null;
        if (!execution) return "ignored: no Moderator run on this commit";
        const octokit = context.octokit as unknown as GitHubClient;
        const permission = await getSenderPermission(octokit, p.repository.owner.login, p.repository.name, p.sender.login);
        if (!canWrite(permission)) return `denied: ${p.sender.login} has ${permission} permission`;
        return trigger(context, deps, octokit, p.repository, p.installation.id, { number: execution.issueNumber, title: execution.issueTitle }, p.sender.login, await fetchRepoConfig(octokit, p.repository.owner.login, p.repository.name), {
          trigger: "check_run",
          kind: execution.kind === "review" ? "review" : "run",
          ...(execution.backend ? { backend: execution.backend } : {}),
        });
    },
  };
  // Both check-run actions go through one handler ("rerequested" is the Re-run button).
  handlers["check_run.rerequested"] = handlers["check_run.requested_action"] as WebhookHandler;
  return handlers;
}

/** Start a run for a writer (see triggerRun); the delivery's outcome is recorded with the run it queued. */
async function trigger(
  context: WebhookContext,
  deps: AppDeps,
  octokit: GitHubClient,
  repository: Repo,
  installationId: number,
  issue: { number: number; title: string },
  sender: string,
  cfg: RepoConfigResult,
  opts: TriggerOptions,
  replyCtx?: CommandContext,
): Promise<string> {
  return (await triggerRun(deps, { deliveryId: context.id, octokit, repository, installationId, issue, sender, cfg, opts, ...(replyCtx ? { replyCtx } : {}) })).outcome;
}

/** `/moderator pick <candidate>`: swap the race's PR to another candidate. */
async function pickCandidate(deps: AppDeps, ctx: CommandContext, issueNumber: number, candidate: string, by: string): Promise<string> {
  const result = await requestPick({ store: deps.store, queue: deps.queue }, { repositoryId: ctx.repositoryId, issueNumber, candidate, by });
  if (!result.ok) return reply(ctx, result.message, "pick: refused");
  return reply(ctx, `🔁 Swapping the pull request to \`${candidate}\`: its commits are force-pushed and the PR body rewritten.`, "pick: queued");
}

/** `/moderator improve`: propose improvements for the issue's (or this PR's) Moderator PR and start what the budgets allow. */
async function improveCommand(
  deps: AppDeps,
  octokit: GitHubClient,
  codeHost: CodeHost,
  ctx: CommandContext,
  repository: Repo,
  target: { number: number; onPullRequest: boolean },
): Promise<string> {
  const owner = repository.owner.login;
  const cfg = await fetchRepoConfig(octokit, owner, repository.name);
  if (!cfg.ok) return reply(ctx, renderConfigError(cfg.problems, repository.default_branch ?? "the default branch"), "invalid repository config");
  const parent = await deps.store.prisma.execution.findFirst({
    where: { repositoryId: ctx.repositoryId, kind: "run", ...(target.onPullRequest ? { prNumber: target.number } : { issueNumber: target.number, prNumber: { not: null } }) },
    orderBy: { createdAt: "desc" },
  });
  if (!parent?.prNumber) return reply(ctx, "There is no Moderator pull request here to improve yet.", "improve: no parent PR");
  const ref = { owner, repo: repository.name };
  const files = parsePullRequestFiles(await codeHost.listPullRequestFiles(ref, parent.prNumber));
  const rows = await deps.store.prisma.finding.findMany({ where: { executionId: parent.id, status: "open" } });
  const findings: Finding[] = rows.map((f) => ({
    ruleId: f.ruleId,
    source: FindingSource.safeParse(f.source).success ? (f.source as Finding["source"]) : "analyzer",
    severity: f.severity,
    confidence: f.confidence,
    title: f.title,
    message: f.message,
    fingerprint: f.fingerprint,
    ...(f.path ? { path: f.path } : {}),
    ...(f.line ? { line: f.line } : {}),
    ...(f.suggestion ? { suggestion: f.suggestion } : {}),
  }));
  const learned = deps.learner.enabled ? await loadAcceptanceTable(deps.store.prisma, { config: deps.learner, now: new Date() }) : undefined;
  const result = await runImprover(
    { store: deps.store, queue: deps.queue, codeHost, log: deps.log },
    {
      repositoryId: ctx.repositoryId,
      ref,
      issueNumber: parent.issueNumber,
      parentExecutionId: parent.id,
      parentPrNumber: parent.prNumber,
      backend: parent.backend,
      files,
      findings,
      budgets: { ...cfg.config.improvements, enabled: true },
      startNow: true,
      ...(learned ? { rank: (c: Improvement[]) => rankByAcceptance(c, learned.table, ctx.repositoryId) } : {}),
    },
  );
  const text =
    result.started.length > 0
      ? `Started ${result.started.length} improvement(s) as follow-up pull requests to #${parent.prNumber}; the checklist on #${parent.issueNumber} tracks them.`
      : `Nothing to start for #${parent.prNumber} within this repository's improvement budgets (${result.skipped} candidate(s) skipped).`;
  return reply(ctx, text, `improve: ${result.started.length} started`);
}

/** One reply to the command's comment (idempotent on redelivery); returns the outcome for the delivery log. */
async function reply(ctx: CommandContext, body: string, outcome: string): Promise<string> {
  await postReply(ctx, body);
  return outcome;
}

function malformed(context: WebhookContext, deps: AppDeps, error: { issues: Array<{ path: PropertyKey[]; message: string }> }): string {
  const problems = error.issues.map((i) => `${i.path.map(String).join(".") || "(payload)"}: ${i.message}`);
  deps.log.warn({ deliveryId: context.id, problems }, "malformed webhook payload ignored");
  return `malformed payload: ${problems.slice(0, 5).join("; ")}`;
}
