import { createHmac } from "node:crypto";

/** The `X-Hub-Signature-256` value GitHub sends with a webhook delivery of `body` signed with `secret`. */
export function signWebhook(secret: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(body, "utf8").digest("hex")}`;
}
