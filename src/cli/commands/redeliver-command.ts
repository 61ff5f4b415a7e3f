import type { CliCommand } from "../cli-command.ts";
import { redeliverCommand as redeliver } from "../delivery-commands.ts";

export const redeliverCommand: CliCommand = {
  name: "redeliver",
  summary: "handle a stored webhook delivery again (when GitHub's hook log no longer has it)",
  description: "The handlers are idempotent: a redelivered trigger gives one run, one tracking comment and one PR.",
  options: {},
  positionals: [{ name: "delivery-id", description: "the X-GitHub-Delivery id (see `moderator deliveries`)", required: true }],
  run: ({ positionals, env }) => redeliver(env(), positionals[0]),
};
