import { describe, expect, it } from "vitest";
import { baseUrlAllowEntries, defaultAllowList, describeDefaultNetworks, resolveBackendNetwork } from "../../../src/backends/resolve-backend-network.ts";
import { buildEgressDenyList } from "../../../src/sandbox/build-egress-deny-list.ts";
import { buildEgressRules, checkResolvedAddresses, decideEgress, parseAllowEntry, refusedAddressClass } from "../../../src/sandbox/egress-policy.ts";
import { PACKAGE_REGISTRY_HOSTS, resolveQaNetwork } from "../../../src/sandbox/resolve-qa-network.ts";
import { summarizeConnections } from "../../../src/pipeline/summarize-connections.ts";

describe("refusedAddressClass", () => {
  it.each([
    ["127.0.0.1", "loopback"],
    ["127.8.9.10", "loopback"],
    ["10.1.2.3", "private (RFC 1918)"],
    ["172.16.0.1", "private (RFC 1918)"],
    ["172.31.255.255", "private (RFC 1918)"],
    ["192.168.1.1", "private (RFC 1918)"],
    ["169.254.169.254", "link-local (cloud metadata)"],
    ["100.64.0.1", "carrier-grade NAT"],
    ["0.0.0.0", "unspecified"],
    ["::1", "loopback"],
    ["::", "unspecified"],
    ["fd00::1", "unique local (private)"],
    ["fe80::1", "link-local"],
    ["::ffff:127.0.0.1", "loopback"],
    ["::ffff:7f00:1", "loopback"],
    ["::ffff:169.254.169.254", "link-local (cloud metadata)"],
    ["64:ff9b::10.0.0.1", "private (RFC 1918)"],
  ])("refuses %s (%s)", (address, label) => {
    expect(refusedAddressClass(address)).toBe(label);
  });
  it.each(["8.8.8.8", "172.32.0.1", "1.1.1.1", "2606:4700::1111", "203.0.113.7"])("lets %s through", (address) => {
    expect(refusedAddressClass(address)).toBeUndefined();
  });
});

describe("parseAllowEntry", () => {
  it("reads names, wildcards, ports and addresses", () => {
    expect(parseAllowEntry("API.Anthropic.com")).toEqual({ host: "api.anthropic.com", port: undefined, exactAddress: false });
    expect(parseAllowEntry("*.googleapis.com:443")).toEqual({ host: "*.googleapis.com", port: 443, exactAddress: false });
    expect(parseAllowEntry("127.0.0.1:8080")).toEqual({ host: "127.0.0.1", port: 8080, exactAddress: true });
    expect(parseAllowEntry("[::1]:8080")).toEqual({ host: "::1", port: 8080, exactAddress: true });
    expect(parseAllowEntry("203.0.113.7")).toEqual({ host: "203.0.113.7", port: undefined, exactAddress: false });
  });
  it("says what is wrong", () => {
    expect(() => parseAllowEntry("127.0.0.1")).toThrow(/is a loopback address; name the port too \(127\.0\.0\.1:PORT\)/);
    expect(() => parseAllowEntry("10.0.0.0")).toThrow(/private/);
    expect(() => parseAllowEntry("host:99999")).toThrow(/port must be a number from 1 to 65535/);
    expect(() => parseAllowEntry("http://api.openai.com")).toThrow(/is not a host name: write the host \(and port\), not a URL/);
    expect(() => parseAllowEntry("*.com")).toThrow(/wildcard needs a domain/);
    expect(() => parseAllowEntry("")).toThrow(/empty/);
  });
});

describe("decideEgress", () => {
  const rules = buildEgressRules(["api.anthropic.com", "*.pythonhosted.org", "registry.npmjs.org:8443", "127.0.0.1:9000", "api.github.com", "203.0.113.7"], {
    hosts: ["redis.internal"],
    endpoints: [{ host: "127.0.0.1", port: 6379 }],
  });
  it("allows listed hosts on 443/80, or exactly the listed port", () => {
    expect(decideEgress("api.anthropic.com", 443, rules).allowed).toBe(true);
    expect(decideEgress("API.ANTHROPIC.COM.", 80, rules).allowed).toBe(true);
    expect(decideEgress("api.anthropic.com", 22, rules)).toEqual({ allowed: false, reason: "not on the allow-list" });
    expect(decideEgress("files.pythonhosted.org", 443, rules).allowed).toBe(true);
    expect(decideEgress("pythonhosted.org", 443, rules).allowed).toBe(false);
    expect(decideEgress("evilpythonhosted.org", 443, rules).allowed).toBe(false);
    expect(decideEgress("registry.npmjs.org", 443, rules).allowed).toBe(false);
    expect(decideEgress("registry.npmjs.org", 8443, rules).allowed).toBe(true);
    expect(decideEgress("203.0.113.7", 443, rules).allowed).toBe(true);
  });
  it("opens a refused address only through an exact address:port entry", () => {
    expect(decideEgress("127.0.0.1", 9000, rules).allowed).toBe(true);
    expect(decideEgress("127.0.0.1", 9001, rules)).toEqual({ allowed: false, reason: "loopback address" });
    expect(decideEgress("::ffff:127.0.0.1", 9001, rules)).toEqual({ allowed: false, reason: "loopback address" });
    expect(decideEgress("169.254.169.254", 80, rules)).toEqual({ allowed: false, reason: "link-local (cloud metadata) address" });
  });
  it("refuses GitHub and Moderator's own services even when listed", () => {
    expect(decideEgress("api.github.com", 443, rules)).toMatchObject({ allowed: false, reason: expect.stringMatching(/GitHub/) });
    expect(decideEgress("objects.githubusercontent.com", 443, rules).allowed).toBe(false);
    expect(decideEgress("redis.internal", 6379, rules)).toMatchObject({ allowed: false, reason: "one of Moderator's own services" });
    const withRedis = buildEgressRules(["127.0.0.1:6379"], { endpoints: [{ host: "127.0.0.1", port: 6379 }] });
    expect(decideEgress("127.0.0.1", 6379, withRedis)).toMatchObject({ allowed: false, reason: "one of Moderator's own services" });
  });
  it("refuses a name when any of its addresses is refused (no DNS rebinding)", () => {
    expect(checkResolvedAddresses("a.example", ["93.184.215.14"])).toEqual({ ok: true });
    expect(checkResolvedAddresses("a.example", ["93.184.215.14", "127.0.0.1"])).toEqual({ ok: false, reason: "a.example resolves to 127.0.0.1, a loopback address" });
    expect(checkResolvedAddresses("a.example", [])).toMatchObject({ ok: false });
  });
});

describe("allow-lists from the operator config", () => {
  it("uses the adapter's defaults for network: true, plus the passed-through base URLs", () => {
    expect(defaultAllowList("claude-code")).toEqual(["api.anthropic.com"]);
    expect(defaultAllowList("aider", "anthropic/claude-sonnet-4")).toEqual(["api.anthropic.com"]);
    expect(defaultAllowList("aider", "gpt-4o")).toEqual(["api.openai.com"]);
    expect(defaultAllowList("aider", "ollama/qwen")).toEqual([]);
    const env = { ANTHROPIC_BASE_URL: "http://127.0.0.1:8080/v1", OPENAI_API_BASE: "https://gw.corp.example", OTHER_URL: "http://10.0.0.1" };
    expect(baseUrlAllowEntries(["ANTHROPIC_BASE_URL", "OPENAI_API_BASE", "OTHER_URL"], env)).toEqual(["127.0.0.1:8080", "gw.corp.example:443"]);
    expect(resolveBackendNetwork("claude-code", true, ["ANTHROPIC_BASE_URL"], env)).toEqual({ access: { allow: ["api.anthropic.com", "127.0.0.1:8080"] }, defaulted: true });
    expect(resolveBackendNetwork("claude-code", { allow: ["pypi.org"] }, [], env)).toEqual({ access: { allow: ["pypi.org"] }, defaulted: false });
    expect(resolveBackendNetwork("claude-code", false, ["ANTHROPIC_BASE_URL"], env)).toEqual({ access: false, defaulted: false });
  });
  it("warns at start-up about every backend on its default list, naming the hosts", () => {
    const lines = describeDefaultNetworks({ claude: { type: "claude-code", network: true, env: [] }, pinned: { type: "codex", network: { allow: ["api.openai.com"] } }, off: { type: "command", network: false } }, {});
    expect(lines).toEqual([expect.stringMatching(/^backend 'claude' \(claude-code\) has network: true, so its sandbox may reach the adapter's default hosts: api\.anthropic\.com\./)]);
  });
  it("gives QA the package registries when qaNetwork.setup is on", () => {
    expect(resolveQaNetwork({ setup: true, checks: false })).toEqual({ setup: { allow: [...PACKAGE_REGISTRY_HOSTS] }, checks: false });
    expect(resolveQaNetwork({ setup: false, checks: true, allow: ["pypi.org"] })).toEqual({ setup: false, checks: { allow: ["pypi.org"] } });
  });
  it("denies Moderator's own services from its environment", () => {
    expect(buildEgressDenyList({ redisUrl: "redis://redis.internal:6380", databaseUrl: "postgres://u:p@127.0.0.1/db", githubHost: "127.0.0.1:4567", port: 3000 })).toEqual({
      hosts: ["redis.internal"],
      endpoints: [
        { host: "127.0.0.1", port: 5432 },
        { host: "127.0.0.1", port: 4567 },
        { host: "127.0.0.1", port: 3000 },
        { host: "::1", port: 3000 },
      ],
    });
    expect(buildEgressDenyList({}).endpoints).toEqual([{ host: "127.0.0.1", port: 6379 }]);
  });
});

describe("summarizeConnections", () => {
  it("counts refused attempts of the agent and QA, most frequent host first", () => {
    const ev = (type: string, host: string, port: number, allowed: boolean) => ({ type, data: { host, port, allowed } });
    expect(
      summarizeConnections([
        ev("agent.connection", "127.0.0.1", 6379, false),
        ev("agent.connection", "169.254.169.254", 80, false),
        ev("qa.connection", "127.0.0.1", 6379, false),
        ev("agent.connection", "api.anthropic.com", 443, true),
        { type: "agent.message", data: { host: "x", allowed: false } },
      ]),
    ).toEqual({ refused: 3, hosts: ["127.0.0.1:6379", "169.254.169.254:80"] });
  });
});
