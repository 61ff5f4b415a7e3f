import type { DoctorCheck } from "./doctor-check.ts";
import { signAppJwt } from "./sign-app-jwt.ts";

const SETUP_FIX = "run `moderator serve` without APP_ID once and open the setup page to register the App, or set APP_ID and PRIVATE_KEY (or PRIVATE_KEY_PATH) in .env";

/** The App's credentials against GitHub (or GHE_HOST): GET /app with a JWT signed by PRIVATE_KEY. */
export const checkGitHubApp: DoctorCheck = {
  name: "github app",
  blocks: [],
  async run({ env, timeoutMs }) {
    const host = env.githubHost ?? "github.com";
    if (!env.appId || !env.privateKey) {
      return [{ what: "github app", status: "fail", detail: "APP_ID / PRIVATE_KEY are not set", fix: SETUP_FIX }];
    }
    let jwt: string;
    try {
      jwt = signAppJwt(env.appId, env.privateKey);
    } catch (err) {
      return [{ what: "github app", status: "fail", detail: `PRIVATE_KEY cannot sign: ${(err as Error).message}`, fix: "download a new private key from the App's settings page" }];
    }
    const url = `${env.githubApiUrl}/app`;
    let res: Response;
    try {
      res = await fetch(url, {
        headers: { authorization: `Bearer ${jwt}`, accept: "application/vnd.github+json", "user-agent": "moderator-doctor", "x-github-api-version": "2022-11-28" },
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      return [{ what: "github app", status: "fail", detail: `cannot reach ${url}: ${cause?.code ?? cause?.message ?? (err as Error).message}`, fix: env.githubHost ? "check GHE_HOST / GHE_PROTOCOL and the network" : "check the network (outbound HTTPS to api.github.com)" }];
    }
    const body = (await res.json().catch(() => ({}))) as { id?: number; slug?: string; installations_count?: number; message?: string };
    if (res.status === 200) {
      if (body.id !== undefined && body.id !== env.appId) {
        return [{ what: "github app", status: "fail", detail: `${host} answered for App ${body.id}, not APP_ID ${env.appId}`, fix: "APP_ID and PRIVATE_KEY belong to different Apps" }];
      }
      const installs = body.installations_count === undefined ? "" : `, ${body.installations_count} installation(s)`;
      if (body.installations_count === 0) {
        return [{ what: "github app", status: "warn", detail: `App ${body.slug ?? env.appId} on ${host}: credentials work, not installed anywhere`, fix: "install the App on a repository (App settings -> Install App)" }];
      }
      return [{ what: "github app", status: "ok", detail: `App ${body.slug ?? env.appId} (id ${env.appId}) on ${host}${installs}` }];
    }
    const message = body.message ? `: ${body.message}` : "";
    if (res.status === 401) {
      return [{ what: "github app", status: "fail", detail: `${host} refused the App's token (401${message})`, fix: "PRIVATE_KEY does not belong to APP_ID, or this machine's clock is off by minutes" }];
    }
    if (res.status === 404) {
      return [{ what: "github app", status: "fail", detail: `${host} knows no App ${env.appId} (404${message})`, fix: "check APP_ID (the App's settings page shows it)" }];
    }
    return [{ what: "github app", status: "fail", detail: `GET ${url} answered ${res.status}${message}`, fix: "try again later; check GitHub's status page" }];
  },
};
