import { loadEnv } from "../../config/env.ts";
import { loadOperatorConfig, OperatorConfig } from "../../config/operator-config.ts";
import { detectContainer } from "../../doctor/detect-container.ts";
import type { CheckResult } from "../../doctor/doctor-check.ts";
import { DOCTOR_CHECKS } from "../../doctor/doctor-checks.ts";
import { renderDoctorTable } from "../../doctor/render-doctor-table.ts";
import { runDoctor } from "../../doctor/run-doctor.ts";
import { ConfigError } from "../../util/errors.ts";
import { stringValue, type CliCommand } from "../cli-command.ts";

export const doctorCommand: CliCommand = {
  name: "doctor",
  summary: "check the install: Redis, database and migrations, sandbox, workspace disk, backends, GitHub App, webhook secret",
  description: "Prints one table (what, ok/WARN/FAIL, the fix) and exits 1 when anything fails. serve, web and worker run the same checks at start.",
  options: { timeout: { type: "string", value: "seconds", description: "how long each network check may take (default 5)" } },
  async run({ values, rawEnv }) {
    const rawTimeout = stringValue(values, "timeout") ?? "5";
    if (!/^\d+(\.\d+)?$/.test(rawTimeout) || Number(rawTimeout) <= 0) throw new ConfigError("moderator doctor", ["--timeout: must be a positive number of seconds"]);
    const rows: CheckResult[] = [];
    let env;
    try {
      env = loadEnv(rawEnv);
      rows.push({ what: "environment", status: "ok", detail: env.production ? "valid (NODE_ENV=production)" : "valid" });
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      rows.push({ what: "environment", status: "fail", detail: err.problems.join("; "), fix: "fix these variables in the environment or .env (README: Configuration)" });
      console.log(renderDoctorTable(rows));
      return 1;
    }
    let operator: OperatorConfig;
    try {
      const loaded = loadOperatorConfig(env.configPath);
      operator = loaded.config;
      rows.push(
        loaded.path
          ? { what: "operator config", status: "ok", detail: loaded.path }
          : { what: "operator config", status: "warn", detail: "no moderator.config.yml: no backends", fix: "copy the README's example to moderator.config.yml, or set MODERATOR_CONFIG" },
      );
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      rows.push({ what: "operator config", status: "fail", detail: `${err.source}: ${err.problems.join("; ")}`, fix: "fix moderator.config.yml (schema: schemas/moderator.config.schema.json)" });
      operator = OperatorConfig.parse({});
    }
    const report = await runDoctor(DOCTOR_CHECKS, { env, operator, inContainer: detectContainer(), timeoutMs: Number(rawTimeout) * 1000 }, ["doctor"]);
    rows.push(...report.results);
    console.log(renderDoctorTable(rows));
    return rows.some((r) => r.status === "fail") ? 1 : 0;
  },
};
