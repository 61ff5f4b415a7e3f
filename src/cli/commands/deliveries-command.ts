import { ConfigError } from "../../util/errors.ts";
import { stringValue, type CliCommand } from "../cli-command.ts";
import { deliveriesCommand as listDeliveries } from "../delivery-commands.ts";

export const deliveriesCommand: CliCommand = {
  name: "deliveries",
  summary: "recent webhook deliveries and their outcome",
  description: "One line per delivery, newest first: when, id, status (handled, failed, rejected, retrying, ...), event, repository, outcome or error.",
  options: {
    failed: { type: "boolean", description: "only the ones that need attention: failed, refused or retrying" },
    limit: { type: "string", value: "N", description: "how many (default 30)" },
  },
  async run({ values, env }) {
    const raw = stringValue(values, "limit") ?? "30";
    if (!/^\d+$/.test(raw) || Number(raw) <= 0) throw new ConfigError("moderator deliveries", ["--limit: must be a positive whole number"]);
    return listDeliveries(env(), { failed: values["failed"] === true, limit: Number(raw) });
  },
};
