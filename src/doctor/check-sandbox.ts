import { readFile } from "node:fs/promises";
import { execa } from "execa";
import type { CheckResult, DoctorCheck, DoctorContext } from "./doctor-check.ts";

/** Each probe adds what the real sandbox needs, so the first one to fail names the missing permission. */
const PROBES: ReadonlyArray<{ what: string; args: string[] }> = [
  { what: "user namespace", args: ["--unshare-user", "--ro-bind", "/", "/"] },
  { what: "network namespace", args: ["--unshare-user", "--unshare-net", "--ro-bind", "/", "/"] },
  { what: "pid namespace with its own /proc (--proc)", args: ["--unshare-user", "--unshare-net", "--unshare-pid", "--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev"] },
];

const DOCKER_FIX =
  "in Docker, give the worker `security_opt: [seccomp=unconfined, apparmor=unconfined, systempaths=unconfined]` (docker-compose.yml does); " +
  "on a host, install bubblewrap and allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1)";

async function hostHint(): Promise<string> {
  const restrict = await readFile("/proc/sys/kernel/apparmor_restrict_unprivileged_userns", "utf8").catch(() => "");
  return restrict.trim() === "1" ? "; the host restricts user namespaces with AppArmor: set sysctl kernel.apparmor_restrict_unprivileged_userns=0 on the host" : "";
}

/** First failing probe of bubblewrap, or undefined when it can create user + network namespaces and mount /proc. */
export async function probeBubblewrap(bwrapPath: string, timeoutMs: number): Promise<{ what: string; error: string } | undefined> {
  for (const probe of PROBES) {
    const r = await execa(bwrapPath, [...probe.args, "--", "true"], { reject: false, timeout: timeoutMs, stdin: "ignore", env: { PATH: "/usr/bin:/bin" }, extendEnv: false });
    if (r.exitCode !== 0) {
      const error = String(r.stderr ?? "").trim() || (r.failed && r.exitCode === undefined ? String(r.shortMessage) : `exit code ${String(r.exitCode)}`);
      return { what: probe.what, error };
    }
  }
  return undefined;
}

/**
 * The agent sandbox: bubblewrap can create user and network namespaces and mount /proc. Without it
 * `sandbox: bwrap` fails, and `sandbox: auto` fails too in a container or in production (it would run
 * agents unsandboxed there); only an explicit `sandbox: none` runs them unsandboxed, with a warning.
 */
export const checkSandbox: DoctorCheck = {
  name: "sandbox",
  roles: ["doctor", "worker"],
  blocks: ["worker"],
  async run(ctx: DoctorContext): Promise<CheckResult[]> {
    const mode = ctx.operator.sandbox;
    if (mode === "none") {
      return [{ what: "sandbox", status: "warn", detail: "sandbox: none: agents and QA commands run with Moderator's own files and network", fix: "install bubblewrap and set sandbox: auto or bwrap" }];
    }
    const bwrap = ctx.bwrapPath ?? "bwrap";
    const failure = await probeBubblewrap(bwrap, ctx.timeoutMs).catch((err: Error) => ({ what: "bwrap", error: err.message }));
    if (!failure) return [{ what: "sandbox", status: "ok", detail: `bubblewrap works (user + network namespaces, /proc); sandbox: ${mode}` }];
    const notFound = /ENOENT|not found/i.test(failure.error);
    const why = notFound ? `bubblewrap (${bwrap}) is not installed` : `bubblewrap cannot create a ${failure.what}: ${failure.error}`;
    const fix = notFound ? "apt-get install bubblewrap (the image has it)" : `${DOCKER_FIX}${await hostHint()}`;
    const strict = mode === "bwrap" || ctx.inContainer || ctx.env.production;
    if (strict) {
      const reason = mode === "bwrap" ? "sandbox: bwrap" : `sandbox: auto ${ctx.inContainer ? "in a container" : "in production"} does not fall back to running agents unsandboxed`;
      return [{ what: "sandbox", status: "fail", detail: `${why} (${reason})`, fix: `${fix}; or set sandbox: none in moderator.config.yml, knowingly` }];
    }
    return [{ what: "sandbox", status: "warn", detail: `${why}: sandbox: auto will run agents WITHOUT a sandbox`, fix }];
  },
};
