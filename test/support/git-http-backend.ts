import { execFile, spawn } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

export interface GitHttpOptions {
  /** Folder holding the bare repositories (GIT_PROJECT_ROOT). */
  projectRoot: string;
  /** URL path the repositories are served under, e.g. "/git" -> http://host/git/<repo>.git */
  pathPrefix: string;
  /** When set, every request must carry `Authorization: Basic base64("x-access-token:" + token)`. */
  token?: string;
}

/** Headers of a CGI response: everything before the first empty line. */
function splitCgiHeaders(buf: Buffer): { headerText: string; body: Buffer } | undefined {
  const crlf = buf.indexOf("\r\n\r\n");
  const lf = buf.indexOf("\n\n");
  if (crlf === -1 && lf === -1) return undefined;
  if (crlf !== -1 && (lf === -1 || crlf < lf)) return { headerText: buf.subarray(0, crlf).toString("latin1"), body: buf.subarray(crlf + 4) };
  return { headerText: buf.subarray(0, lf).toString("latin1"), body: buf.subarray(lf + 2) };
}

/**
 * Serve git's smart HTTP protocol (clone, fetch, push) from bare repositories by running
 * `git http-backend` as a CGI program, like GitHub's https://github.com/<owner>/<repo>.git.
 */
export async function handleGitHttp(req: IncomingMessage, res: ServerResponse, opts: GitHttpOptions): Promise<void> {
  const url = new URL(req.url ?? "/", "http://localhost");
  const prefix = opts.pathPrefix.replace(/\/+$/, "");
  if (!url.pathname.startsWith(`${prefix}/`)) {
    res.writeHead(404, { "content-type": "text/plain" }).end(`not under ${prefix}/\n`);
    return;
  }
  if (opts.token !== undefined) {
    const expected = `Basic ${Buffer.from(`x-access-token:${opts.token}`).toString("base64")}`;
    if (req.headers.authorization !== expected) {
      req.resume();
      res.writeHead(401, { "www-authenticate": 'Basic realm="git"', "content-type": "text/plain" }).end("authentication required\n");
      return;
    }
  }
  const pathInfo = decodeURIComponent(url.pathname.slice(prefix.length));
  if (pathInfo.split("/").includes("..")) {
    res.writeHead(400, { "content-type": "text/plain" }).end("bad path\n");
    return;
  }

  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    GIT_PROJECT_ROOT: path.resolve(opts.projectRoot),
    GIT_HTTP_EXPORT_ALL: "1",
    PATH_INFO: pathInfo,
    QUERY_STRING: url.search.replace(/^\?/, ""),
    REQUEST_METHOD: req.method ?? "GET",
    CONTENT_TYPE: req.headers["content-type"] ?? "",
    REMOTE_USER: opts.token !== undefined ? "x-access-token" : "anonymous",
    REMOTE_ADDR: req.socket.remoteAddress ?? "127.0.0.1",
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_CONFIG_COUNT: "2",
    GIT_CONFIG_KEY_0: "http.receivepack",
    GIT_CONFIG_VALUE_0: "true",
    GIT_CONFIG_KEY_1: "safe.directory",
    GIT_CONFIG_VALUE_1: "*",
  };
  if (req.headers["content-length"] !== undefined) env.CONTENT_LENGTH = req.headers["content-length"];
  const encoding = req.headers["content-encoding"];
  if (typeof encoding === "string") env.HTTP_CONTENT_ENCODING = encoding;
  const protocol = req.headers["git-protocol"];
  if (typeof protocol === "string") env.GIT_PROTOCOL = protocol;

  const child = spawn("git", ["http-backend"], { env, stdio: ["pipe", "pipe", "pipe"] });
  req.pipe(child.stdin);
  child.stdin.on("error", () => undefined); // the backend may stop reading early

  const stderr: Buffer[] = [];
  child.stderr.on("data", (d: Buffer) => stderr.push(d));

  await new Promise<void>((resolve) => {
    let head: Buffer = Buffer.alloc(0);
    let headersSent = false;
    child.stdout.on("data", (chunk: Buffer) => {
      if (headersSent) {
        res.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const split = splitCgiHeaders(head);
      if (!split) return;
      headersSent = true;
      let status = 200;
      const headers: Record<string, string> = {};
      for (const line of split.headerText.split(/\r?\n/)) {
        const colon = line.indexOf(":");
        if (colon === -1) continue;
        const name = line.slice(0, colon).trim();
        const value = line.slice(colon + 1).trim();
        if (name.toLowerCase() === "status") status = Number.parseInt(value, 10) || 500;
        else headers[name] = value;
      }
      res.writeHead(status, headers);
      if (split.body.length > 0) res.write(split.body);
    });
    const finish = (): void => {
      if (!headersSent) {
        const message = Buffer.concat(stderr).toString() || "git http-backend printed no headers";
        if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
        res.end(message);
      } else {
        res.end();
      }
      resolve();
    };
    child.on("error", (err) => {
      stderr.push(Buffer.from(String(err)));
      finish();
    });
    child.on("close", finish);
  });
}

export interface GitHttpServer {
  /** Base URL, e.g. http://127.0.0.1:41234/git; a repository is `${url}/<name>.git`. */
  url: string;
  port: number;
  close(): Promise<void>;
}

/** A local git smart-HTTP server for tests (127.0.0.1, random port). */
export async function startGitHttpServer(opts: { projectRoot: string; pathPrefix?: string; token?: string }): Promise<GitHttpServer> {
  const pathPrefix = opts.pathPrefix ?? "/git";
  const server = createServer((req, res) => {
    handleGitHttp(req, res, { projectRoot: opts.projectRoot, pathPrefix, ...(opts.token !== undefined ? { token: opts.token } : {}) }).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end(String(err));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${pathPrefix}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const GIT_IDENTITY = {
  GIT_AUTHOR_NAME: "Test Author",
  GIT_AUTHOR_EMAIL: "author@example.com",
  GIT_COMMITTER_NAME: "Test Author",
  GIT_COMMITTER_EMAIL: "author@example.com",
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: "/dev/null",
};

async function git(args: string[], cwd: string): Promise<string> {
  const { stdout } = await execFileAsync("git", args, { cwd, env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...GIT_IDENTITY } });
  return stdout.trim();
}

/**
 * Create a bare repository at `dir` whose `branch` has one commit with `files` (path -> content,
 * nested paths allowed). Returns its absolute path and the commit sha.
 */
export async function createBareRepo(dir: string, files: Record<string, string>, branch = "main"): Promise<{ barePath: string; sha: string }> {
  const barePath = path.resolve(dir);
  const work = await mkdtemp(path.join(tmpdir(), "moderator-bare-src-"));
  try {
    await git(["init", "--quiet", "-b", branch], work);
    for (const [file, content] of Object.entries(files)) {
      const target = path.join(work, file);
      await mkdir(path.dirname(target), { recursive: true });
      await writeFile(target, content);
    }
    await git(["add", "-A"], work);
    await git(["commit", "--quiet", "--allow-empty", "-m", "initial commit"], work);
    const sha = await git(["rev-parse", "HEAD"], work);
    await mkdir(path.dirname(barePath), { recursive: true });
    await git(["clone", "--quiet", "--bare", work, barePath], path.dirname(barePath));
    await git(["config", "http.receivepack", "true"], barePath);
    await git(["symbolic-ref", "HEAD", `refs/heads/${branch}`], barePath);
    return { barePath, sha };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
