import { closeSync, constants as fsConstants, openSync } from "node:fs";
import { access, mkdir, mkdtemp, realpath, rm, stat, writeFile } from "node:fs/promises";
import { constants as osConstants, tmpdir } from "node:os";
import path from "node:path";
import { execa } from "execa";
import { buildBwrapArgs } from "./build-bwrap-args.ts";
import { createLineSplitter } from "./create-line-splitter.ts";
import { DEFAULT_PATH } from "./default-path.ts";
import { detectHostLayout } from "./detect-host-layout.ts";
import { buildEgressRules } from "./egress-policy.ts";
import type { HostLayout } from "./host-layout.ts";
import { listDescendantPids } from "./list-descendant-pids.ts";
import type { ProcessRunner, RunOptions, RunResult } from "./process-runner.ts";
import { resolveProgram } from "./resolve-program.ts";
import { startEgressProxy, type EgressProxy, type ResolveHost } from "./start-egress-proxy.ts";
import { TailBuffer } from "./tail-buffer.ts";

export interface CreateProcessRunnerOptions {
  /** auto: bwrap when it works here, else none with one warning. bwrap: bwrap or a clear error. */
  mode: "auto" | "bwrap" | "none";
  log?: (line: string) => void;
  /** The bubblewrap binary. Default: /usr/bin/bwrap, else the first bwrap on the default PATH. */
  bwrapPath?: string;
  /** Refused for every sandboxed run whatever its allow-list: Moderator's own services (Redis, the database,
   *  the GitHub Enterprise host) by name, and their host:port. From `buildEgressDenyList`. */
  egressDeny?: { hosts?: string[]; endpoints?: Array<{ host: string; port: number }> };
  /** The egress proxy's resolver (tests inject one); default: the system resolver. */
  resolveHost?: ResolveHost;
  /** Only for tests of the fallback: act as if bubblewrap could not create a network namespace. */
  simulateNoNetworkNamespace?: boolean;
}

/** Inside the sandbox, the forwarder listens here (the sandbox's own loopback) and the proxy socket is here. */
const SANDBOX_PROXY_PORT = 3128;
const SANDBOX_PROXY_SOCKET = "/run/moderator-egress.sock";
/**
 * Starts socat as the forwarder from the sandbox's loopback to the proxy's Unix socket, waits until it
 * listens (its line in the namespace's own /proc/net/tcp), then execs the command. Arguments: socat, port, argv.
 */
const FORWARDER_SCRIPT = [
  's=$1; p=$2; shift 2',
  `"$s" TCP-LISTEN:$p,bind=127.0.0.1,reuseaddr,fork UNIX-CONNECT:${SANDBOX_PROXY_SOCKET} </dev/null >/dev/null 2>&1 &`,
  'h=$(printf "0100007F:%04X " "$p"); n=0',
  'while ! grep -q "$h" /proc/net/tcp 2>/dev/null; do n=$((n+1)); [ "$n" -ge 5000 ] && break; done',
  'exec "$@"',
].join("\n");

/** SIGTERM first; whatever is still alive this long after gets SIGKILL. */
const KILL_GRACE_MS = 3000;
const DEFAULT_MAX_OUTPUT_BYTES = 1024 * 1024;
const MAX_LINE_BYTES = 64 * 1024;
/** Wraps the command inside bwrap: bwrap always sets PWD, this removes it again so env is exact. */
const ENV_PROGRAM = "/usr/bin/env";

interface EgressSetup {
  deny: NonNullable<CreateProcessRunnerOptions["egressDeny"]>;
  resolveHost: ResolveHost | undefined;
  /** socat, the in-sandbox forwarder; undefined when it is not installed. */
  socatPath: string | undefined;
}

type Sandbox = { kind: "none"; egress: EgressSetup } | { kind: "bwrap"; bwrapPath: string; layout: HostLayout; isolatedNetwork: boolean; egress: EgressSetup };

async function isExecutable(p: string): Promise<boolean> {
  try {
    if (!(await stat(p)).isFile()) return false;
    await access(p, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

async function findBwrap(explicit: string | undefined, name = "bwrap"): Promise<string | undefined> {
  if (explicit !== undefined) return (await isExecutable(explicit)) ? explicit : undefined;
  for (const dir of ["/usr/bin", ...DEFAULT_PATH.split(":")]) {
    const candidate = path.join(dir, name);
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/** Run `true` with exactly the flags real runs use; ok when it exits 0. */
async function probeBwrap(bwrapPath: string, layout: HostLayout, shareHostNetwork: boolean): Promise<{ ok: true } | { ok: false; reason: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), "moderator-bwrap-probe-"));
  try {
    const args = [...buildBwrapArgs({ layout, cwd: dir, readOnlyPaths: [], writablePaths: [], shareHostNetwork }), ENV_PROGRAM, "-u", "PWD", "--", "true"];
    const result = await execa(bwrapPath, args, {
      cwd: dir,
      env: { PATH: DEFAULT_PATH },
      extendEnv: false,
      stdin: "ignore",
      reject: false,
      timeout: 15_000,
    });
    if (result.exitCode === 0) return { ok: true };
    const why = String(result.stderr ?? "").trim() || String(result.shortMessage ?? `exit code ${String(result.exitCode)}`);
    return { ok: false, reason: `${bwrapPath} failed: ${why}` };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The process runner: the one place Moderator starts agents and QA commands.
 *
 * - env is exactly `opts.env` (plus PATH=DEFAULT_PATH when it has none); nothing of Moderator's own
 *   environment leaks in. stdin is closed unless `input` is given.
 * - The child starts detached in its own process group. On timeout or abort the group and every
 *   descendant (also those that called setsid, and everything inside bwrap) get SIGTERM, then SIGKILL
 *   3 s later. When the main process exits, whatever it left behind in its group is killed.
 * - stdout/stderr keep only their last maxOutputBytes (default 1 MiB) each; line callbacks get lines cut
 *   at 64 KiB. A flood of hundreds of MB costs CPU, not memory.
 * - It never throws for a non-zero exit, a timeout or a cancel; it throws only when the program cannot
 *   be started (not found, not executable, bad cwd, sandbox setup failure), with the program's name.
 *
 * Under bwrap (see build-bwrap-args.ts for the profile) the cwd, readOnlyPaths, writablePaths and
 * env.HOME (created, writable) are the only host folders besides the system ones. A program given by
 * absolute path, or found on PATH outside the system folders, is bound read-only so it can start.
 * bwrap reports a child killed by signal N as exit code 128+N; that is decoded back to `signal`.
 *
 * Network: under bwrap the child always has its own network namespace. With `network: { allow }` the run
 * gets its own egress proxy (start-egress-proxy.ts) on a Unix socket bound into the sandbox, a socat
 * forwarder on the sandbox's 127.0.0.1:3128, and HTTP(S)_PROXY/ALL_PROXY; every attempt goes to
 * `onConnection`. Without a network namespace (sandbox none, or the auto fallback) the proxy listens on a
 * host loopback port instead and `networkWarning` says the network is not isolated.
 */
export async function createProcessRunner(opts: CreateProcessRunnerOptions): Promise<ProcessRunner> {
  const log = opts.log ?? ((): void => undefined);
  if (opts.mode !== "auto" && opts.mode !== "bwrap" && opts.mode !== "none") {
    throw new Error(`sandbox mode must be "auto", "bwrap" or "none", got ${JSON.stringify(opts.mode)}`);
  }
  const egress: EgressSetup = { deny: opts.egressDeny ?? {}, resolveHost: opts.resolveHost, socatPath: undefined };
  buildEgressRules([], egress.deny); // a bad deny entry fails here, at start-up
  const noSandboxNetwork =
    "NETWORK NOT ISOLATED: there is no sandbox, so agents and QA commands reach the network (Redis, the database, " +
    "cloud metadata, the local network) directly; their allow-lists only apply to clients that honour HTTPS_PROXY.";
  if (opts.mode === "none") return makeRunner({ kind: "none", egress }, log, noSandboxNetwork);

  const layout = await detectHostLayout();
  const bwrapPath = await findBwrap(opts.bwrapPath);
  const probe = bwrapPath
    ? opts.simulateNoNetworkNamespace === true
      ? { ok: false as const, reason: "simulated: no network namespace" }
      : await probeBwrap(bwrapPath, layout, false)
    : { ok: false as const, reason: `bwrap not found (${opts.bwrapPath ?? `looked in /usr/bin and ${DEFAULT_PATH}`})` };
  egress.socatPath = await findBwrap(undefined, "socat");
  if (probe.ok && bwrapPath) {
    if (!egress.socatPath) {
      log("WARNING: socat is not installed (apt-get install socat): sandboxed agents and QA commands that are allowed a network will fail to start.");
    }
    return makeRunner({ kind: "bwrap", bwrapPath, layout, isolatedNetwork: true, egress }, log, undefined);
  }

  // Does bubblewrap work when it keeps the host's network? Then only the network namespace is missing.
  const shared = bwrapPath ? await probeBwrap(bwrapPath, layout, true) : probe;
  if (shared.ok && bwrapPath) {
    const why = `bubblewrap cannot create a network namespace here (${probe.ok ? "" : probe.reason})`;
    if (opts.mode === "bwrap") {
      throw new Error(
        `sandbox mode "bwrap" was requested but ${why}, so the agent could reach Redis, the database, cloud metadata and the local network. ` +
          `Allow unprivileged network namespaces (or run Moderator where they work), or set sandbox: auto to accept a sandbox without network isolation.`,
      );
    }
    const warning = `NETWORK NOT ISOLATED: ${why}; sandboxed agents and QA commands share the host's network (Redis, the database, cloud metadata, the local network). Allow-lists only apply to clients that honour HTTPS_PROXY.`;
    log(`WARNING: ${warning}`);
    return makeRunner({ kind: "bwrap", bwrapPath, layout, isolatedNetwork: false, egress }, log, warning);
  }

  const reason = probe.ok ? "bwrap not found" : probe.reason;
  if (opts.mode === "bwrap") {
    throw new Error(
      `sandbox mode "bwrap" was requested but bubblewrap does not work on this machine: ${reason}. ` +
        `Install bubblewrap (apt-get install bubblewrap) and allow unprivileged user namespaces, or set sandbox: none in the operator config.`,
    );
  }
  log(
    `WARNING: NO SANDBOX. bubblewrap is not usable here (${reason}); agents and QA commands will run with Moderator's own ` +
      `file system and network access. Install bubblewrap, or set sandbox: none to acknowledge this.`,
  );
  return makeRunner({ kind: "none", egress }, log, noSandboxNetwork);
}

function makeRunner(sandbox: Sandbox, log: (line: string) => void, networkWarning: string | undefined): ProcessRunner {
  return {
    mode: sandbox.kind,
    ...(networkWarning !== undefined ? { networkWarning } : {}),
    run: (opts) => runOnce(sandbox, opts, log),
  };
}

function isUnder(p: string, root: string): boolean {
  return p === root || p.startsWith(root.endsWith("/") ? root : `${root}/`);
}

function validate(opts: RunOptions): void {
  if (!Array.isArray(opts.command) || opts.command.length === 0 || opts.command.some((a) => typeof a !== "string")) {
    throw new Error(`run: command must be a non-empty array of strings (argv), got ${JSON.stringify(opts.command)}`);
  }
  if (!Number.isFinite(opts.timeoutMs) || opts.timeoutMs <= 0) {
    throw new Error(`run "${opts.command[0]}": timeoutMs must be a positive number, got ${String(opts.timeoutMs)}`);
  }
  if (opts.maxOutputBytes !== undefined && (!Number.isInteger(opts.maxOutputBytes) || opts.maxOutputBytes < 0)) {
    throw new Error(`run "${opts.command[0]}": maxOutputBytes must be a non-negative integer, got ${String(opts.maxOutputBytes)}`);
  }
  for (const [name, value] of Object.entries(opts.env)) {
    if (typeof value !== "string") throw new Error(`run "${opts.command[0]}": env.${name} must be a string`);
  }
}

async function ensureDirectory(p: string, what: string, program: string): Promise<void> {
  let ok = false;
  try {
    ok = (await stat(p)).isDirectory();
  } catch {
    ok = false;
  }
  if (!ok) throw new Error(`cannot run "${program}": ${what} ${p} does not exist or is not a directory`);
}

const SIGNAL_BY_NUMBER = new Map<number, string>(Object.entries(osConstants.signals).map(([name, num]) => [num, name]));

async function runOnce(sandbox: Sandbox, opts: RunOptions, log: (line: string) => void): Promise<RunResult> {
  validate(opts);
  const program = opts.command[0]!;
  const started = performance.now();
  const env: Record<string, string> = { ...opts.env };
  if (env.PATH === undefined) env.PATH = DEFAULT_PATH;

  if (opts.signal?.aborted) {
    return { exitCode: null, signal: null, stdout: "", stderr: "", truncated: false, timedOut: false, cancelled: true, durationMs: 0, sandbox: sandbox.kind };
  }

  const cwd = path.resolve(opts.cwd);
  await ensureDirectory(cwd, "working directory", program);
  const resolved = await resolveProgram(program, env.PATH, cwd);
  if (env.HOME !== undefined && path.isAbsolute(env.HOME)) {
    if (path.resolve(env.HOME) === "/") throw new Error(`cannot run "${program}": HOME must be a scratch folder, not /`);
    await mkdir(env.HOME, { recursive: true });
  }

  const network = opts.network ?? false;
  if (network !== false && (typeof network !== "object" || !Array.isArray(network.allow))) {
    throw new Error(`run "${program}": network must be false or { allow: [...] }, got ${JSON.stringify(network)}`);
  }
  const inNamespace = sandbox.kind === "bwrap" && sandbox.isolatedNetwork;
  if (network !== false && inNamespace && !sandbox.egress.socatPath) {
    throw new Error(`cannot run "${program}" with network access in the sandbox: socat, the forwarder to Moderator's egress proxy, is not installed (apt-get install socat)`);
  }
  const rules = network !== false ? buildEgressRules(network.allow, sandbox.egress.deny) : undefined;

  const runDir = sandbox.kind === "bwrap" || rules ? await mkdtemp(path.join(tmpdir(), "moderator-run-")) : undefined;
  let proxy: EgressProxy | undefined;
  let argsFd: number | undefined;
  try {
    /** Runs before the command inside the sandbox: the forwarder to the egress proxy. */
    let prelude: string[] = [];
    const extraBinds: Array<{ source: string; dest: string }> = [];
    if (rules && runDir) {
      proxy = await startEgressProxy({
        rules,
        listen: inNamespace ? { socketPath: path.join(runDir, "egress.sock") } : { port: 0 },
        onAttempt: (attempt) => {
          try {
            opts.onConnection?.(attempt);
          } catch (err) {
            log(`process runner: the connection callback for "${program}" threw (${String(err)})`);
          }
        },
        ...(sandbox.egress.resolveHost ? { resolve: sandbox.egress.resolveHost } : {}),
      });
      const url = `http://127.0.0.1:${inNamespace ? SANDBOX_PROXY_PORT : String(proxy.port)}`;
      for (const name of ["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"]) env[name] = url;
      env.NODE_USE_ENV_PROXY = "1";
      if (inNamespace) {
        extraBinds.push({ source: path.join(runDir, "egress.sock"), dest: SANDBOX_PROXY_SOCKET });
        prelude = ["/bin/sh", "-c", FORWARDER_SCRIPT, "moderator-egress", sandbox.egress.socatPath!, String(SANDBOX_PROXY_PORT)];
      }
    }
    return await spawnAndWait(sandbox, opts, log, { env, cwd, resolved, prelude, extraBinds, runDir, program, started, setArgsFd: (fd) => (argsFd = fd) });
  } finally {
    if (argsFd !== undefined) closeSync(argsFd);
    if (proxy) {
      await proxy.close().catch(() => undefined);
      // Connections closed by that report their attempt on the next tick: let them, before the caller moves on.
      await new Promise((r) => setImmediate(r));
    }
    if (runDir) await rm(runDir, { recursive: true, force: true });
  }
}

interface Prepared {
  env: Record<string, string>;
  cwd: string;
  resolved: string;
  prelude: string[];
  extraBinds: Array<{ source: string; dest: string }>;
  runDir: string | undefined;
  program: string;
  started: number;
  setArgsFd: (fd: number) => void;
}

async function spawnAndWait(sandbox: Sandbox, opts: RunOptions, log: (line: string) => void, prep: Prepared): Promise<RunResult> {
  const { env, cwd, resolved, program, started } = prep;
  let file: string;
  let args: string[];
  let extraFd: number | undefined;
  if (sandbox.kind === "bwrap") {
    const readOnlyPaths = (opts.readOnlyPaths ?? []).map((p) => path.resolve(p));
    const writablePaths = (opts.writablePaths ?? []).map((p) => path.resolve(p));
    for (const p of [...readOnlyPaths, ...writablePaths]) await ensureDirectoryOrFile(p, program);
    if (env.HOME !== undefined && path.isAbsolute(env.HOME)) writablePaths.push(path.resolve(env.HOME));

    const visibleRoots = [
      "/usr",
      ...sandbox.layout.topLevel.map((t) => t.path),
      ...sandbox.layout.etc,
      ...sandbox.layout.extraReadOnly,
      cwd,
      ...readOnlyPaths,
      ...writablePaths,
    ];
    const visible = (p: string): boolean => visibleRoots.some((root) => isUnder(p, root));
    const programs = [resolved, ...(prep.prelude.length > 0 && sandbox.egress.socatPath ? [sandbox.egress.socatPath] : [])];
    for (const p of programs) {
      if (!visible(p)) readOnlyPaths.push(p);
      const real = await realpath(p);
      if (real !== p && !visible(real)) readOnlyPaths.push(real);
    }

    if (program.includes("=")) throw new Error(`cannot run "${program}": program names containing "=" are not supported in the sandbox`);
    const wrapper = env.PWD === undefined ? [ENV_PROGRAM, "-u", "PWD", "--"] : [ENV_PROGRAM, `PWD=${env.PWD}`];
    const bwrapArgs = buildBwrapArgs({ layout: sandbox.layout, cwd, readOnlyPaths, writablePaths, extraBinds: prep.extraBinds, shareHostNetwork: !sandbox.isolatedNetwork });
    // The profile goes through a file descriptor: the sandbox's /proc/1/cmdline (bwrap's) shows no host path.
    const argsFile = path.join(prep.runDir!, "bwrap-args");
    await writeFile(argsFile, `${bwrapArgs.join("\0")}\0`, { mode: 0o600 });
    extraFd = openSync(argsFile, "r");
    prep.setArgsFd(extraFd);
    file = sandbox.bwrapPath;
    args = ["--args", "3", "--", ...prep.prelude, ...wrapper, ...opts.command];
  } else {
    file = program;
    args = opts.command.slice(1);
  }

  const maxBytes = opts.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
  const stdoutTail = new TailBuffer(maxBytes);
  const stderrTail = new TailBuffer(maxBytes);
  let callbackFailed = false;
  const guard =
    (cb: ((line: string) => void) | undefined) =>
    (line: string): void => {
      if (!cb) return;
      try {
        cb(line);
      } catch (err) {
        if (!callbackFailed) log(`process runner: a line callback for "${program}" threw (${String(err)}); further errors are ignored`);
        callbackFailed = true;
      }
    };
  const stdoutLines = opts.onStdoutLine ? createLineSplitter(guard(opts.onStdoutLine), MAX_LINE_BYTES) : undefined;
  const stderrLines = opts.onStderrLine ? createLineSplitter(guard(opts.onStderrLine), MAX_LINE_BYTES) : undefined;

  const child = execa(file, args, {
    cwd,
    env,
    extendEnv: false,
    detached: true,
    ...(opts.input !== undefined ? { input: opts.input } : {}),
    // fd 3 is bwrap's --args file: execa hands an integer straight to child_process.spawn, which its types
    // only admit for fds 0-2.
    stdio: extraFd !== undefined
      ? [opts.input !== undefined ? "pipe" : "ignore", "pipe", "pipe", extraFd as unknown as "ignore"]
      : [opts.input !== undefined ? "pipe" : "ignore", "pipe", "pipe"],
    buffer: false,
    reject: false,
    encoding: "buffer",
    stripFinalNewline: false,
  });

  child.stdout?.on("data", (chunk: Buffer | string) => {
    const buf = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    stdoutTail.push(buf);
    stdoutLines?.push(buf);
  });
  child.stderr?.on("data", (chunk: Buffer | string) => {
    const buf = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    stderrTail.push(buf);
    stderrLines?.push(buf);
  });

  let stopReason: "timeout" | "cancel" | undefined;
  let killTimer: NodeJS.Timeout | undefined;
  let exited = false;

  const signalAll = (sig: NodeJS.Signals, includeLeader: boolean): void => {
    const pid = child.pid;
    if (pid === undefined) return;
    const targets = listDescendantPids(pid);
    // Deepest first does not matter for signals; the group covers what /proc missed.
    for (const target of targets) {
      try {
        process.kill(target, sig);
      } catch {
        // already gone
      }
    }
    if (includeLeader) {
      try {
        process.kill(-pid, sig);
      } catch {
        // group already gone
      }
    }
  };

  /** Last resort. Under bwrap, SIGKILL its PID-namespace init first: the kernel then kills everything
   *  inside and bwrap reaps it and exits by itself (killing bwrap first would orphan the init). The
   *  group gets SIGKILL a moment later in case bwrap itself is stuck. */
  const forceKill = (): void => {
    const pid = child.pid;
    if (pid === undefined) return;
    if (sandbox.kind === "bwrap") {
      for (const target of listDescendantPids(pid, 1)) {
        try {
          process.kill(target, "SIGKILL");
        } catch {
          // already gone
        }
      }
      killTimer = setTimeout(() => signalAll("SIGKILL", true), 1000);
    } else {
      signalAll("SIGKILL", true);
    }
  };

  const stop = (reason: "timeout" | "cancel"): void => {
    if (stopReason !== undefined) return;
    stopReason = reason;
    if (exited) {
      // The main process is gone but something that left its group still holds stdout/stderr open.
      child.stdout?.destroy();
      child.stderr?.destroy();
      return;
    }
    // Inside bwrap the leader is bwrap itself: SIGTERM goes to the sandboxed processes so they can
    // clean up; killing bwrap would SIGKILL them at once (die-with-parent, PID namespace).
    signalAll("SIGTERM", sandbox.kind === "none");
    killTimer = setTimeout(forceKill, KILL_GRACE_MS);
  };

  const timer = setTimeout(() => stop("timeout"), Math.min(opts.timeoutMs, 2 ** 31 - 1));
  const onAbort = (): void => stop("cancel");
  opts.signal?.addEventListener("abort", onAbort, { once: true });
  if (opts.signal?.aborted) stop("cancel");

  child.on("exit", () => {
    exited = true;
    // Anything the main process left behind in its group (a background server, a stuck grandchild
    // holding stdout open) is killed so the run ends and nothing outlives it.
    const pid = child.pid;
    if (pid !== undefined) {
      try {
        process.kill(-pid, "SIGKILL");
      } catch {
        // nothing left
      }
    }
  });

  let result;
  try {
    result = await child;
  } finally {
    clearTimeout(timer);
    if (killTimer) clearTimeout(killTimer);
    opts.signal?.removeEventListener("abort", onAbort);
  }
  stdoutLines?.flush();
  stderrLines?.flush();

  const stderr = stderrTail.toString();
  if (result.exitCode === undefined && result.signal === undefined && result.failed) {
    const code = typeof result.code === "string" ? result.code : "spawn error";
    const detail = String(result.originalMessage ?? result.shortMessage ?? "");
    throw new Error(`cannot start "${program}" (${code}): ${detail}`);
  }

  let exitCode: number | null = result.exitCode ?? null;
  let signal: string | null = result.signal ?? null;
  if (sandbox.kind === "bwrap" && exitCode !== null) {
    const firstLine = stderr.split("\n", 1)[0] ?? "";
    if (exitCode === 1 && stopReason === undefined && firstLine.startsWith("bwrap: ")) {
      throw new Error(`cannot start "${program}" in the sandbox: ${firstLine.slice("bwrap: ".length)}`);
    }
    if (exitCode > 128 && SIGNAL_BY_NUMBER.has(exitCode - 128)) {
      signal = SIGNAL_BY_NUMBER.get(exitCode - 128)!;
      exitCode = null;
    }
  }

  return {
    exitCode,
    signal,
    stdout: stdoutTail.toString(),
    stderr,
    truncated: stdoutTail.truncated || stderrTail.truncated,
    timedOut: stopReason === "timeout",
    cancelled: stopReason === "cancel",
    durationMs: Math.round(performance.now() - started),
    sandbox: sandbox.kind,
  };
}

async function ensureDirectoryOrFile(p: string, program: string): Promise<void> {
  try {
    await stat(p);
  } catch {
    throw new Error(`cannot run "${program}": sandbox path ${p} does not exist`);
  }
}
