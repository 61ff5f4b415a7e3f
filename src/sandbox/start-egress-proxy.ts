import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { isIP, type Socket } from "node:net";
import { RequestError, Server as ProxyServer } from "proxy-chain";
import { checkResolvedAddresses, decideEgress, normalizeHost, type EgressRules } from "./egress-policy.ts";
import type { ConnectionAttempt } from "./process-runner.ts";

/** Resolves a name to its addresses (all of them). Injected in tests; default: the system resolver. */
export type ResolveHost = (host: string) => Promise<string[]>;

export interface EgressProxyOptions {
  rules: EgressRules;
  /** Where to listen: a Unix socket path (bound into the sandbox), or a TCP port on 127.0.0.1 (0 = any). */
  listen: { socketPath: string } | { port: number };
  onAttempt: (attempt: ConnectionAttempt) => void;
  resolve?: ResolveHost;
}

export interface EgressProxy {
  /** The TCP port when listening on 127.0.0.1, else undefined. */
  port: number | undefined;
  close(): Promise<void>;
}

const systemResolve: ResolveHost = (host) =>
  new Promise((resolve, reject) => {
    dnsLookup(host, { all: true, verbatim: true }, (err, addresses: LookupAddress[]) => (err ? reject(err) : resolve(addresses.map((a) => a.address))));
  });

interface Pending {
  host: string;
  port: number;
  method: string;
}

/**
 * Moderator's egress proxy for one sandboxed run: an HTTP proxy (CONNECT for HTTPS and any TCP, absolute
 * URLs for plain HTTP) built on `proxy-chain`, listening OUTSIDE the sandbox.
 *
 * Every request is decided by `decideEgress`; an allowed name is resolved HERE, every address must be
 * public (`checkResolvedAddresses`), and the connection goes to the address that was checked (proxy-chain's
 * `dnsLookup` hook), so DNS cannot answer differently between the check and the connect. A refused request
 * gets `403` with the reason. Each attempt is reported once: refused at once, allowed when its client
 * connection closes (with the bytes sent and received).
 */
export async function startEgressProxy(opts: EgressProxyOptions): Promise<EgressProxy> {
  const resolve = opts.resolve ?? systemResolve;
  const pending = new Map<number, Pending[]>();

  const server = new ProxyServer({
    port: 0,
    host: "127.0.0.1",
    prepareRequestFunction: async ({ connectionId, hostname, port, request }) => {
      const host = normalizeHost(hostname);
      const method = request.method ?? "GET";
      const refuse = (reason: string): never => {
        opts.onAttempt({ host, port, allowed: false, reason, method });
        throw new RequestError(`Moderator egress proxy: ${host}:${port} refused: ${reason}`, 403);
      };
      const decision = decideEgress(host, port, opts.rules);
      if (!decision.allowed) return refuse(decision.reason);
      let address: string;
      if (isIP(host) !== 0) {
        address = host;
      } else {
        let addresses: string[];
        try {
          addresses = await resolve(host);
        } catch (err) {
          return refuse(`${host} does not resolve (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
        }
        const checked = checkResolvedAddresses(host, addresses);
        if (!checked.ok) return refuse(checked.reason);
        address = addresses[0]!;
      }
      const list = pending.get(connectionId) ?? [];
      list.push({ host, port, method });
      pending.set(connectionId, list);
      const family = isIP(address);
      return {
        dnsLookup: ((_name: string, options: unknown, callback?: unknown) => {
          const cb = (typeof options === "function" ? options : callback) as (...args: unknown[]) => void;
          const all = typeof options === "object" && options !== null && (options as { all?: boolean }).all === true;
          if (all) cb(null, [{ address, family }]);
          else cb(null, address, family);
        }) as typeof dnsLookup,
      };
    },
  });

  server.on("connectionClosed", ({ connectionId, stats }: { connectionId: number; stats?: { srcTxBytes: number; srcRxBytes: number } }) => {
    const list = pending.get(connectionId);
    if (!list) return;
    pending.delete(connectionId);
    list.forEach((p, i) => {
      // One client connection can carry several plain-HTTP requests; its bytes are counted on the first.
      const bytes = i === 0 && stats ? { bytesSent: stats.srcRxBytes, bytesReceived: stats.srcTxBytes } : {};
      opts.onAttempt({ host: p.host, port: p.port, allowed: true, method: p.method, ...bytes });
    });
  });

  // proxy-chain drops sockets without a remote address; a Unix socket has none, so give it a label.
  server.server.prependListener("connection", (socket: Socket) => {
    if (!socket.remoteAddress) Object.defineProperty(socket, "remoteAddress", { value: "sandbox", configurable: true });
  });

  await new Promise<void>((resolveListen, reject) => {
    server.server.once("error", reject);
    const done = (): void => {
      server.server.off("error", reject);
      resolveListen();
    };
    if ("socketPath" in opts.listen) server.server.listen(opts.listen.socketPath, done);
    else server.server.listen(opts.listen.port, "127.0.0.1", done);
  });
  const address = server.server.address();
  return {
    port: typeof address === "object" && address !== null ? address.port : undefined,
    close: () => server.close(true),
  };
}
