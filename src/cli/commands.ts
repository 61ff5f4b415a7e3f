import type { CliCommand } from "./cli-command.ts";
import { backendsCommand } from "./commands/backends-command.ts";
import { deliveriesCommand } from "./commands/deliveries-command.ts";
import { doctorCommand } from "./commands/doctor-command.ts";
import { listCommand } from "./commands/list-command.ts";
import { migrateCommand } from "./commands/migrate-command.ts";
import { redeliverCommand } from "./commands/redeliver-command.ts";
import { runCommand } from "./commands/run-command.ts";
import { createServeCommand } from "./commands/serve-command.ts";
import { statsCommand } from "./commands/stats-command.ts";
import { statusCommand } from "./commands/status-command.ts";

/** The `moderator` commands, in the order `moderator --help` lists them. A new command is one entry here. */
export const COMMANDS: readonly CliCommand[] = [
  createServeCommand("serve"),
  createServeCommand("web"),
  createServeCommand("worker"),
  doctorCommand,
  runCommand,
  backendsCommand,
  statsCommand,
  migrateCommand,
  listCommand,
  statusCommand,
  deliveriesCommand,
  redeliverCommand,
];
