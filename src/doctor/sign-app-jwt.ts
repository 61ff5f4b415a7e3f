import { createSign } from "node:crypto";

const b64url = (s: string | Buffer) => Buffer.from(s).toString("base64url");

/**
 * The JSON Web Token a GitHub App authenticates with (RS256, `iss` = App ID): issued 60 s in the past
 * against clock drift, valid 9 minutes (GitHub allows at most 10).
 */
export function signAppJwt(appId: number, privateKey: string, now = Date.now()): string {
  const iat = Math.floor(now / 1000) - 60;
  const head = b64url(JSON.stringify({ alg: "RS256", typ: "JWT" }));
  const body = b64url(JSON.stringify({ iat, exp: iat + 600 - 60, iss: String(appId) }));
  const signature = createSign("RSA-SHA256").update(`${head}.${body}`).sign(privateKey);
  return `${head}.${body}.${b64url(signature)}`;
}
