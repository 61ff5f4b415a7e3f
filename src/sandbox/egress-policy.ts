import { BlockList, isIP } from "node:net";

/**
 * Who the sandbox may talk to, through the egress proxy. Pure: no DNS, no sockets.
 *
 * An allow entry is one of
 *   - `host` (a DNS name, matched exactly, case-insensitive): ports 443 and 80;
 *   - `*.example.com`: any subdomain of example.com (not example.com itself), ports 443 and 80;
 *   - `host:port` or `*.example.com:port`: that port only;
 *   - an IP literal `203.0.113.7`, `203.0.113.7:8443`, `[2001:db8::1]:443`.
 * A name is allowed only when every address it resolves to is public (see `refusedAddressClass`), so a
 * name pointing at 127.0.0.1 or 10.x is refused whatever the list says (no DNS-rebinding hole).
 * The one deliberate exception: an IP literal WITH an explicit port (`127.0.0.1:8080`, `10.0.0.5:11434`)
 * allows exactly that address and port even inside a refused range, for a model gateway on the LAN or a
 * local fake in tests. The operator writes it; a name never opens a refused address.
 * Always refused, even when listed: the GitHub host(s) and the hosts/endpoints in `deny`.
 */
export interface AllowEntry {
  /** Lower-case name, `*.suffix`, or a normalized IP literal (IPv6 without brackets). */
  host: string;
  /** Undefined: 443 and 80. */
  port: number | undefined;
  /** An IP literal with an explicit port: allowed even in a refused address range. */
  exactAddress: boolean;
}

export interface EgressRules {
  allow: AllowEntry[];
  /** Names (exact or `*.suffix`) refused always: GitHub, Redis, the database. */
  denyHosts: string[];
  /** host:port pairs refused always, even as an explicit address entry (Redis and the database as configured). */
  denyEndpoints: Array<{ host: string; port: number }>;
}

export type EgressDecision = { allowed: true; entry: AllowEntry } | { allowed: false; reason: string };

/** Never reachable from a sandbox, whoever asks: the agent never talks to GitHub; Moderator does. */
export const ALWAYS_DENIED_HOSTS = ["github.com", "*.github.com", "*.githubusercontent.com"];

const DEFAULT_PORTS = [443, 80];
const NAME = /^(?:\*\.)?(?:[a-z0-9](?:[a-z0-9_-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9_-]{0,61}[a-z0-9])?$/;

/** Ranges a sandbox never reaches by name, and by address only through an explicit address:port entry. */
const REFUSED_V4: Array<[string, number, string]> = [
  ["0.0.0.0", 8, "unspecified"],
  ["10.0.0.0", 8, "private (RFC 1918)"],
  ["100.64.0.0", 10, "carrier-grade NAT"],
  ["127.0.0.0", 8, "loopback"],
  ["169.254.0.0", 16, "link-local (cloud metadata)"],
  ["172.16.0.0", 12, "private (RFC 1918)"],
  ["192.0.0.0", 24, "IETF protocol assignments"],
  ["192.168.0.0", 16, "private (RFC 1918)"],
  ["198.18.0.0", 15, "benchmarking"],
  ["224.0.0.0", 4, "multicast"],
  ["240.0.0.0", 4, "reserved"],
];
const REFUSED_V6: Array<[string, number, string]> = [
  ["::", 128, "unspecified"],
  ["::1", 128, "loopback"],
  ["fc00::", 7, "unique local (private)"],
  ["fe80::", 10, "link-local"],
  ["ff00::", 8, "multicast"],
];

/** `a.b.c.d` from an IPv4-mapped or NAT64 IPv6 address, else undefined. */
function embeddedV4(address: string): string | undefined {
  const m = /^(?:::ffff:|64:ff9b::)(?:0:)?(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (m) return m[1];
  const hex = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (!hex) return undefined;
  const hi = Number.parseInt(hex[1]!, 16);
  const lo = Number.parseInt(hex[2]!, 16);
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

/** Why an address is refused (loopback, private, link-local...), or undefined for a public address. */
export function refusedAddressClass(address: string): string | undefined {
  const family = isIP(address);
  if (family === 0) return "not an IP address";
  if (family === 6) {
    const v4 = embeddedV4(address);
    if (v4 !== undefined) return refusedAddressClass(v4);
  }
  const table = family === 4 ? REFUSED_V4 : REFUSED_V6;
  for (const [net, prefix, label] of table) {
    const list = new BlockList();
    list.addSubnet(net, prefix, family === 4 ? "ipv4" : "ipv6");
    if (list.check(address, family === 4 ? "ipv4" : "ipv6")) return label;
  }
  return undefined;
}

/** Parse one allow entry; throws an Error saying what is wrong with it. */
export function parseAllowEntry(raw: string): AllowEntry {
  const text = raw.trim().toLowerCase();
  if (text === "") throw new Error("an allow entry is empty");
  if (text.includes("/")) throw new Error(`"${raw}" is not a host name: write the host (and port), not a URL`);
  let host: string;
  let portText: string | undefined;
  const bracketed = /^\[([0-9a-f:.]+)\](?::(\d+))?$/.exec(text);
  if (bracketed) {
    host = bracketed[1]!;
    portText = bracketed[2];
    if (isIP(host) !== 6) throw new Error(`"${raw}": [${host}] is not an IPv6 address`);
  } else if (isIP(text) === 6) {
    host = text;
  } else {
    const at = text.lastIndexOf(":");
    host = at === -1 ? text : text.slice(0, at);
    portText = at === -1 ? undefined : text.slice(at + 1);
  }
  let port: number | undefined;
  if (portText !== undefined) {
    port = Number(portText);
    if (!/^\d+$/.test(portText) || port < 1 || port > 65535) throw new Error(`"${raw}": the port must be a number from 1 to 65535`);
  }
  const family = isIP(host);
  if (family === 0 && !NAME.test(host)) throw new Error(`"${raw}" is not a host name, *.domain, IP address or host:port`);
  if (family === 0 && host.startsWith("*.") && host.split(".").length < 3) throw new Error(`"${raw}": a wildcard needs a domain with at least two labels (*.example.com)`);
  const refused = family !== 0 ? refusedAddressClass(host) : undefined;
  if (refused !== undefined && port === undefined) {
    throw new Error(`"${raw}" is a ${refused} address; name the port too (${family === 6 ? `[${host}]` : host}:PORT) to allow exactly that endpoint deliberately`);
  }
  return { host, port, exactAddress: family !== 0 && port !== undefined };
}

function nameMatches(pattern: string, host: string): boolean {
  if (pattern.startsWith("*.")) return host.endsWith(pattern.slice(1)) && host.length > pattern.length - 1;
  return pattern === host;
}

function portMatches(entry: AllowEntry, port: number): boolean {
  return entry.port === undefined ? DEFAULT_PORTS.includes(port) : entry.port === port;
}

/** Lower-case, without brackets and a trailing dot. */
export function normalizeHost(host: string): string {
  let h = host.trim().toLowerCase();
  if (h.startsWith("[") && h.endsWith("]")) h = h.slice(1, -1);
  if (h.endsWith(".")) h = h.slice(0, -1);
  return h;
}

/**
 * First step, before DNS: may the sandbox ask for host:port at all? Refused when the host is denied
 * (GitHub, Redis, the database), when no entry matches, or when it is an address in a refused range
 * that no exact address:port entry names.
 */
export function decideEgress(hostInput: string, port: number, rules: EgressRules): EgressDecision {
  const host = normalizeHost(hostInput);
  if (!Number.isInteger(port) || port < 1 || port > 65535) return { allowed: false, reason: `invalid port ${String(port)}` };
  if (rules.denyEndpoints.some((d) => normalizeHost(d.host) === host && d.port === port)) return { allowed: false, reason: "one of Moderator's own services" };
  const deniedBy = [...ALWAYS_DENIED_HOSTS, ...rules.denyHosts].find((p) => nameMatches(normalizeHost(p), host));
  if (deniedBy !== undefined) return { allowed: false, reason: ALWAYS_DENIED_HOSTS.includes(deniedBy) ? "GitHub is reached by Moderator, never by the sandbox" : "one of Moderator's own services" };
  const family = isIP(host);
  if (family !== 0) {
    const exact = rules.allow.find((e) => e.exactAddress && isIP(e.host) === family && sameAddress(e.host, host) && e.port === port);
    if (exact) return { allowed: true, entry: exact };
    const refused = refusedAddressClass(host);
    if (refused !== undefined) return { allowed: false, reason: `${refused} address` };
    const entry = rules.allow.find((e) => !e.exactAddress && isIP(e.host) === family && sameAddress(e.host, host) && portMatches(e, port));
    return entry ? { allowed: true, entry } : { allowed: false, reason: "not on the allow-list" };
  }
  const entry = rules.allow.find((e) => isIP(e.host) === 0 && nameMatches(e.host, host) && portMatches(e, port));
  return entry ? { allowed: true, entry } : { allowed: false, reason: "not on the allow-list" };
}

/**
 * Second step, after the proxy resolved an allowed name: refused when ANY address is in a refused range,
 * so a name cannot be pointed at the host's own services. (Explicit address entries never reach here.)
 */
export function checkResolvedAddresses(host: string, addresses: readonly string[]): { ok: true } | { ok: false; reason: string } {
  if (addresses.length === 0) return { ok: false, reason: `${host} does not resolve` };
  for (const a of addresses) {
    const refused = refusedAddressClass(a);
    if (refused !== undefined) return { ok: false, reason: `${host} resolves to ${a}, a ${refused} address` };
  }
  return { ok: true };
}

function sameAddress(a: string, b: string): boolean {
  if (a === b) return true;
  const family = isIP(a);
  if (family !== isIP(b)) return false;
  const list = new BlockList();
  list.addAddress(a, family === 4 ? "ipv4" : "ipv6");
  return list.check(b, family === 4 ? "ipv4" : "ipv6");
}

/** The rules for one sandboxed run: the allow-list parsed (entries already validated by the config). */
export function buildEgressRules(allow: readonly string[], deny: { hosts?: readonly string[]; endpoints?: ReadonlyArray<{ host: string; port: number }> } = {}): EgressRules {
  return {
    allow: allow.map((a) => parseAllowEntry(a)),
    denyHosts: [...(deny.hosts ?? [])].map(normalizeHost),
    denyEndpoints: [...(deny.endpoints ?? [])].map((e) => ({ host: normalizeHost(e.host), port: e.port })),
  };
}
