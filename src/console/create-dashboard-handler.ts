import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { PrismaClient } from "../generated/prisma/client.ts";
import type { HttpHandler } from "../intake/receive-webhook.ts";
import type { Logger } from "../util/logger.ts";
import type { LearnerConfig } from "../learner/learner-config.ts";
import type { AccessPolicy, RepositoryRef } from "./auth/create-access-policy.ts";
import {
  checkCsrf,
  cookie,
  csrfTokenOf,
  newSession,
  parseCookies,
  readSession,
  SESSION_COOKIE,
  signValue,
  STATE_COOKIE,
  verifyValue,
  type Session,
} from "./auth/session-cookie.ts";
import { signInWithGitHub } from "./auth/sign-in-with-github.ts";
import type { EventFeed } from "./live/create-event-feed.ts";
import { LIVE_SCRIPT } from "./live/live-script.ts";
import { streamRunEvents } from "./live/stream-run-events.ts";
import { listInstalledRepositories } from "./read-models/list-installed-repositories.ts";
import { listRuns, RunsQuery } from "./read-models/list-runs.ts";
import { readLearning } from "./read-models/read-learning.ts";
import { readRun } from "./read-models/read-run.ts";
import { QUEUE_BOARD_PATH } from "./create-queue-board.ts";
import { FINAL_STATUSES, MAX_ANSWER_CHARS, RETRYABLE_KINDS } from "./run-controls.ts";
import { escapeHtml } from "./render/escape-html.ts";
import { renderLayout } from "./render/render-layout.ts";
import { renderLearningIndex, renderLearningPage } from "./render/render-learning-page.ts";
import { renderRunPage } from "./render/render-run-page.ts";
import { renderRunsPage } from "./render/render-runs-page.ts";

const SESSION_TTL_MS = 8 * 3600_000;

export interface RetryTarget {
  id: string;
  kind: string;
  repositoryId: number;
  issueNumber: number;
  issueTitle: string;
  backend: string | null;
  instructions: string | null;
  summary: unknown;
}

export interface DashboardDeps {
  prisma: PrismaClient;
  oauth: { clientId: string; clientSecret: string } | undefined;
  githubWebUrl: string;
  githubApiUrl: string;
  /** Where browsers reach this server; default: the request's Host header. */
  publicUrl: string | undefined;
  /** Cookies are Secure (https only). */
  secureCookies: boolean;
  sessionKey: Buffer;
  access: AccessPolicy;
  feed: EventFeed;
  backends: readonly string[];
  /** The "Dismiss findings" of the check run, for one finding, recorded as done by `by`. */
  dismissFinding(run: { id: string; repositoryId: number; issueNumber: number; prNumber: number | null }, findingId: string, by: string): Promise<"dismissed" | "none">;
  /** The operator's learner settings (the Learning view shows what the learner decides with them). */
  learner: LearnerConfig;
  /** The repository's committed `.github/moderator-learnings.yml` (undefined: none, or it could not be read). */
  learningsFileText?(repo: RepositoryRef & { defaultBranch?: string | null }): Promise<string | undefined>;
  /** Bull Board (admins only); absent: not served. */
  queueBoard?: (req: IncomingMessage, res: ServerResponse) => void;
  /** The /moderator cancel of the run's issue, recorded as done by `by`. */
  cancelRun(run: { repositoryId: number; repositoryGithubId: number; issueNumber: number }, by: string): Promise<"cancelled" | "signalled" | "none">;
  /**
   * The /moderator retry of this run (on `backend` when given), requested by `by`: the outcome and the new run. Unlike
   * the command it does not replace a run active on the issue (that would wait on the request path): it says so.
   */
  retryRun(run: RetryTarget, opts: { backend?: string; by: string }): Promise<{ outcome: string; executionId?: string }>;
  /**
   * A writer's answer to the question this run waits on (as a reply on the issue would be): said on the issue as a
   * comment (its topic from `nonce`, so a second press posts nothing new), then the run resumes.
   */
  answerRun(run: { id: string; repositoryId: number; repositoryGithubId: number; issueNumber: number }, opts: { answer: string; by: string; nonce: string }): Promise<"resumed" | "not_waiting">;
  log: Logger;
}

/**
 * The operator's console under /dashboard: GitHub sign-in, the runs table, a run's page with its live events, and the
 * controls. Every page checks the session; every repository and run is checked against the viewer's permission
 * (a run the viewer may not read is a 404, like one that does not exist); every POST carries the session's CSRF token.
 */
export function createDashboardHandler(deps: DashboardDeps): HttpHandler {
  const html = (res: ServerResponse, status: number, body: string, headers: Record<string, string | string[]> = {}) => {
    res.writeHead(status, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store", "x-frame-options": "DENY", "content-security-policy": "default-src 'self'; style-src 'unsafe-inline'; img-src 'self' data:", ...headers }).end(body);
  };
  const redirect = (res: ServerResponse, to: string, cookies: string[] = []) => {
    res.writeHead(303, { location: to, ...(cookies.length ? { "set-cookie": cookies } : {}) }).end();
  };
  const origin = (req: IncomingMessage) => deps.publicUrl ?? `${deps.secureCookies ? "https" : "http"}://${req.headers.host ?? "localhost"}`;

  const notConfigured = (res: ServerResponse) =>
    html(
      res,
      503,
      renderLayout({
        title: "Console not configured",
        body: `<div class="notice"><p>Sign-in with GitHub is not configured, so the console shows nothing.</p>
<p>Set <code>GITHUB_CLIENT_ID</code> and <code>GITHUB_CLIENT_SECRET</code> to the GitHub App's OAuth client id and secret (the manifest flow wrote them to <code>.env</code>; otherwise see the App's settings page, "Client secrets"), set the App's callback URL to <code>&lt;your URL&gt;/dashboard/auth/callback</code>, and restart. Optional: <code>SESSION_SECRET</code> (32+ characters), <code>PUBLIC_URL</code>, and <code>dashboard.admins</code> in moderator.config.yml.</p></div>`,
      }),
    );

  const runsPage = async (req: IncomingMessage, res: ServerResponse, session: Session, url: URL) => {
    const query = RunsQuery.parse(Object.fromEntries(url.searchParams));
    const { visible, seen } = await readableRepositories(session);
    const shownQuery = query.repository && !seen.some((r) => `${r.owner}/${r.name}` === query.repository) ? { ...query, repository: undefined } : query;
    const runs = await listRuns(deps.prisma, shownQuery, visible);
    const body = renderRunsPage(runs, shownQuery, { repositories: seen.map((r) => `${r.owner}/${r.name}`), backends: [...deps.backends] });
    page(res, session, "Runs", body);
  };

  /** The repositories the viewer may read (all installed ones for an admin). */
  const readableRepositories = async (session: Session) => {
    const repos = await listInstalledRepositories(deps.prisma);
    const visible = await deps.access.visibleRepositoryIds(session.login, repos);
    return { repos, visible, seen: visible === undefined ? repos : repos.filter((r) => visible.includes(r.id)) };
  };

  const page = (res: ServerResponse, session: Session, title: string, body: string) =>
    html(res, 200, renderLayout({ title, body, login: session.login, csrf: csrfTokenOf(deps.sessionKey, session), queues: Boolean(deps.queueBoard) && deps.access.isAdmin(session.login) }));

  /** /dashboard/learning (the viewer's repositories) and /dashboard/learning/<owner>/<name> (one of them). */
  const learningPage = async (res: ServerResponse, session: Session, slug: string | undefined) => {
    const { seen } = await readableRepositories(session);
    if (slug === undefined) return page(res, session, "Learning", renderLearningIndex(seen.map((r) => `${r.owner}/${r.name}`)));
    // A repository the viewer may not read is "not found", like one that does not exist.
    const repo = seen.find((r) => `${r.owner}/${r.name}` === slug);
    if (!repo) return html(res, 404, renderLayout({ title: "Not found", body: `<p>No such repository.</p>`, login: session.login, csrf: csrfTokenOf(deps.sessionKey, session) }));
    const learningsFileText = await deps.learningsFileText?.(repo);
    const view = await readLearning(deps.prisma, { repositoryId: repo.id, config: deps.learner, now: new Date(), backends: deps.backends, ...(learningsFileText !== undefined ? { learningsFileText } : {}) });
    page(res, session, `Learning · ${slug}`, renderLearningPage(slug, view, { credibleMass: deps.learner.credibleMass, halfLifeDays: deps.learner.halfLifeDays, suppression: deps.learner.suppression }));
  };

  /** The run, when the viewer may read its repository; null otherwise (no trace of it either way). */
  const visibleRun = async (session: Session, id: string) => {
    const view = await readRun(deps.prisma, id);
    if (!view) return null;
    const repo = await deps.prisma.repository.findUnique({ where: { id: view.execution.repositoryId }, select: { id: true, owner: true, name: true, installationId: true } });
    if (!repo) return null;
    const permission = await deps.access.permission(session.login, repo);
    if (permission === "none") return null;
    return { view, repo };
  };

  const notFound = (res: ServerResponse, session: Session) =>
    html(res, 404, renderLayout({ title: "Not found", body: `<p>No such run.</p>`, login: session.login, csrf: csrfTokenOf(deps.sessionKey, session) }));
  const plain = (res: ServerResponse, status: number, text: string) => res.writeHead(status, { "content-type": "text/plain; charset=utf-8" }).end(text);

  /** The run, when the viewer may control it (the rule of the /moderator commands: write); otherwise the answer is sent. */
  const controllable = async (res: ServerResponse, session: Session, id: string) => {
    const found = await visibleRun(session, id);
    if (!found) {
      notFound(res, session);
      return undefined;
    }
    if (!(await deps.access.canControl(session.login, found.repo))) {
      plain(res, 403, `${session.login} needs write permission on ${found.repo.owner}/${found.repo.name} to control its runs`);
      return undefined;
    }
    return found;
  };

  return async (req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const path = url.pathname;
    if (path !== "/dashboard" && !path.startsWith("/dashboard/")) return false;
    if (path === "/dashboard/assets/live.js") {
      res.writeHead(200, { "content-type": "text/javascript; charset=utf-8", "cache-control": "max-age=300" }).end(LIVE_SCRIPT);
      return true;
    }
    const oauth = deps.oauth;
    if (!oauth) {
      notConfigured(res);
      return true;
    }
    const cookies = parseCookies(req.headers.cookie);
    const secure = deps.secureCookies;

    if (path === "/dashboard/login") {
      const state = randomBytes(16).toString("base64url");
      const authorize = new URL(`${deps.githubWebUrl}/login/oauth/authorize`);
      authorize.searchParams.set("client_id", oauth.clientId);
      authorize.searchParams.set("redirect_uri", `${origin(req)}/dashboard/auth/callback`);
      authorize.searchParams.set("state", state);
      authorize.searchParams.set("allow_signup", "false");
      redirect(res, authorize.toString(), [cookie(STATE_COOKIE, signValue(deps.sessionKey, { state, exp: Date.now() + 600_000 }), { maxAgeSeconds: 600, secure })]);
      return true;
    }
    if (path === "/dashboard/auth/callback") {
      const expected = verifyValue(deps.sessionKey, cookies[STATE_COOKIE]) as { state?: string; exp?: number } | undefined;
      const code = url.searchParams.get("code");
      if (!code || !expected?.state || expected.state !== url.searchParams.get("state") || (expected.exp ?? 0) < Date.now()) {
        html(res, 400, renderLayout({ title: "Sign-in failed", body: `<p>The sign-in did not match the one this browser started (or it expired). <a href="/dashboard/login">Sign in again</a>.</p>` }));
        return true;
      }
      try {
        const { login } = await signInWithGitHub({ webUrl: deps.githubWebUrl, apiUrl: deps.githubApiUrl, clientId: oauth.clientId, clientSecret: oauth.clientSecret, code, redirectUri: `${origin(req)}/dashboard/auth/callback` });
        const session = newSession(login, SESSION_TTL_MS);
        deps.log.info({ login }, "console sign-in");
        redirect(res, "/dashboard", [cookie(SESSION_COOKIE, signValue(deps.sessionKey, session), { maxAgeSeconds: SESSION_TTL_MS / 1000, secure }), cookie(STATE_COOKIE, "", { maxAgeSeconds: 0, secure })]);
      } catch (err) {
        deps.log.warn({ err: (err as Error).message }, "console sign-in failed");
        html(res, 502, renderLayout({ title: "Sign-in failed", body: `<p>${escapeHtml((err as Error).message)}</p><p><a href="/dashboard/login">Try again</a></p>` }));
      }
      return true;
    }

    const session = readSession(deps.sessionKey, cookies);
    if (!session) {
      if (req.method !== "GET") {
        res.writeHead(401, { "content-type": "text/plain" }).end("Sign in first");
        return true;
      }
      html(res, 200, renderLayout({ title: "Sign in", body: `<section><p>The console shows the runs of the repositories you can read on GitHub.</p><p><a href="/dashboard/login" id="sign-in"><button>Sign in with GitHub</button></a></p></section>` }));
      return true;
    }

    if (path === QUEUE_BOARD_PATH || path.startsWith(`${QUEUE_BOARD_PATH}/`)) {
      if (!deps.queueBoard || !deps.access.isAdmin(session.login)) {
        notFound(res, session);
        return true;
      }
      // The board's own API (retry, clean, pause...) is JSON over fetch: same-origin requests only.
      if (req.method !== "GET" && req.method !== "HEAD" && req.headers.origin !== origin(req)) {
        res.writeHead(403, { "content-type": "text/plain" }).end("Cross-origin request refused");
        return true;
      }
      deps.queueBoard(req, res);
      return true;
    }

    if (req.method === "POST") {
      const form = await readForm(req);
      if (!form) {
        plain(res, 413, `The form is larger than ${MAX_FORM_BYTES} bytes.`);
        return true;
      }
      if (!checkCsrf(deps.sessionKey, session, form.get("csrf") ?? (req.headers["x-csrf-token"] as string | undefined))) {
        res.writeHead(403, { "content-type": "text/plain" }).end("Missing or wrong CSRF token: reload the page and try again");
        return true;
      }
      if (path === "/dashboard/logout") {
        redirect(res, "/dashboard", [cookie(SESSION_COOKIE, "", { maxAgeSeconds: 0, secure })]);
        return true;
      }
      const control = /^\/dashboard\/runs\/([0-9a-f-]{36})\/(cancel|retry|answer)$/.exec(path);
      const target = control ? await controllable(res, session, control[1]!) : undefined;
      if (control && !target) return true;
      if (control?.[2] === "retry" && target) {
        const e = target.view.execution;
        const backend = form.get("backend") ?? "";
        if (backend !== "" && !deps.backends.includes(backend)) {
          plain(res, 400, `Unknown backend '${backend.slice(0, 80)}': choose one of ${deps.backends.join(", ") || "(none configured)"}`);
          return true;
        }
        if (!RETRYABLE_KINDS.has(e.kind) || !FINAL_STATUSES.has(e.status)) {
          plain(res, 409, `This run cannot be retried from here (${e.kind}, ${e.status}); retry a finished run, a race or a review.`);
          return true;
        }
        const result = await deps.retryRun(e, { ...(backend ? { backend } : {}), by: session.login });
        deps.log.info({ login: session.login, executionId: e.id, backend: backend || null, result }, "console: retry");
        if (!result.executionId || result.outcome !== "queued") {
          plain(res, 409, `Not retried: ${result.outcome}`);
          return true;
        }
        redirect(res, `/dashboard/runs/${result.executionId}`);
        return true;
      }
      if (control?.[2] === "answer" && target) {
        const e = target.view.execution;
        const answer = (form.get("answer") ?? "").trim();
        const nonce = form.get("nonce") ?? "";
        if (answer === "" || answer.length > MAX_ANSWER_CHARS || !/^[A-Za-z0-9_-]{8,64}$/.test(nonce)) {
          plain(res, 400, answer === "" ? "The answer is empty." : answer.length > MAX_ANSWER_CHARS ? `The answer is longer than ${MAX_ANSWER_CHARS} characters.` : "The form is missing its nonce: reload the page.");
          return true;
        }
        if (e.status !== "waiting_for_human") {
          plain(res, 409, `This run is not waiting for an answer (it is ${e.status}).`);
          return true;
        }
        const result = await deps.answerRun({ id: e.id, repositoryId: e.repositoryId, repositoryGithubId: Number(e.repository.githubId), issueNumber: e.issueNumber }, { answer, by: session.login, nonce });
        deps.log.info({ login: session.login, executionId: e.id, result }, "console: answer");
        if (result !== "resumed") {
          plain(res, 409, "This run is no longer waiting for an answer.");
          return true;
        }
        redirect(res, `/dashboard/runs/${e.id}`);
        return true;
      }
      if (control?.[2] === "cancel" && target) {
        const e = target.view.execution;
        const result = await deps.cancelRun({ repositoryId: e.repositoryId, repositoryGithubId: Number(e.repository.githubId), issueNumber: e.issueNumber }, session.login);
        deps.log.info({ login: session.login, executionId: e.id, result }, "console: cancel");
        redirect(res, `/dashboard/runs/${e.id}`);
        return true;
      }
      const dismiss = /^\/dashboard\/runs\/([0-9a-f-]{36})\/findings\/([0-9a-f-]{36})\/dismiss$/.exec(path);
      if (dismiss) {
        const found = await visibleRun(session, dismiss[1]!);
        if (!found || !found.view.execution.findings.some((f) => f.id === dismiss[2])) {
          notFound(res, session);
          return true;
        }
        if (!(await deps.access.canControl(session.login, found.repo))) {
          plain(res, 403, `${session.login} needs write permission on ${found.repo.owner}/${found.repo.name} to dismiss findings`);
          return true;
        }
        const result = await deps.dismissFinding(found.view.execution, dismiss[2]!, session.login);
        deps.log.info({ login: session.login, executionId: found.view.execution.id, findingId: dismiss[2], result }, "console: dismiss finding");
        redirect(res, `/dashboard/runs/${found.view.execution.id}`);
        return true;
      }
      res.writeHead(404, { "content-type": "text/plain" }).end("Not found");
      return true;
    }

    if (path === "/dashboard" || path === "/dashboard/") {
      await runsPage(req, res, session, url);
      return true;
    }
    const learning = /^\/dashboard\/learning(?:\/([A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+))?\/?$/.exec(path);
    if (learning) {
      await learningPage(res, session, learning[1]);
      return true;
    }
    const events = /^\/dashboard\/runs\/([0-9a-f-]{36})\/events$/.exec(path);
    if (events) {
      const found = await visibleRun(session, events[1]!);
      if (!found) {
        res.writeHead(404, { "content-type": "text/plain" }).end("No such run");
        return true;
      }
      streamRunEvents({ req, res, prisma: deps.prisma, feed: deps.feed, executionId: events[1]! });
      return true;
    }
    const run = /^\/dashboard\/runs\/([0-9a-f-]{36})$/.exec(path);
    if (run) {
      const found = await visibleRun(session, run[1]!);
      if (!found) {
        notFound(res, session);
        return true;
      }
      const canControl = await deps.access.canControl(session.login, found.repo);
      const body = renderRunPage(found.view, { canControl, csrf: csrfTokenOf(deps.sessionKey, session), githubWebUrl: deps.githubWebUrl, backends: deps.backends, nonce: randomBytes(12).toString("base64url") });
      html(res, 200, renderLayout({ title: `Run ${found.view.execution.id.slice(0, 8)}`, body, login: session.login, csrf: csrfTokenOf(deps.sessionKey, session), script: true }));
      return true;
    }
    notFound(res, session);
    return true;
  };
}

/** The largest form body read (an answer of MAX_ANSWER_CHARS characters, percent-encoded, fits). */
const MAX_FORM_BYTES = 128 * 1024;

/** The url-encoded form of a POST (empty for another content type); undefined when it is too large. */
async function readForm(req: IncomingMessage): Promise<URLSearchParams | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_FORM_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  const type = String(req.headers["content-type"] ?? "");
  return type.includes("application/x-www-form-urlencoded") ? new URLSearchParams(Buffer.concat(chunks).toString("utf8")) : new URLSearchParams();
}
