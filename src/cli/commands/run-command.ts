import { loadOperatorConfig } from "../../config/operator-config.ts";
import { openDatabase } from "../../store/open-database.ts";
import { Store } from "../../store/store.ts";
import { ConfigError } from "../../util/errors.ts";
import { chooseLogFormat, createLogger } from "../../util/logger.ts";
import { stringValue, type CliCommand } from "../cli-command.ts";

export const runCommand: CliCommand = {
  name: "run",
  summary: "run the pipeline on a local repository (--repo) or on a GitHub issue with a personal token (--github)",
  description:
    "--repo: what would be posted is written to files. --github owner/repo#123: with GITHUB_TOKEN (a fine-grained personal token), " +
    "the branch is pushed, the PR opened and the review posted on GitHub (GHE_HOST/GHE_PROTOCOL for GitHub Enterprise); " +
    "check runs need a GitHub App and are written to a file. --dry-run: nothing is written to GitHub, what would be posted is printed.",
  options: {
    repo: { type: "string", value: "path", description: "the local git repository" },
    issue: { type: "string", value: "file|text", description: "with --repo: the issue, a Markdown file (first line = title) or the text itself" },
    github: { type: "string", value: "owner/repo#N", description: "a GitHub issue, with GITHUB_TOKEN" },
    "dry-run": { type: "boolean", description: "with --github: print what would be posted, write nothing to GitHub" },
    backend: { type: "string", value: "name", description: "one of the operator's backends (default: defaultBackend)" },
    number: { type: "string", value: "N", description: "the issue number used for the branch name (default 1)" },
    base: { type: "string", value: "branch", description: "the base branch (default: the current branch)" },
    out: { type: "string", value: "dir", description: "where the PR, review and check run are written" },
    instructions: { type: "string", value: "text", description: "extra instructions for the agent" },
  },
  async run({ values, env: loadEnv }) {
    const num = stringValue(values, "number");
    const problems: string[] = [];
    if (num !== undefined && !/^[1-9]\d*$/.test(num)) problems.push("--number: must be a positive whole number");
    const github = stringValue(values, "github");
    const dryRun = values["dry-run"] === true;
    if ((github === undefined) === (stringValue(values, "repo") === undefined)) problems.push("give one of --repo <path> or --github owner/repo#N");
    if (github === undefined && stringValue(values, "issue") === undefined) problems.push("--issue: required with --repo");
    if (github !== undefined) {
      for (const flag of ["issue", "number", "base"]) if (values[flag] !== undefined) problems.push(`--${flag}: only with --repo (--github takes the issue, its number and the default branch from GitHub)`);
    } else if (dryRun) problems.push("--dry-run: only with --github (--repo never writes to GitHub)");
    if (problems.length > 0) throw new ConfigError("moderator run", problems);
    const env = loadEnv();
    // The pipeline's code is loaded by the command that runs it, not by every command of the CLI (bench/soak).
    const [{ describeDefaultNetworks }, { buildEgressDenyList }, { createProcessRunner }, { runGitHub }, { runLocal }] = await Promise.all([
      import("../../backends/resolve-backend-network.ts"),
      import("../../sandbox/build-egress-deny-list.ts"),
      import("../../sandbox/create-process-runner.ts"),
      import("../../local/run-github.ts"),
      import("../../local/run-local.ts"),
    ]);
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
      const store = new Store(db.prisma);
      const common = { operator, processEnv: env.raw, store, runner, dataDir: env.dataDir, workspaceDir: env.workspaceDir, log, signal: controller.signal, print: (line: string) => console.log(line) };
      if (github !== undefined) {
        const result = await runGitHub(
          { target: github, dryRun, ...optional("backend", "backend"), ...optional("out", "outDir"), ...optional("instructions", "instructions") },
          { ...common, token: env.githubToken, apiUrl: env.githubApiUrl },
        );
        const o = result.outcome;
        console.log(
          `run ${result.executionId}: ${o.status}${
            o.status === "completed"
              ? dryRun
                ? ` (QA ${o.conclusion}); dry run: branch ${result.branch} in ${result.mirror ?? ""}`
                : ` (QA ${o.conclusion}); pull request #${o.prNumber} on ${github.replace(/#.*$/, "")}`
              : o.status === "failed"
                ? `: ${o.error.phase ?? "run"}: ${o.error.message}${o.error.hint ? `\n${o.error.hint}` : ""}`
                : ""
          }`,
        );
        console.log(`${dryRun ? "what would be posted" : "check runs"}: ${result.outDir}`);
        return o.status === "completed" ? 0 : 1;
      }
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
        common,
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
