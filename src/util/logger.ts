import { pino, type Logger } from "pino";

export type { Logger };

/** JSON lines on stdout (stderr for the CLI's own commands), one logger per process. */
export function createLogger(level: string, opts: { name?: string; destination?: 1 | 2 } = {}): Logger {
  return pino({ level, name: opts.name ?? "moderator", base: { pid: process.pid } }, pino.destination(opts.destination ?? 1));
}
