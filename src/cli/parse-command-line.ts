import { parseArgs, type ParseArgsConfig } from "node:util";
import type { CliCommand, CliValues } from "./cli-command.ts";
import { renderCommandHelp, renderOverview, renderUsage } from "./render-command-help.ts";

export type ParsedCommandLine =
  | { kind: "help"; text: string }
  | { kind: "version"; text: string }
  | { kind: "command"; command: CliCommand; values: CliValues; positionals: string[] }
  | { kind: "error"; problems: string[]; usage: string };

/**
 * What the command line asks for, with node:util parseArgs against the command's own option table.
 * Every problem is listed at once (unknown option, missing value, stray word, missing required option).
 * Pure: no I/O.
 */
export function parseCommandLine(argv: readonly string[], commands: readonly CliCommand[], version: string): ParsedCommandLine {
  const [first, ...rest] = argv;
  if (first === undefined || first === "help" || first === "--help" || first === "-h") {
    const about = first === "help" ? commands.find((c) => c.name === rest[0]) : undefined;
    return { kind: "help", text: about ? renderCommandHelp(about) : renderOverview(commands) };
  }
  if (first === "--version" || first === "-v" || first === "version") return { kind: "version", text: `moderator ${version}` };
  const command = commands.find((c) => c.name === first);
  if (!command) {
    return { kind: "error", problems: [`${first}: unknown command (commands: ${commands.map((c) => c.name).join(", ")})`], usage: renderOverview(commands) };
  }
  if (rest.includes("--help") || rest.includes("-h")) return { kind: "help", text: renderCommandHelp(command) };

  const options: NonNullable<ParseArgsConfig["options"]> = {};
  for (const [name, o] of Object.entries(command.options)) options[name] = { type: o.type, ...(o.short ? { short: o.short } : {}) };
  const problems: string[] = [];
  // parseArgs would take the next word as a string option's value even when it is itself an option
  // (`--repo --issue x`): say the value is missing and leave the next option to be parsed.
  const args: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i] ?? "";
    const name = /^--([^=]+)$/.exec(a)?.[1];
    const next = rest[i + 1];
    if (name !== undefined && command.options[name]?.type === "string" && next !== undefined && next.startsWith("-")) {
      problems.push(`--${name}: needs a value`);
      continue;
    }
    args.push(a);
  }
  const { tokens } = parseArgs({ args, options, strict: false, allowPositionals: true, tokens: true });
  const values: CliValues = {};
  const positionals: string[] = [];
  const expected = command.positionals ?? [];
  const known = Object.keys(command.options);
  for (const t of tokens) {
    if (t.kind === "positional") {
      if (positionals.length < expected.length) positionals.push(t.value);
      else problems.push(`${t.value}: unexpected argument`);
    } else if (t.kind === "option") {
      const o = command.options[t.name];
      if (!o) {
        problems.push(`${t.rawName}: unknown option (${command.name} takes ${known.length > 0 ? known.map((k) => `--${k}`).join(", ") : "no options"})`);
      } else if (o.type === "string") {
        if (t.value === undefined) problems.push(`--${t.name}: needs a value`);
        else values[t.name] = t.value;
      } else if (t.inlineValue) {
        problems.push(`--${t.name}: takes no value`);
      } else {
        values[t.name] = true;
      }
    } else if (t.kind === "option-terminator") {
      continue;
    }
  }
  for (const [name, o] of Object.entries(command.options)) {
    if (o.required && values[name] === undefined && !problems.some((p) => p.startsWith(`--${name}:`))) problems.push(`--${name}: required`);
  }
  for (const p of expected.slice(positionals.length)) if (p.required) problems.push(`<${p.name}>: required`);
  if (problems.length > 0) return { kind: "error", problems, usage: `usage: ${renderUsage(command)}` };
  return { kind: "command", command, values, positionals };
}
