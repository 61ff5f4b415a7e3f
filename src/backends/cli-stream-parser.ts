import type { AgentEvent } from "./backend.ts";

/**
 * Turns one launch's output into normalized events and says whether the CLI itself reported a
 * failure. One parser per launch. Never throws.
 */
export interface CliStreamParser {
  stdoutLine(line: string): AgentEvent[];
  stderrLine(line: string): AgentEvent[];
  /** Events still buffered when the process ended (e.g. streamed message deltas). */
  finish(): AgentEvent[];
  /** The CLI's own failure report (an error result, a failed turn, an unanswered error), if any. */
  failure(): string | undefined;
}

/**
 * A parser for a CLI that prints one JSON event per stdout line. `parseLine` is the pure line parser;
 * `flush` returns what it buffered. The failure is the text of the last `result` event that says
 * success: false, or the last `error` event when no successful result came after it.
 */
export function createJsonStreamParser(parseLine: (line: string) => AgentEvent[], flush: () => AgentEvent[] = () => []): CliStreamParser {
  let failed: string | undefined;
  let unansweredError: string | undefined;
  const track = (events: AgentEvent[]): AgentEvent[] => {
    for (const event of events) {
      if (event.kind === "error") unansweredError = event.message;
      if (event.kind === "result") {
        unansweredError = undefined;
        failed = event.success ? undefined : (event.text ?? "the agent reported a failure");
      }
    }
    return events;
  };
  return {
    stdoutLine: (line) => track(safely(() => parseLine(line))),
    stderrLine: () => [],
    finish: () => track(safely(flush)),
    failure: () => failed ?? unansweredError,
  };
}

/** The events, or none when the parser threw (it should not; a bad line must not end the run). */
export function safely(fn: () => AgentEvent[]): AgentEvent[] {
  try {
    return fn();
  } catch {
    return [];
  }
}
