import { openDatabase } from "../../store/open-database.ts";
import { Store } from "../../store/store.ts";
import type { CliCommand } from "../cli-command.ts";
import { formatExecution } from "../format-execution.ts";

export const statusCommand: CliCommand = {
  name: "status",
  summary: "one run: phases, agent runs, findings, events",
  positionals: [{ name: "run-id", description: "the run's id (see `moderator list`)", required: true }],
  options: {},
  async run({ positionals, env: loadEnv }) {
    const id = positionals[0] ?? "";
    const env = loadEnv();
    const db = await openDatabase({ ...(env.databaseUrl ? { databaseUrl: env.databaseUrl } : {}), dataDir: env.dataDir, migrate: true });
    try {
      const store = new Store(db.prisma);
      const execution = await store.getExecution(id).catch(() => null);
      if (!execution) {
        console.error(`no run with id ${id} (see \`moderator list\`)`);
        return 1;
      }
      console.log(formatExecution(execution, await store.listEvents(id), await store.listFindings(id)));
      return 0;
    } finally {
      await db.close();
    }
  },
};
