import type { GitHubClient } from "./github-client.ts";

/** One webhook delivery as a handler sees it: validated at intake, handled by a worker. */
export interface WebhookContext {
  /** The X-GitHub-Delivery id. */
  id: string;
  /** `event.action`, e.g. `issues.labeled`. */
  name: string;
  // The payload passed intake's schema for this event; each handler narrows it with that schema again.
  payload: Record<string, unknown> & { action?: unknown };
  /** A client authenticated as the delivery's installation. */
  octokit: GitHubClient;
  /** When intake received the delivery (the trigger time of a label). */
  receivedAt: Date;
}

/** What a handler did, for the delivery log ("queued", "ignored: bot sender", ...). */
export type WebhookHandler = (context: WebhookContext) => Promise<string>;
export type WebhookHandlers = Record<string, WebhookHandler>;
