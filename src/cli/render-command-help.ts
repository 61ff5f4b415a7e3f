import type { CliCommand } from "./cli-command.ts";

/** `moderator run --repo <path> --issue <file|text> [--backend <name>] ...` */
export function renderUsage(command: CliCommand): string {
  const parts = [`moderator ${command.name}`];
  for (const p of command.positionals ?? []) parts.push(p.required ? `<${p.name}>` : `[<${p.name}>]`);
  for (const [name, o] of Object.entries(command.options)) {
    const flag = o.type === "string" ? `--${name} <${o.value ?? "value"}>` : `--${name}`;
    parts.push(o.required ? flag : `[${flag}]`);
  }
  return parts.join(" ");
}

/** The command's own --help: usage, description, one line per positional and option. */
export function renderCommandHelp(command: CliCommand): string {
  const rows: Array<[string, string]> = [];
  for (const p of command.positionals ?? []) rows.push([`<${p.name}>`, p.description]);
  for (const [name, o] of Object.entries(command.options)) {
    const flag = `${o.short ? `-${o.short}, ` : ""}--${name}${o.type === "string" ? ` <${o.value ?? "value"}>` : ""}`;
    rows.push([flag, `${o.description}${o.required ? " (required)" : ""}`]);
  }
  rows.push(["-h, --help", "this help"]);
  const width = Math.max(...rows.map(([l]) => l.length));
  return [
    `usage: ${renderUsage(command)}`,
    "",
    command.summary,
    ...(command.description ? ["", command.description] : []),
    "",
    ...rows.map(([l, r]) => `  ${l.padEnd(width)}  ${r}`),
  ].join("\n");
}

/** `moderator --help`: every command with its summary. */
export function renderOverview(commands: readonly CliCommand[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    "usage: moderator <command> [options]",
    "",
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    "`moderator <command> --help` for a command's options; `moderator --version` for the version.",
    "Configuration comes from the environment (and .env): see README.md.",
  ].join("\n");
}
