import { describeDefaultNetworks } from "../../backends/resolve-backend-network.ts";
import { buildEgressDenyList } from "../../sandbox/build-egress-deny-list.ts";
import { createProcessRunner } from "../../sandbox/create-process-runner.ts";
import { loadOperatorConfig } from "../../config/operator-config.ts";
import { runLocal } from "../../local/run-local.ts";
import { openDatabase } from "../../store/open-database.ts";
import { Store } from "../../store/store.ts";
import { ConfigError } from "../../util/errors.ts";
import { chooseLogFormat, createLogger } from "../../util/logger.ts";
import { stringValue, type CliCommand } from "../cli-command.ts";

export const runCommand: CliCommand = {
  name: "run",
  summary: "run the pipeline on a local git repository; what would be posted is written to files",
  options: {
    repo: { type: "string", value: "path", description: "the local git repository", required: true },
    issue: { type: "string", value: "file|text", description: "the issue: a Markdown file (first line = title) or the text itself", required: true },
    backend: { type: "string", value: "name", description: "one of the operator's backends (default: defaultBackend)" },
    number: { type: "string", value: "N", description: "the issue number used for the branch name (default 1)" },
    base: { type: "string", value: "branch", description: "the base branch (default: the current branch)" },
    out: { type: "string", value: "dir", description: "where the PR, review and check run are written" },
    instructions: { type: "string", value: "text", description: "extra instructions for the agent" },
  },
  async run({ values, env: loadEnv }) {
    const num = stringValue(values, "number");
    if (num !== undefined && !/^[1-9]\d*$/.test(num)) throw new ConfigError("moderator run", ["--number: must be a positive whole number"]);
    const env = loadEnv();
    const log = createLogger(env.logLevel === "info" ? "warn" : env.logLevel, {
      destination: 2,
      format: chooseLogFormat({ configured: env.logFormat, production: env.production, isTTY: process.stderr.isTTY }),
    });
    const { config: operator } = loadOperatorConfig(env.configPath);
    const db = await openDatabase({ ...(env.databaseUrl ? { databaseUrl: env.databaseUrl } : {}), dataDir: env.dataDir, migrate: true });
    const controller = new AbortController();
    const onSigint = () => controller.abort("interrupted (Ctrl-C)");
    process.once("SIGINT", onSigint);
    try {
      const runner = await createProcessRunner({ mode: operator.sandbox, log: (l) => console.error(l), egressDeny: buildEgressDenyList(env) });
      for (const line of describeDefaultNetworks(operator.backends, env.raw)) console.error(`WARNING: ${line}`);
      const optional = (flag: string, key: string) => {
        const v = stringValue(values, flag);
        return v === undefined ? {} : { [key]: v };
      };
      const result = await runLocal(
        {
          repoPath: stringValue(values, "repo") ?? "",
          issue: stringValue(values, "issue") ?? "",
          ...optional("backend", "backend"),
          ...(num !== undefined ? { number: Number(num) } : {}),
          ...optional("base", "base"),
          ...optional("out", "outDir"),
          ...optional("instructions", "instructions"),
        },
        {
          operator,
          processEnv: env.raw,
          store: new Store(db.prisma),
          runner,
          dataDir: env.dataDir,
          workspaceDir: env.workspaceDir,
          log,
          signal: controller.signal,
          print: (line) => console.log(line),
        },
      );
      const o = result.outcome;
      console.log(
        `run ${result.executionId}: ${o.status}${
          o.status === "completed"
            ? ` (QA ${o.conclusion}); branch ${result.branch} in your repository`
            : o.status === "failed"
              ? `: ${o.error.phase ?? "run"}: ${o.error.message}${o.error.hint ? `\n${o.error.hint}` : ""}`
              : ""
        }`,
      );
      console.log(`what would be posted: ${result.outDir}`);
      return o.status === "completed" ? 0 : 1;
    } finally {
      process.off("SIGINT", onSigint);
      await db.close();
    }
  },
};
