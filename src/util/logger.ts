import { pino, type DestinationStream, type Logger } from "pino";
import { redactLogValue } from "./redact-log-value.ts";

export type { Logger };

/**
 * JSON lines on stdout (stderr for the CLI's own commands, or any stream), one logger per process.
 * Every argument of every log call (message, interpolated values, fields, errors with their stack and cause)
 * and every child logger's bindings pass through secret redaction here, so no call site can forget it.
 */
export function createLogger(level: string, opts: { name?: string; destination?: 1 | 2 | DestinationStream } = {}): Logger {
  const destination = typeof opts.destination === "object" ? opts.destination : pino.destination(opts.destination ?? 1);
  return pino(
    {
      level,
      name: opts.name ?? "moderator",
      base: { pid: process.pid },
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((arg) => redactLogValue(arg)) as Parameters<typeof method>);
        },
      },
      formatters: {
        bindings: (bindings) => redactLogValue(bindings) as Record<string, unknown>,
      },
    },
    destination,
  );
}
