import type { Logger } from "../util/logger.ts";

/**
 * WEBHOOK_PROXY_URL (development): forward a smee.io channel to the local webhook path with smee-client, when it is
 * installed (`npm install --no-save smee-client`). Returns a closer; without smee-client it warns and does nothing.
 */
export async function startWebhookProxy(source: string, target: string, log: Logger): Promise<() => Promise<void>> {
  const moduleName = "smee-client";
  let SmeeClient: (new (opts: { source: string; target: string; logger: unknown }) => { start(): Promise<{ close(): void }> | { close(): void } }) | undefined;
  try {
    SmeeClient = ((await import(moduleName)) as { SmeeClient?: typeof SmeeClient; default?: typeof SmeeClient }).SmeeClient ?? (await import(moduleName)).default;
  } catch {
    log.warn({ source }, "WEBHOOK_PROXY_URL is set but smee-client is not installed: run `npm install --no-save smee-client` to forward webhooks");
    return async () => undefined;
  }
  if (!SmeeClient) return async () => undefined;
  const client = new SmeeClient({ source, target, logger: { info: (m: string) => log.info(m), error: (m: string) => log.warn(m) } });
  const events = await client.start();
  log.info({ source, target }, "forwarding webhooks from the proxy");
  return async () => events.close();
}
