import { checkBackends } from "./check-backends.ts";
import { checkDatabase } from "./check-database.ts";
import { checkGitHubApp } from "./check-github-app.ts";
import { checkRedis } from "./check-redis.ts";
import { checkSandbox } from "./check-sandbox.ts";
import { checkWebhookSecret } from "./check-webhook-secret.ts";
import { checkWorkspace } from "./check-workspace.ts";
import type { DoctorCheck } from "./doctor-check.ts";

/** Every check of `moderator doctor`, in table order; start-up runs those of its role. */
export const DOCTOR_CHECKS: readonly DoctorCheck[] = [checkRedis, checkDatabase, checkSandbox, checkWorkspace, checkBackends, checkGitHubApp, checkWebhookSecret];
