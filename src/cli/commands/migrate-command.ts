import { openDatabase } from "../../store/open-database.ts";
import type { CliCommand } from "../cli-command.ts";

export const migrateCommand: CliCommand = {
  name: "migrate",
  summary: "apply pending database migrations and exit",
  options: {},
  async run({ env: loadEnv }) {
    const env = loadEnv();
    const db = await openDatabase({ ...(env.databaseUrl ? { databaseUrl: env.databaseUrl } : {}), dataDir: env.dataDir, migrate: false });
    try {
      const { applied } = await db.migrate();
      console.log(applied.length > 0 ? `applied ${applied.length} migration(s):\n${applied.map((m) => `  ${m}`).join("\n")}` : "database is up to date");
    } finally {
      await db.close();
    }
    return 0;
  },
};
