import type { ConnectionAttempt, ProcessRunner } from "../sandbox/process-runner.ts";

/** What an agent is asked to do: written to MODERATOR_TASK_FILE as JSON for the command backend. */
export interface AgentTask {
  repository: { owner: string; name: string; fullName: string; defaultBranch: string };
  issue: { number: number; title: string; body: string; author: string };
  task: { index: number; title: string; description: string; type: string };
  /** The complete prompt (issue + task + constraints), for backends that take text. */
  prompt: string;
  branch: string;
  baseBranch: string;
}

/** Normalized events every adapter emits (stored as ExecutionEvent rows, type `agent.<kind>`). */
export type AgentEvent =
  | { kind: "message"; text: string }
  | { kind: "tool_call"; tool: string; input?: unknown }
  | { kind: "file_edit"; path: string }
  | { kind: "usage"; inputTokens?: number; outputTokens?: number; costUsd?: number; turns?: number }
  | { kind: "error"; message: string }
  | { kind: "result"; success: boolean; text?: string }
  | { kind: "raw"; data: Record<string, unknown> }
  /** A connection the sandbox asked Moderator's egress proxy for (stored as `agent.connection`). */
  | ({ kind: "connection" } & ConnectionAttempt);

export interface AgentResult {
  status: "succeeded" | "failed" | "timed_out" | "cancelled" | "crashed";
  exitCode: number | null;
  signal: string | null;
  durationMs: number;
  /** Redacted tail of the agent's combined output, for error reports. */
  outputTail: string;
  /** One line on what went wrong, when status != succeeded. */
  error?: string;
  usage: { inputTokens?: number; outputTokens?: number; costUsd?: number; turns?: number };
  command: string[];
  sandbox: "bwrap" | "none";
}

export interface BackendRunContext {
  task: AgentTask;
  /** Absolute path of the clone; the agent's cwd. */
  workdir: string;
  runner: ProcessRunner;
  /** A private folder outside the clone for task files and the agent's HOME. */
  scratchDir: string;
  signal?: AbortSignal;
  onEvent: (event: AgentEvent) => void;
}

export interface BackendHealth {
  ok: boolean;
  version?: string;
  detail?: string;
}

export interface Backend {
  readonly name: string;
  readonly type: string;
  health(): Promise<BackendHealth>;
  run(ctx: BackendRunContext): Promise<AgentResult>;
}
