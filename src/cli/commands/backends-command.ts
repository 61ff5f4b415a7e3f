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
    // Loaded by this command only, not by every command of the CLI (bench/soak).
    const [{ createBackendFactory }, { describeDefaultNetworks }, { buildEgressDenyList }, { createProcessRunner }] = await Promise.all([
      import("../../backends/create-backend-factory.ts"),
      import("../../backends/resolve-backend-network.ts"),
      import("../../sandbox/build-egress-deny-list.ts"),
      import("../../sandbox/create-process-runner.ts"),
    ]);
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
    // The sandbox as the worker would get it: a network that is not isolated is said loudly here too.
    try {
      const runner = await createProcessRunner({ mode: operator.sandbox, egressDeny: buildEgressDenyList(env) });
      console.log(`sandbox: ${runner.mode}${runner.mode === "bwrap" && !runner.networkWarning ? " (own network namespace; allow-listed hosts only, through the egress proxy)" : ""}`);
      if (runner.networkWarning) console.log(`WARNING: ${runner.networkWarning}`);
    } catch (err) {
      console.log(`sandbox: ERROR: ${(err as Error).message}`);
    }
    for (const line of describeDefaultNetworks(operator.backends, env.raw)) console.log(`WARNING: ${line}`);
    return healthy > 0 ? 0 : 1;
  },
};
