import { isIP } from "node:net";

/** What of Moderator's own environment the egress deny-list is built from (the parsed env). */
export interface EgressDenySource {
  redisUrl?: string | undefined;
  databaseUrl?: string | undefined;
  /** GHE_HOST: the GitHub Enterprise (or fake GitHub) host, maybe with a port. */
  githubHost?: string | undefined;
  /** Moderator's own web port. */
  port?: number | undefined;
}

function endpointOf(raw: string | undefined, defaultPort: number): { host: string; port: number } | undefined {
  if (!raw) return undefined;
  try {
    const url = new URL(raw.includes("://") ? raw : `x://${raw}`);
    const host = url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
    if (host === "") return undefined;
    return { host, port: url.port !== "" ? Number(url.port) : defaultPort };
  } catch {
    return undefined;
  }
}

/**
 * Moderator's own services, refused to every sandbox whatever its allow-list says: the Redis and database
 * hosts (a name is refused on every port, an address on its service's port, so that a deliberate
 * `127.0.0.1:8080` gateway entry still works), the GitHub Enterprise host, and Moderator's web port on loopback.
 */
export function buildEgressDenyList(src: EgressDenySource): { hosts: string[]; endpoints: Array<{ host: string; port: number }> } {
  const hosts: string[] = [];
  const endpoints: Array<{ host: string; port: number }> = [];
  const add = (e: { host: string; port: number } | undefined): void => {
    if (!e) return;
    if (isIP(e.host) === 0) {
      if (!hosts.includes(e.host)) hosts.push(e.host);
    } else if (!endpoints.some((x) => x.host === e.host && x.port === e.port)) {
      endpoints.push(e);
    }
  };
  // Without REDIS_URL Moderator uses the Redis on 127.0.0.1:6379.
  add(endpointOf(src.redisUrl ?? "redis://127.0.0.1:6379", 6379));
  add(endpointOf(src.databaseUrl, 5432));
  const ghe = endpointOf(src.githubHost, 443);
  add(ghe);
  if (ghe && isIP(ghe.host) !== 0 && ghe.port === 443) add({ host: ghe.host, port: 80 });
  if (src.port !== undefined) for (const host of ["127.0.0.1", "::1"]) add({ host, port: src.port });
  return { hosts, endpoints };
}
