import { pgErrorCode } from "./pg-error-code.ts";

/**
 * One line for a failed PostgreSQL connection: which database (`display`, password already masked),
 * what failed, and what to do about it.
 */
export function describeConnectionError(err: unknown, display: string): string {
  const code = pgErrorCode(err) ?? pgErrorCode(firstNested(err));
  const raw = rawMessage(err);
  const [what, todo] = explain(code, raw);
  const detail = raw !== "" && raw.toLowerCase() !== what.toLowerCase() ? ` (${raw})` : "";
  return `cannot connect to PostgreSQL at ${display}: ${what}${detail}; ${todo}`.replace(/\s*\n\s*/g, " ");
}

function explain(code: string | undefined, message: string): [string, string] {
  switch (code) {
    case "ECONNREFUSED":
      return ["connection refused", "start PostgreSQL or fix the host and port in DATABASE_URL"];
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return ["host name not found", "fix the host in DATABASE_URL"];
    case "ETIMEDOUT":
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return ["host not reachable", "check the host, port and any firewall between Moderator and PostgreSQL"];
    case "ECONNRESET":
      return ["connection reset by the server", "check the server log; if it requires SSL add ?sslmode=require"];
    case "28P01":
      return ["password authentication failed", "fix the user name and password in DATABASE_URL"];
    case "28000":
      return ["the server rejected this user or client", "check the user exists and pg_hba.conf allows this host"];
    case "3D000":
      return ["the database does not exist", "create it (createdb <name>) or fix the database name in DATABASE_URL"];
    case "53300":
      return ["the server has too many connections", "raise max_connections or run fewer Moderator processes"];
    case "57P03":
      return ["the server is starting up or shutting down", "wait until PostgreSQL accepts connections and retry"];
    default:
      break;
  }
  if (/timeout/i.test(message)) {
    return ["connection timed out", "check the host, port and any firewall between Moderator and PostgreSQL"];
  }
  if (/ssl/i.test(message)) {
    return ["SSL negotiation failed", "match the server's SSL setting with sslmode= in DATABASE_URL"];
  }
  return ["connection failed", "check DATABASE_URL and that PostgreSQL is running and reachable"];
}

function firstNested(err: unknown): unknown {
  if (err instanceof AggregateError) return err.errors[0];
  return undefined;
}

function rawMessage(err: unknown): string {
  if (err instanceof AggregateError && err.message === "") return rawMessage(err.errors[0]);
  return err instanceof Error ? err.message : err === undefined ? "" : String(err);
}
