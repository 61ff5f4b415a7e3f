import { createHash } from "node:crypto";
import { Redis } from "ioredis";
import { cancelActiveRun, resumeWithAnswer, type CancelRun } from "../app/control-runs.ts";
import { fetchRepoConfig } from "../app/fetch-repo-config.ts";
import { fetchRepoFile } from "../app/fetch-repo-file.ts";
import { LEARNINGS_FILE_PATH } from "../learner/learnings-file.ts";
import { sanitizeUserText } from "../app/sanitize-user-text.ts";
import { retryOptions, triggerRun } from "../app/trigger-run.ts";
import { recordDismissal } from "../app/commands/record-dismissal.ts";
import { getSenderPermission } from "../app/get-sender-permission.ts";
import type { GitHubClient } from "../app/github-client.ts";
import { createGitHubCodeHost } from "../codehost/github-code-host.ts";
import type { Env } from "../config/env.ts";
import type { OperatorConfig } from "../config/operator-config.ts";
import type { HttpHandler } from "../intake/receive-webhook.ts";
import { cancelChannel, requestCancel } from "../queue/cancel-run.ts";
import type { Queues } from "../queue/run-queue.ts";
import type { Store } from "../store/store.ts";
import type { Logger } from "../util/logger.ts";
import { createAccessPolicy } from "./auth/create-access-policy.ts";
import { createDashboardHandler } from "./create-dashboard-handler.ts";
import { createQueueBoard } from "./create-queue-board.ts";
import { createEventFeed } from "./live/create-event-feed.ts";
import { eventChannel } from "./live/event-channel.ts";

/**
 * The web process's console: the dashboard handler with its event feed (one Redis subscriber), the access policy
 * (permissions asked through the App's installations) and the controls, each the code path of its /moderator
 * command: cancel, retry (optionally on another backend), answer a waiting question, dismiss a finding.
 */
export async function startConsole(opts: {
  env: Env;
  operator: OperatorConfig;
  store: Store;
  redisUrl: string;
  /** A producer connection without an offline queue (the web's intake connection). */
  redis: Redis;
  queues: Queues;
  installationClient: (installationId: number) => Promise<GitHubClient>;
  log: Logger;
}): Promise<{ handler: HttpHandler; close(): Promise<void> }> {
  const { env, store, log } = opts;
  const subscriber = new Redis(opts.redisUrl, { maxRetriesPerRequest: null });
  subscriber.on("error", (err) => log.warn({ err: err.message }, "redis (console events) error"));
  const feed = await createEventFeed({ subscriber, channel: eventChannel(env.queuePrefix), onError: (err) => log.warn({ err: err.message }, "console: bad event notice") });
  const sessionKey = createHash("sha256").update(`moderator-console-session\0${env.sessionSecret ?? env.privateKey ?? ""}`).digest();
  const access = createAccessPolicy({
    admins: opts.operator.dashboard.admins,
    permissionOf: async (repo, login) => getSenderPermission(await opts.installationClient(Number(repo.installationId)), repo.owner, repo.name, login),
  });
  const controlDeps = {
    store,
    queue: opts.queues,
    cancelRun: (input: Parameters<CancelRun>[0]) => requestCancel({ redis: opts.redis, queue: opts.queues.queue, channel: cancelChannel(opts.queues.names.runs) }, input),
    log,
  };
  /** The repository's row and a client of its installation; undefined when the App is not installed there. */
  const installedRepository = async (repositoryId: number) => {
    const row = await store.prisma.repository.findUnique({ where: { id: repositoryId } });
    if (!row || row.installationId === null) return undefined;
    return { row, octokit: await opts.installationClient(Number(row.installationId)) };
  };
  const handler = createDashboardHandler({
    prisma: store.prisma,
    oauth: env.oauth,
    githubWebUrl: env.githubWebUrl,
    githubApiUrl: env.githubApiUrl,
    publicUrl: env.publicUrl,
    secureCookies: env.publicUrl?.startsWith("https:") ?? env.production,
    sessionKey,
    access,
    feed,
    backends: Object.keys(opts.operator.backends),
    learner: opts.operator.learner,
    async learningsFileText(repo) {
      if (repo.installationId === null) return undefined;
      try {
        return await fetchRepoFile(await opts.installationClient(Number(repo.installationId)), repo.owner, repo.name, LEARNINGS_FILE_PATH);
      } catch (err) {
        log.warn({ err: (err as Error).message, repository: `${repo.owner}/${repo.name}` }, "console: could not read the learnings file; the Learning view shows what was learned without it");
        return undefined;
      }
    },
    async dismissFinding(run, findingId, by) {
      const finding = await store.prisma.finding.findFirst({ where: { id: findingId, executionId: run.id }, select: { fingerprint: true, ruleId: true, path: true, line: true } });
      const repo = await store.prisma.repository.findUnique({ where: { id: run.repositoryId }, select: { owner: true, name: true, installationId: true } });
      if (!finding || !repo) return "none";
      // The feedback's dedupe key wants a number: the finding id's first 48 bits, so pressing twice counts once.
      const key = Number.parseInt(findingId.replace(/-/g, "").slice(0, 12), 16);
      const result = await recordDismissal(store.prisma, { repositoryId: run.repositoryId, fingerprints: [finding.fingerprint], actor: by, reason: "Dismissed from the console", commentId: key });
      await store.appendEvent(run.id, { type: "finding.dismissed", message: `${finding.ruleId} dismissed by ${by} (console)`, data: { findingId, fingerprint: finding.fingerprint } });
      if (repo.installationId !== null) {
        const codeHost = createGitHubCodeHost(await opts.installationClient(Number(repo.installationId)));
        const where = finding.path ? ` in \`${finding.path}${finding.line ? `:${finding.line}` : ""}\`` : "";
        await codeHost.ensureComment(
          { owner: repo.owner, repo: repo.name },
          run.prNumber ?? run.issueNumber,
          `dismissed-console-${findingId}`,
          `### Moderator · Finding dismissed\n\n${by} dismissed \`${finding.ruleId}\`${where} from the console; Moderator will not raise it again on this repository.`,
        );
      }
      return result.dismissed.length > 0 ? "dismissed" : "none";
    },
    queueBoard: createQueueBoard(Object.values(opts.queues.queues)),
    async cancelRun(run, by) {
      const repo = await installedRepository(run.repositoryId);
      if (!repo) return "none";
      return cancelActiveRun({ ...controlDeps, codeHost: createGitHubCodeHost(repo.octokit) }, { ...run, by, why: "cancelled from the console" });
    },
    async retryRun(run, { backend, by }) {
      // `/moderator retry [--backend <name>]` on the run's issue, pressed in the console: the same code path.
      const repo = await installedRepository(run.repositoryId);
      if (!repo) return { outcome: "the App is no longer installed on this repository" };
      if (await store.findActiveExecution(run.repositoryId, run.issueNumber)) return { outcome: `a run is active on #${run.issueNumber}: cancel it first, or wait for it to end` };
      return triggerRun(
        { ...controlDeps, createCodeHost: createGitHubCodeHost },
        {
          octokit: repo.octokit,
          repository: { id: Number(repo.row.githubId), name: repo.row.name, owner: { login: repo.row.owner }, default_branch: repo.row.defaultBranch ?? undefined },
          installationId: Number(repo.row.installationId),
          issue: { number: run.issueNumber, title: run.issueTitle },
          sender: by,
          cfg: await fetchRepoConfig(repo.octokit, repo.row.owner, repo.row.name),
          opts: { trigger: "console", ...retryOptions(run, backend) },
        },
      );
    },
    async answerRun(run, { answer, by, nonce }) {
      // The reply a writer would post on the issue: posted for them (so the thread shows it), then the run resumes.
      const repo = await installedRepository(run.repositoryId);
      const waiting = await store.findActiveExecution(run.repositoryId, run.issueNumber);
      if (!repo || waiting?.id !== run.id || waiting.status !== "waiting_for_human") return "not_waiting";
      const codeHost = createGitHubCodeHost(repo.octokit);
      const quoted = sanitizeUserText(answer).split("\n").map((l) => `> ${l}`).join("\n");
      const comment = await codeHost.ensureComment(
        { owner: repo.row.owner, repo: repo.row.name },
        run.issueNumber,
        `console-answer-${run.id.slice(0, 8)}-${nonce}`,
        `### Moderator · Answered from the console\n\n${by} answered Moderator's question:\n\n${quoted}`,
      );
      const resumed = await resumeWithAnswer(
        { ...controlDeps, codeHost },
        { repositoryId: run.repositoryId, repositoryGithubId: run.repositoryGithubId, issueNumber: run.issueNumber, answer, by, commentId: comment.id, via: "console", executionId: run.id },
      );
      return resumed ? "resumed" : "not_waiting";
    },
    log,
  });
  return {
    handler,
    async close() {
      await feed.close();
      subscriber.disconnect();
    },
  };
}
