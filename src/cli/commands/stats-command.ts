import { loadOperatorConfig } from "../../config/operator-config.ts";
import { loadAcceptanceTable } from "../../learner/load-learnings.ts";
import { renderLearningsTable } from "../../learner/render-learnings-table.ts";
import { openDatabase } from "../../store/open-database.ts";
import { stringValue, type CliCommand } from "../cli-command.ts";

export const statsCommand: CliCommand = {
  name: "stats",
  summary: "what the learner has learned: acceptance per rule, improvement type and backend",
  options: { repo: { type: "string", value: "owner/name", description: "only this repository" } },
  async run({ values, env: loadEnv }) {
    const env = loadEnv();
    const only = stringValue(values, "repo");
    const { config: operator } = loadOperatorConfig(env.configPath);
    const db = await openDatabase({ ...(env.databaseUrl ? { databaseUrl: env.databaseUrl } : {}), dataDir: env.dataDir, migrate: true });
    try {
      const { table } = await loadAcceptanceTable(db.prisma, { config: operator.learner, now: new Date() });
      const repos = await db.prisma.repository.findMany({ orderBy: { id: "asc" } });
      const wanted = only ? repos.filter((r) => `${r.owner}/${r.name}` === only) : repos;
      if (only && wanted.length === 0) {
        console.error(`no repository ${only} in the database`);
        return 1;
      }
      const withData = wanted.filter((r) => table.some((e) => e.repositoryId === r.id));
      if (withData.length === 0) {
        console.log("nothing learned yet: no maintainer feedback has been recorded");
        return 0;
      }
      for (const r of withData) {
        console.log(`## ${r.owner}/${r.name}\n`);
        console.log(renderLearningsTable(table, r.id, undefined, { suppression: operator.learner.suppression }));
        console.log("");
      }
      return 0;
    } finally {
      await db.close();
    }
  },
};
