import type { Env } from "../config/env.ts";
import type { OperatorConfig } from "../config/operator-config.ts";

export type CheckStatus = "ok" | "warn" | "fail";

/** One row of the doctor's table: what was checked, how it went, and what to do about it. */
export interface CheckResult {
  what: string;
  status: CheckStatus;
  detail: string;
  /** What to do (warn/fail). */
  fix?: string;
}

/** Which process runs the checks: the `doctor` command, or the start-up of `serve`/`web`/`worker`. */
export type DoctorRole = "doctor" | "web" | "worker";

export interface DoctorContext {
  env: Env;
  operator: OperatorConfig;
  /** Whether this process runs in a container (Docker, Podman): `sandbox: auto` must not fall back to none there. */
  inContainer: boolean;
  /** Bounds every network call of a check. */
  timeoutMs: number;
  /** The checks run at the start of serve/web/worker, which open the database themselves right after. */
  startUp?: boolean | undefined;
  /** The bubblewrap binary to probe (default: bwrap on PATH). */
  bwrapPath?: string | undefined;
}

/**
 * One check of `moderator doctor`. `blocks` lists the start-up roles that refuse to start when the check
 * fails (the worker without a sandbox, the web server without a webhook secret in production); at the
 * other roles a failure is logged in the table and start-up goes on.
 */
export interface DoctorCheck {
  name: string;
  /** The roles that run this check at all (default: every one). */
  roles?: readonly DoctorRole[];
  blocks: readonly DoctorRole[];
  run(ctx: DoctorContext): Promise<CheckResult[]>;
}
