import { describe, expect, it } from "vitest";
import { chooseLogFormat } from "../../../src/util/logger.ts";

describe("chooseLogFormat: one format per process", () => {
  it("is pretty only in a terminal outside production", () => {
    expect(chooseLogFormat({ configured: undefined, production: false, isTTY: true })).toBe("pretty");
    expect(chooseLogFormat({ configured: undefined, production: false, isTTY: false })).toBe("json");
    expect(chooseLogFormat({ configured: undefined, production: false, isTTY: undefined })).toBe("json");
    expect(chooseLogFormat({ configured: undefined, production: true, isTTY: true })).toBe("json");
  });
  it("LOG_FORMAT wins", () => {
    expect(chooseLogFormat({ configured: "json", production: false, isTTY: true })).toBe("json");
    expect(chooseLogFormat({ configured: "pretty", production: true, isTTY: false })).toBe("pretty");
  });
});
