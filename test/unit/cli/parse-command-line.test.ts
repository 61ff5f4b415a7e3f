import { describe, expect, it } from "vitest";
import type { CliCommand } from "../../../src/cli/cli-command.ts";
import { COMMANDS } from "../../../src/cli/commands.ts";
import { parseCommandLine } from "../../../src/cli/parse-command-line.ts";

const run = async () => 0;
const table: CliCommand[] = [
  {
    name: "run",
    summary: "run the pipeline on a local repository",
    options: {
      repo: { type: "string", value: "path", description: "the git repository", required: true },
      issue: { type: "string", value: "file|text", description: "the issue", required: true },
      number: { type: "string", value: "N", description: "issue number" },
      "dry-run": { type: "boolean", description: "print only" },
    },
    run,
  },
  { name: "status", summary: "one run", positionals: [{ name: "run-id", description: "the run", required: true }], options: {}, run },
];

describe("parseCommandLine", () => {
  it("gives each command its own --help, and the overview for no command or --help", () => {
    const help = parseCommandLine(["run", "--help"], table, "1.2.3");
    expect(help.kind).toBe("help");
    if (help.kind !== "help") return;
    expect(help.text).toContain("moderator run --repo <path> --issue <file|text>");
    expect(help.text).toMatch(/--number <N>\s+issue number/);
    expect(help.text).toMatch(/--dry-run\s+print only/);
    for (const argv of [[], ["--help"], ["-h"], ["help"]]) {
      const r = parseCommandLine(argv, table, "1.2.3");
      expect(r.kind).toBe("help");
      if (r.kind === "help") expect(r.text).toMatch(/run\s+run the pipeline on a local repository/);
    }
    const statusHelp = parseCommandLine(["help", "status"], table, "1.2.3");
    expect(statusHelp.kind === "help" && statusHelp.text).toContain("moderator status <run-id>");
  });

  it("answers --version with the package version", () => {
    expect(parseCommandLine(["--version"], table, "1.2.3")).toEqual({ kind: "version", text: "moderator 1.2.3" });
    expect(parseCommandLine(["-v"], table, "1.2.3")).toEqual({ kind: "version", text: "moderator 1.2.3" });
  });

  it("parses --name value, --name=value and booleans", () => {
    const r = parseCommandLine(["run", "--repo", "/r", "--issue=fix it", "--dry-run"], table, "1");
    expect(r).toMatchObject({ kind: "command", values: { repo: "/r", issue: "fix it", "dry-run": true }, positionals: [] });
  });

  it("lists every problem at once, with the command's usage", () => {
    const r = parseCommandLine(["run", "--bogus", "x", "--number", "--dry-run=yes", "stray"], table, "1");
    expect(r.kind).toBe("error");
    if (r.kind !== "error") return;
    expect(r.problems).toEqual([
      "--number: needs a value",
      "--bogus: unknown option (run takes --repo, --issue, --number, --dry-run)",
      "x: unexpected argument",
      "--dry-run: takes no value",
      "stray: unexpected argument",
      "--repo: required",
      "--issue: required",
    ]);
    expect(r.usage).toContain("moderator run --repo <path>");
  });

  it("takes a command's positionals and says which is missing; a value that looks like a flag is not taken", () => {
    expect(parseCommandLine(["status", "abc"], table, "1")).toMatchObject({ kind: "command", positionals: ["abc"] });
    expect(parseCommandLine(["status"], table, "1")).toMatchObject({ kind: "error", problems: ["<run-id>: required"] });
    expect(parseCommandLine(["run", "--repo", "--issue", "x"], table, "1")).toMatchObject({ kind: "error", problems: ["--repo: needs a value"] });
  });

  it("names an unknown command", () => {
    expect(parseCommandLine(["nope"], table, "1")).toMatchObject({ kind: "error", problems: ["nope: unknown command (commands: run, status)"] });
  });

  it("the real table: every command has a summary and help, names are unique", () => {
    const names = COMMANDS.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(expect.arrayContaining(["serve", "web", "worker", "run", "backends", "stats", "migrate", "list", "status", "doctor"]));
    for (const c of COMMANDS) {
      const r = parseCommandLine([c.name, "--help"], COMMANDS, "1");
      expect(r.kind).toBe("help");
      expect(c.summary.length).toBeGreaterThan(5);
    }
  });
});
