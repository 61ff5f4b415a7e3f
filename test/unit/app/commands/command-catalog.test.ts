import { describe, expect, it } from "vitest";
import { COMMAND_CATALOG, validateCommandFlags } from "../../../../src/app/commands/command-catalog.ts";
import { COMMANDS, parseCommands, type ParsedCommand } from "../../../../src/app/parse-command.ts";

const parse = (body: string) => parseCommands(body)[0] as ParsedCommand & { ok: true };

describe("COMMAND_CATALOG", () => {
  it("documents every command the parser knows, and only those", () => {
    expect(Object.keys(COMMAND_CATALOG).sort()).toEqual([...COMMANDS].sort());
    for (const name of COMMANDS) {
      const info = COMMAND_CATALOG[name];
      expect(info.summary.trim(), name).not.toBe("");
      expect(info.where.length, name).toBeGreaterThan(0);
      for (const flag of info.flags) expect(info.usage, name).toContain(`--${flag}`);
    }
  });

  it("lets anyone read (help, status, explain) and only writers act", () => {
    const open = COMMANDS.filter((n) => COMMAND_CATALOG[n].access === "anyone");
    expect(open.sort()).toEqual(["explain", "help", "status"]);
  });
});

describe("validateCommandFlags", () => {
  it("accepts known flags and no flags", () => {
    expect(validateCommandFlags(parse("/moderator run --backend codex fix it"))).toBeUndefined();
    expect(validateCommandFlags(parse("/moderator dismiss not a bug"))).toBeUndefined();
  });

  it("names the command and every unknown flag, and what it takes instead", () => {
    expect(validateCommandFlags(parse("/moderator status --verbose yes"))).toBe("/moderator status does not know --verbose: it takes no flags");
    expect(validateCommandFlags(parse("/moderator run --model x --backend y --fast=1"))).toBe(
      "/moderator run does not know --model, --fast: it takes --backend, --race",
    );
  });
});
