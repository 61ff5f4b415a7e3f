/**
 * The one way Moderator starts a subprocess (agent, QA command, git is separate).
 * Every run has a timeout, an env allow-list, bounded output and honours an AbortSignal;
 * on timeout or abort the WHOLE process group is killed (SIGTERM, then SIGKILL after a grace period).
 */
export interface RunOptions {
  /** argv; argv[0] is the program. Never a shell string. */
  command: string[];
  /** Working directory (inside the sandbox it is mounted at the same path). */
  cwd: string;
  /** The complete environment the child sees, already filtered by the caller's allow-list.
   *  The runner adds only PATH (DEFAULT_PATH) when it is missing. When HOME is an absolute path the
   *  runner creates it, and under bwrap binds it writable (give a scratch folder, never the host's HOME). */
  env: Record<string, string>;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Maximum bytes of stdout and of stderr kept (the tail is kept). Default 1 MiB each. */
  maxOutputBytes?: number;
  /** Extra paths the sandbox makes visible read-only (e.g. the task file's folder). They must exist. */
  readOnlyPaths?: string[];
  /** Extra paths the sandbox makes writable besides cwd. */
  writablePaths?: string[];
  /** The network the child gets (default none). Under bwrap the child always has its own network namespace;
   *  with an allow-list it reaches exactly those hosts through Moderator's egress proxy (HTTPS_PROXY etc.). */
  network?: NetworkAccess;
  /** Called with each connection attempt through the egress proxy (allowed or refused). */
  onConnection?: (attempt: ConnectionAttempt) => void;
  /** Called with each complete stdout line as it arrives (bounded: lines over 64 KiB are cut). */
  onStdoutLine?: (line: string) => void;
  onStderrLine?: (line: string) => void;
  /** Data written to stdin, then stdin is closed. Default: stdin closed at once. */
  input?: string;
}

/** false: no network at all. An allow-list: only those hosts (patterns of egress-policy.ts), through the proxy. */
export type NetworkAccess = false | { allow: readonly string[] };

/** One connection the sandbox asked the egress proxy for. */
export interface ConnectionAttempt {
  host: string;
  port: number;
  allowed: boolean;
  /** Why it was refused. */
  reason?: string;
  /** CONNECT for a tunnel (HTTPS), else the plain-HTTP method. */
  method?: string;
  /** Bytes the sandbox sent and received on the connection (allowed ones, when it closed). */
  bytesSent?: number;
  bytesReceived?: number;
}

export interface RunResult {
  exitCode: number | null;
  signal: string | null;
  /** Tail of stdout, at most maxOutputBytes. */
  stdout: string;
  stderr: string;
  /** True when output beyond maxOutputBytes was dropped. */
  truncated: boolean;
  timedOut: boolean;
  cancelled: boolean;
  durationMs: number;
  /** The sandbox actually used. */
  sandbox: "bwrap" | "none";
}

export interface ProcessRunner {
  readonly mode: "bwrap" | "none";
  /** Set when the network is NOT isolated (no sandbox, or bubblewrap without a network namespace): shown
   *  loudly in the log, the tracking comment and `moderator backends`. */
  readonly networkWarning?: string;
  run(opts: RunOptions): Promise<RunResult>;
}
