import type { BackendHealth } from "../backends/backend.ts";
import { createBackendFactory } from "../backends/create-backend-factory.ts";
import type { OperatorConfig } from "../config/operator-config.ts";
import { createOllamaLlm } from "../llm/create-ollama-llm.ts";
import type { PipelineDeps } from "../pipeline/run-execution.ts";
import type { ProcessRunner } from "../sandbox/process-runner.ts";
import type { Store } from "../store/store.ts";
import type { Logger } from "../util/logger.ts";

/** How long a backend's health answer is reused by one process. */
const HEALTH_TTL_MS = 60_000;

/**
 * The pipeline's dependencies, from the operator config: backends by name (with their health cached
 * briefly, so routing does not start every CLI on every run), the operator's LLM, the runner.
 * `connect` says where runs come from (GitHub, or a local repository).
 */
export function buildPipelineDeps(opts: {
  operator: OperatorConfig;
  processEnv: Readonly<Record<string, string | undefined>>;
  store: Store;
  runner: ProcessRunner;
  workspaceDir: string;
  log: Logger;
  connect: PipelineDeps["connect"];
  scheduleBreakpointTimeout?: PipelineDeps["scheduleBreakpointTimeout"];
  queue?: PipelineDeps["queue"];
  cancelRun?: PipelineDeps["cancelRun"];
}): PipelineDeps {
  const createBackend = createBackendFactory(opts.operator, opts.processEnv);
  const health = new Map<string, { at: number; value: Promise<BackendHealth> }>();
  const llmConfig = opts.operator.llm;
  return {
    store: opts.store,
    operator: opts.operator,
    runner: opts.runner,
    workspaceDir: opts.workspaceDir,
    log: opts.log,
    connect: opts.connect,
    ...(opts.scheduleBreakpointTimeout ? { scheduleBreakpointTimeout: opts.scheduleBreakpointTimeout } : {}),
    ...(opts.queue ? { queue: opts.queue } : {}),
    ...(opts.cancelRun ? { cancelRun: opts.cancelRun } : {}),
    createBackend,
    backendHealth(name) {
      const cached = health.get(name);
      if (cached && Date.now() - cached.at < HEALTH_TTL_MS) return cached.value;
      const value = (async (): Promise<BackendHealth> => {
        try {
          return await createBackend(name).health();
        } catch (err) {
          return { ok: false, detail: (err as Error).message };
        }
      })();
      health.set(name, { at: Date.now(), value });
      return value;
    },
    ...(llmConfig
      ? {
          llm: createOllamaLlm({
            host: llmConfig.host,
            model: llmConfig.model,
            contextTokens: llmConfig.contextTokens,
            timeoutMs: llmConfig.timeoutSeconds * 1000,
          }),
        }
      : {}),
  };
}
