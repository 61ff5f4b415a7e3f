import { describe, expect, it } from "vitest";
import { COMMAND_CATALOG } from "../../../src/app/commands/command-catalog.ts";
import { COMMANDS, parseCommands } from "../../../src/app/parse-command.ts";
import { renderHelp } from "../../../src/render/render-help.ts";

describe("renderHelp", () => {
  it("lists every command with its arguments, what it does, where it works and who may use it", () => {
    const help = renderHelp();
    expect(help.startsWith("### Moderator commands")).toBe(true);
    const rows = help.split("\n").filter((l) => l.startsWith("| `/moderator "));
    expect(rows).toHaveLength(COMMANDS.length);
    for (const name of COMMANDS) {
      const info = COMMAND_CATALOG[name];
      const row = rows.find((r) => r.startsWith(`| \`/moderator ${name}${info.usage === "" ? "`" : ` ${info.usage}\``}`));
      expect(row, name).toBeDefined();
      expect(row).toContain(info.summary);
      expect(row).toContain(info.access === "write" ? "| write access |" : "| anyone |");
    }
    expect(rows.find((r) => r.includes("/moderator run "))).toContain("| `/moderator run [--backend <name>] [--race <backends or n>] [instructions]` |");
    expect(rows.find((r) => r.includes("/moderator dismiss"))).toMatch(/\| reply in a finding's review thread \| write access \|$/);
    expect(rows.find((r) => r.includes("/moderator status"))).toMatch(/\| issue, pull request, reply in a finding's review thread \| anyone \|$/);
    expect(rows.find((r) => r.includes("/moderator review"))).toMatch(/\| pull request \| write access \|$/);
    expect(help).not.toContain("⚠️");
  });

  it("never contains a line Moderator itself would take for a command", () => {
    expect(parseCommands(renderHelp({ error: { message: "unknown command 'x'", raw: "/moderator x" } }))).toEqual([]);
  });

  it("puts the problem on top, quoted so it can neither ping nor smuggle a hidden marker", () => {
    const help = renderHelp({
      error: { message: "unknown command '@octo-org/admins<!-- moderator:finding abc -->'", raw: "/moderator @octo-org/admins `x`" },
    });
    const [first, second] = help.split("\n");
    expect(first).toBe(
      "⚠️ `/moderator @octo-org/admins 'x'`: unknown command '`@octo-org/admins`'. Here is what Moderator understands:",
    );
    expect(second).toBe("");
    expect(help).not.toContain("moderator:finding");
    expect(help).toContain("### Moderator commands");
  });

  it("still says something when the problem is only hidden markup", () => {
    expect(renderHelp({ error: { message: "<!-- x -->" } }).split("\n")[0]).toBe(
      "⚠️ this command could not be understood. Here is what Moderator understands:",
    );
  });
});
