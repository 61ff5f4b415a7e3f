import type { OperatorConfig } from "../config/operator-config.ts";
import { ModeratorError } from "../util/errors.ts";
import type { Backend } from "./backend.ts";
import { createAiderBackend } from "./aider-backend.ts";
import { createClaudeCodeBackend } from "./claude-code-backend.ts";
import { createCodexBackend } from "./codex-backend.ts";
import { createCommandBackend } from "./command-backend.ts";
import { createGeminiBackend } from "./gemini-backend.ts";
import { createOllamaBackend } from "./ollama-backend.ts";

/** Builds the operator's backends by name. Only the operator config defines what runs. */
export function createBackendFactory(operator: OperatorConfig, processEnv: Readonly<Record<string, string | undefined>>): (name: string) => Backend {
  return (name) => {
    const def = operator.backends[name];
    if (!def) {
      throw new ModeratorError(`backend '${name}' is not defined in moderator.config.yml`, {
        phase: "prepare",
        hint: `Defined backends: ${Object.keys(operator.backends).join(", ") || "none"}.`,
      });
    }
    switch (def.type) {
      case "claude-code":
        return createClaudeCodeBackend(def, { processEnv: { ...processEnv }, name });
      case "codex":
        return createCodexBackend(def, { processEnv: { ...processEnv }, name });
      case "gemini":
        return createGeminiBackend(def, { processEnv: { ...processEnv }, name });
      case "aider":
        return createAiderBackend(def, { processEnv: { ...processEnv }, name });
      case "ollama":
        return createOllamaBackend(def, { name });
      case "command":
        return createCommandBackend({ name, command: def.command, timeoutSeconds: def.timeoutSeconds, env: def.env, network: def.network, readOnlyPaths: def.mounts }, { processEnv: { ...processEnv } });
    }
  };
}
