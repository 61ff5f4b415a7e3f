import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { z } from "zod";

export const SESSION_COOKIE = "moderator_session";
export const STATE_COOKIE = "moderator_oauth_state";

export const Session = z.object({ login: z.string().min(1).max(39), nonce: z.string().min(16), exp: z.number() });
export type Session = z.infer<typeof Session>;

const mac = (key: Buffer, text: string) => createHmac("sha256", key).update(text).digest("base64url");

/** `<payload>.<hmac>`: what the browser keeps; it cannot be read for secrets nor changed without the key. */
export function signValue(key: Buffer, value: unknown): string {
  const payload = Buffer.from(JSON.stringify(value)).toString("base64url");
  return `${payload}.${mac(key, payload)}`;
}

/** The value of a signed cookie, or undefined when it is missing, forged or malformed. */
export function verifyValue(key: Buffer, signed: string | undefined): unknown {
  if (!signed) return undefined;
  const dot = signed.lastIndexOf(".");
  if (dot <= 0) return undefined;
  const payload = signed.slice(0, dot);
  const given = Buffer.from(signed.slice(dot + 1));
  const expected = Buffer.from(mac(key, payload));
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  try {
    return JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as unknown;
  } catch {
    return undefined;
  }
}

export function newSession(login: string, ttlMs: number, now = Date.now()): Session {
  return { login, nonce: randomBytes(16).toString("base64url"), exp: now + ttlMs };
}

export function readSession(key: Buffer, cookies: Record<string, string>, now = Date.now()): Session | undefined {
  const parsed = Session.safeParse(verifyValue(key, cookies[SESSION_COOKIE]));
  return parsed.success && parsed.data.exp > now ? parsed.data : undefined;
}

/** The CSRF token of a session: bound to it, so a token from another session (or none) is refused. */
export function csrfTokenOf(key: Buffer, session: Session): string {
  return mac(key, `csrf:${session.nonce}`);
}

export function checkCsrf(key: Buffer, session: Session, token: string | undefined): boolean {
  if (!token) return false;
  const a = Buffer.from(token);
  const b = Buffer.from(csrfTokenOf(key, session));
  return a.length === b.length && timingSafeEqual(a, b);
}

export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    try {
      out[name] = decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      // A cookie that is not ours.
    }
  }
  return out;
}

/** A Set-Cookie value: HTTP-only, SameSite=Lax (the OAuth callback is a top-level navigation), Secure over https. */
export function cookie(name: string, value: string, opts: { maxAgeSeconds: number; secure: boolean }): string {
  return [`${name}=${encodeURIComponent(value)}`, "Path=/dashboard", "HttpOnly", "SameSite=Lax", `Max-Age=${opts.maxAgeSeconds}`, ...(opts.secure ? ["Secure"] : [])].join("; ");
}
