import type { OperatorConfig } from "../config/operator-config.ts";
import { ModeratorError } from "../util/errors.ts";
import type { Backend } from "./backend.ts";
import { createCommandBackend } from "./command-backend.ts";
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
      case "ollama":
        return createOllamaBackend(def, { name });
      case "command":
        return createCommandBackend({ name, command: def.command, timeoutSeconds: def.timeoutSeconds, env: def.env, network: def.network, readOnlyPaths: def.mounts }, { processEnv: { ...processEnv } });
    }
  };
}
