import { createBackendFactory } from "../../backends/create-backend-factory.ts";
import { loadOperatorConfig } from "../../config/operator-config.ts";
import type { CliCommand } from "../cli-command.ts";

export const backendsCommand: CliCommand = {
  name: "backends",
  summary: "each configured backend with its health and version",
  options: {},
  async run({ env: loadEnv }) {
    const env = loadEnv();
    const { config: operator, path: configPath } = loadOperatorConfig(env.configPath);
    const names = Object.keys(operator.backends);
    if (names.length === 0) {
      console.log(`no backends are configured${configPath ? ` in ${configPath}` : " (no moderator.config.yml)"}; see README: Configuration`);
      return 1;
    }
    const create = createBackendFactory(operator, env.raw);
    let healthy = 0;
    for (const name of names) {
      const backend = create(name);
      const h = await backend.health().catch((err: Error) => ({ ok: false, detail: err.message, version: undefined }));
      if (h.ok) healthy++;
      const mark = h.ok ? "ok     " : "missing";
      const isDefault = operator.defaultBackend === name ? " (default)" : "";
      console.log(`${mark}  ${name}${isDefault}  [${backend.type}]  ${h.version ?? ""}  ${h.detail ?? ""}`.replace(/\s+$/, ""));
    }
    return healthy > 0 ? 0 : 1;
  },
};
