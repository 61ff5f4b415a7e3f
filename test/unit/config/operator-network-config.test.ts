import { describe, expect, it } from "vitest";
import { parseOperatorConfig } from "../../../src/config/operator-config.ts";

describe("operator config: network allow-lists", () => {
  it("accepts false, true and { allow } per backend, and qaNetwork.allow", () => {
    const cfg = parseOperatorConfig(
      [
        "backends:",
        "  claude: { type: claude-code }",
        "  pinned: { type: claude-code, network: { allow: [api.anthropic.com, '127.0.0.1:8080'] } }",
        "  offline: { type: command, command: [/bin/true] }",
        "  script: { type: command, command: [/bin/true], network: { allow: ['*.example.com:8443'] } }",
        "qaNetwork: { setup: true, allow: [registry.npmjs.org] }",
      ].join("\n"),
    );
    expect(cfg.backends["claude"]).toMatchObject({ network: true });
    expect(cfg.backends["pinned"]).toMatchObject({ network: { allow: ["api.anthropic.com", "127.0.0.1:8080"] } });
    expect(cfg.backends["offline"]).toMatchObject({ network: false });
    expect(cfg.backends["script"]).toMatchObject({ network: { allow: ["*.example.com:8443"] } });
    expect(cfg.qaNetwork).toEqual({ setup: true, checks: false, allow: ["registry.npmjs.org"] });
  });

  it("says which entry is wrong and why", () => {
    expect(() => parseOperatorConfig("backends:\n  c: { type: claude-code, network: { allow: [127.0.0.1, 'https://x.example'] } }\n")).toThrow(
      /backends\.c\.network\.allow\.0.*loopback address; name the port too[\s\S]*backends\.c\.network\.allow\.1.*not a URL/,
    );
    expect(() => parseOperatorConfig("qaNetwork: { allow: ['10.0.0.1'] }\n")).toThrow(/qaNetwork\.allow\.0.*private/);
  });
});
