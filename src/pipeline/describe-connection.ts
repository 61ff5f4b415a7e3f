import type { ConnectionAttempt } from "../sandbox/process-runner.ts";

/** A connection attempt's event line (level and message): what `moderator status` shows. Pure. */
export function describeConnection(a: ConnectionAttempt): { level: "info" | "warn"; message: string } {
  const bytes = a.bytesSent !== undefined ? `, ${a.bytesSent} B sent, ${a.bytesReceived ?? 0} B received` : "";
  return a.allowed
    ? { level: "info", message: `connected to ${a.host}:${a.port}${bytes}` }
    : { level: "warn", message: `refused ${a.host}:${a.port}${a.reason ? ` (${a.reason})` : ""}` };
}
