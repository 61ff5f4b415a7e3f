import type { CheckResult, DoctorCheck } from "./doctor-check.ts";

/** What the web server uses when WEBHOOK_SECRET is unset (see start-moderator.ts). */
export const DEV_WEBHOOK_SECRET = "development";
const MIN_LENGTH = 20;

/** The webhook secret: set, not the development default, long enough. Pure. */
export function judgeWebhookSecret(secret: string | undefined, production: boolean): CheckResult {
  const fix = "set WEBHOOK_SECRET to a random value (openssl rand -hex 32) both in .env and in the GitHub App's settings";
  if (secret === undefined || secret === DEV_WEBHOOK_SECRET) {
    const detail = secret === undefined ? `unset: the web server checks signatures against "${DEV_WEBHOOK_SECRET}"` : `is the development default "${DEV_WEBHOOK_SECRET}"`;
    return { what: "webhook secret", status: production ? "fail" : "warn", detail: `${detail}: anyone can forge webhooks${production ? " (NODE_ENV=production)" : ""}`, fix };
  }
  if (secret.length < MIN_LENGTH) return { what: "webhook secret", status: "warn", detail: `only ${secret.length} characters`, fix };
  return { what: "webhook secret", status: "ok", detail: `set (${secret.length} characters)` };
}

export const checkWebhookSecret: DoctorCheck = {
  name: "webhook secret",
  roles: ["doctor", "web"],
  blocks: ["web"],
  run: async ({ env }) => [judgeWebhookSecret(env.webhookSecret, env.production)],
};
