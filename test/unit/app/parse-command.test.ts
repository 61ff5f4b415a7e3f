import { describe, expect, it } from "vitest";
import { parseCommands } from "../../../src/app/parse-command.ts";

describe("parseCommands", () => {
  it("finds a command on its own line, in any case, with surrounding text", () => {
    expect(parseCommands("Thanks!\n\n  /Moderator RUN\nplease")).toEqual([{ ok: true, name: "run", args: "", flags: {}, line: 3 }]);
  });

  it("parses flags and free text", () => {
    expect(parseCommands("/moderator run --backend codex also add tests")).toEqual([
      { ok: true, name: "run", args: "also add tests", flags: { backend: "codex" }, line: 1 },
    ]);
    expect(parseCommands("/moderator run --backend=aider")[0]).toMatchObject({ ok: true, flags: { backend: "aider" } });
  });

  it("ignores commands in code fences, indented code, quotes and inline code", () => {
    const body = [
      "```",
      "/moderator run",
      "```",
      "~~~md",
      "/moderator cancel",
      "~~~",
      "    /moderator run",
      "> /moderator run",
      "use `/moderator run` to start",
    ].join("\n");
    expect(parseCommands(body)).toEqual([]);
  });

  it("does not treat a longer word as the trigger", () => {
    expect(parseCommands("/moderators run")).toEqual([]);
  });

  it("reports unknown commands and flags without values, with the line", () => {
    expect(parseCommands("hi\n/moderator frobnicate")).toEqual([{ ok: false, error: "unknown command 'frobnicate'", line: 2, raw: "/moderator frobnicate" }]);
    expect(parseCommands("/moderator run --backend")[0]).toMatchObject({ ok: false, error: "flag --backend needs a value" });
    expect(parseCommands("/moderator")[0]).toMatchObject({ ok: false, error: "no command given" });
  });

  it("returns one command per line, in order", () => {
    expect(parseCommands("/moderator status\r\n/moderator run").map((c) => (c.ok ? c.name : c.error))).toEqual(["status", "run"]);
  });
});
