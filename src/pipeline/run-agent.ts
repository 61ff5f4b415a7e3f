import type { Prisma } from "../generated/prisma/client.ts";
import type { AgentEvent, AgentResult, AgentTask, Backend } from "../backends/backend.ts";
import type { ProcessRunner } from "../sandbox/process-runner.ts";
import type { Store } from "../store/store.ts";
import type { Logger } from "../util/logger.ts";
import { redactLogValue } from "../util/redact-log-value.ts";
import { relativizePaths } from "../util/relativize-paths.ts";
import { redactQuotedText } from "../util/redact.ts";
import { describeConnection } from "./describe-connection.ts";

/** Agent events kept per agent run; the rest are counted, not stored. */
const MAX_AGENT_EVENTS = 1000;

export interface RunAgentInput {
  executionId: string;
  taskId: string;
  backend: Backend;
  task: AgentTask;
  workdir: string;
  scratchDir: string;
  runner: ProcessRunner;
  signal: AbortSignal;
  store: Store;
  secrets: string[];
  log: Logger;
  now: () => number;
  /** Called each time the agent reports a cost, once the running total is on its AgentRun row. */
  onCost?: () => void;
}

export interface RunAgentOutput {
  result: AgentResult;
  /** Redacted tail of the agent's output. */
  outputTail: string;
  /** The agent's last message or result text, redacted. */
  summary: string | undefined;
  /** The agent's error (`result.error`), redacted. */
  error: string | undefined;
  agentRunId: string;
}

/**
 * One agent run for one task: an AgentRun row, its normalized events stored in order (bounded),
 * usage and outcome recorded. Never throws for the agent's own failure: that is in `result.status`.
 */
export async function runAgent(input: RunAgentInput): Promise<RunAgentOutput> {
  const { store, executionId, secrets, log } = input;
  // What the agent printed is quoted in comments and stored: known values, secret formats and bare high-entropy keys are masked.
  const redact = (text: string) => redactQuotedText(text, secrets);
  const agentRun = await store.createAgentRun({ executionId, taskId: input.taskId, backend: input.backend.name });
  let summary: string | undefined;
  let stored = 0;
  let dropped = 0;
  let chain: Promise<unknown> = Promise.resolve();
  /** The cost reported so far (usage events are increments), kept on the row as it grows. */
  let reportedCost = 0;
  const onEvent = (event: AgentEvent) => {
    if (event.kind === "message") summary = event.text;
    if (event.kind === "result" && event.text) summary = event.text;
    if (event.kind === "usage" && event.costUsd !== undefined && Number.isFinite(event.costUsd) && event.costUsd > 0) {
      reportedCost += event.costUsd;
      const total = reportedCost;
      chain = chain.then(() =>
        store
          .recordAgentRunCost(agentRun.id, total)
          .then(() => input.onCost?.())
          .catch((err: unknown) => log.warn({ err }, "could not record the agent's cost")),
      );
    }
    if (stored >= MAX_AGENT_EVENTS) {
      dropped++;
      return;
    }
    stored++;
    const data = redactLogValue(JSON.parse(JSON.stringify(event)), redact) as Prisma.InputJsonObject;
    const described = event.kind === "connection" ? describeConnection(event) : {};
    chain = chain.then(() =>
      store
        .appendEvent(executionId, { type: `agent.${event.kind}`, phase: "execute", data, agentRunId: agentRun.id, ...described })
        .catch((err: unknown) => log.warn({ err }, "could not store an agent event")),
    );
  };
  let result: AgentResult;
  try {
    result = await input.backend.run({
      task: input.task,
      workdir: input.workdir,
      runner: input.runner,
      scratchDir: input.scratchDir,
      signal: input.signal,
      onEvent,
    });
  } catch (err) {
    await chain;
    await store.finishAgentRun(agentRun.id, { status: "crashed", error: redact((err as Error).message), finishedAt: new Date(input.now()) });
    throw err;
  }
  await chain;
  if (dropped > 0) {
    await store.appendEvent(executionId, { type: "agent.events_dropped", phase: "execute", level: "warn", message: `${dropped} more agent events were not stored`, agentRunId: agentRun.id });
  }
  // Shown in the tracking comment on failure: repository-relative, without the server's folders.
  const roots = [
    { dir: input.workdir, shownAs: "." },
    { dir: input.scratchDir, shownAs: "<scratch>" },
  ];
  const outputTail = relativizePaths(redact(result.outputTail), roots);
  const error = result.error ? relativizePaths(redact(result.error), roots) : undefined;
  await store.finishAgentRun(agentRun.id, {
    status: result.status,
    exitCode: result.exitCode,
    signal: result.signal,
    durationMs: result.durationMs,
    costUsd: result.usage.costUsd ?? (reportedCost > 0 ? reportedCost : null),
    inputTokens: result.usage.inputTokens ?? null,
    outputTokens: result.usage.outputTokens ?? null,
    turns: result.usage.turns ?? null,
    outputTail,
    error: error ?? null,
    command: result.command,
    finishedAt: new Date(input.now()),
  });
  return { result, outputTail, summary: summary === undefined ? undefined : redact(summary), error, agentRunId: agentRun.id };
}
