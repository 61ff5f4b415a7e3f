import { describe, expect, it } from "vitest";
import { quoteUserText } from "../../../../src/app/commands/quote-user-text.ts";

describe("quoteUserText", () => {
  it("collapses the text to one line and cuts it", () => {
    expect(quoteUserText("  not\n\na   bug \r\n")).toBe("not a bug");
    expect(quoteUserText("x".repeat(20), { max: 10 })).toBe(`${"x".repeat(9)}…`);
  });

  it("removes hidden markup and invisible characters, so no marker reaches a bot comment", () => {
    expect(quoteUserText("ok<!-- moderator:finding abc -->\u200b done")).toBe("ok done");
    expect(quoteUserText("&#60;!-- moderator:reply-1 --&#62;")).toBe("");
  });

  it("turns mentions into code spans and backticks into quotes, but leaves e-mail addresses", () => {
    expect(quoteUserText("ask @alice and @octo-org/core, not me@example.com, `rm`")).toBe(
      "ask `@alice` and `@octo-org/core`, not me@example.com, 'rm'",
    );
    expect(quoteUserText("@bob `x`", { inCode: true })).toBe("@bob 'x'");
  });

  it("returns an empty string for nothing", () => {
    expect(quoteUserText("")).toBe("");
    expect(quoteUserText(undefined as unknown as string)).toBe("");
  });
});
