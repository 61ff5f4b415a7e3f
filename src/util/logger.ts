import { pino, type DestinationStream, type Logger } from "pino";
import PinoPretty from "pino-pretty";
import { redactLogValue } from "./redact-log-value.ts";

export type { Logger };

export type LogFormat = "json" | "pretty";

/**
 * The one log format of a process: the operator's LOG_FORMAT, else JSON lines in production or when the log
 * stream is not a terminal (a container, a file, a log shipper), pretty lines in a terminal.
 */
export function chooseLogFormat(opts: { configured: LogFormat | undefined; production: boolean; isTTY: boolean | undefined }): LogFormat {
  if (opts.configured) return opts.configured;
  return !opts.production && opts.isTTY === true ? "pretty" : "json";
}

/**
 * One logger per process: JSON lines (or pretty lines, see chooseLogFormat) on stdout (stderr for the CLI's own
 * commands, or any stream). Probot is given this logger too, so a process never mixes two formats.
 * Every argument of every log call (message, interpolated values, fields, errors with their stack and cause)
 * and every child logger's bindings pass through secret redaction here, so no call site can forget it.
 */
export function createLogger(
  level: string,
  opts: { name?: string; destination?: 1 | 2 | DestinationStream; format?: LogFormat } = {},
): Logger {
  const destination: DestinationStream =
    typeof opts.destination === "object"
      ? opts.destination
      : opts.format === "pretty"
        ? // In this process, synchronously: no transport worker thread (with its own heap) for a terminal's logs.
          PinoPretty({ destination: opts.destination ?? 1, sync: true, colorize: true, ignore: "pid,hostname" })
        : pino.destination(opts.destination ?? 1);
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
