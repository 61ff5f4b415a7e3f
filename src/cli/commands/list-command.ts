import { openDatabase } from "../../store/open-database.ts";
import { Store } from "../../store/store.ts";
import { ConfigError } from "../../util/errors.ts";
import { stringValue, type CliCommand } from "../cli-command.ts";
import { formatExecutionList } from "../format-execution.ts";

export const listCommand: CliCommand = {
  name: "list",
  summary: "recent runs",
  options: { limit: { type: "string", value: "N", description: "how many (default 20)" } },
  async run({ values, env: loadEnv }) {
    const raw = stringValue(values, "limit") ?? "20";
    const limit = Number(raw);
    if (!/^\d+$/.test(raw) || !Number.isInteger(limit) || limit <= 0) throw new ConfigError("moderator list", ["--limit: must be a positive whole number"]);
    const env = loadEnv();
    const db = await openDatabase({ ...(env.databaseUrl ? { databaseUrl: env.databaseUrl } : {}), dataDir: env.dataDir, migrate: true });
    try {
      console.log(formatExecutionList(await new Store(db.prisma).listExecutions({ limit })));
      return 0;
    } finally {
      await db.close();
    }
  },
};
