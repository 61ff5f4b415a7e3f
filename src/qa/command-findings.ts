import { redactSecrets } from "../util/redact.ts";
import { createFinding } from "./create-finding.ts";
import type { Finding } from "./finding.ts";
import { displayCommand, fenceFor, formatDuration, truncate } from "./format.ts";

export interface CommandResult {
  /** The name the repo config gives the command ("test", "lint"). */
  name: string;
  command: string[];
  exitCode: number | null;
  timedOut: boolean;
  /** Combined output (stdout and stderr). */
  output: string;
  durationMs: number;
}

/** How many trailing output lines a finding quotes, and how long each may be. */
const TAIL_LINES = 60;
const MAX_LINE_CHARS = 400;
const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[@-Z\\-_]/g;

/**
 * Turn the repo's QA commands (tests, lint, build) into findings: a failed command is `qa/command-failed`
 * (high), a timed-out one `qa/command-timeout` (medium). Successful commands produce nothing.
 * The message quotes the last ~60 lines of output, ANSI codes stripped and secrets redacted.
 */
export function commandFindings(results: CommandResult[], knownSecrets: string[]): Finding[] {
  const findings: Finding[] = [];
  for (const result of results) {
    if (!result.timedOut && result.exitCode === 0) continue;
    const shown = displayCommand(result.command);
    const tail = outputTail(result.output, knownSecrets);
    const fence = fenceFor(tail);
    const outputBlock = tail
      ? `Last ${tail.split("\n").length} lines of output:\n\n${fence}text\n${tail}\n${fence}`
      : "The command printed nothing.";
    const duration = formatDuration(result.durationMs);
    if (result.timedOut) {
      findings.push(
        createFinding({
          ruleId: "qa/command-timeout",
          source: "command",
          severity: "medium",
          confidence: 1,
          title: `QA command \`${result.name}\` timed out`,
          message: `\`${shown}\` was stopped after ${duration} without finishing.\n\n${outputBlock}`,
          suggestion:
            "Check for a test that waits forever (an open handle, a watch mode, a prompt for input), " +
            "or raise the command's timeout in .github/moderator.yml.",
          trigger: `${result.name}\u0000${shown}`,
        }),
      );
      continue;
    }
    const how = result.exitCode === null ? "was killed by a signal" : `exited with code ${result.exitCode}`;
    findings.push(
      createFinding({
        ruleId: "qa/command-failed",
        source: "command",
        severity: "high",
        confidence: 1,
        title: `QA command \`${result.name}\` failed (${result.exitCode === null ? "killed" : `exit ${result.exitCode}`})`,
        message: `\`${shown}\` ${how} after ${duration}.\n\n${outputBlock}`,
        suggestion: `Run \`${shown}\` locally on this branch to reproduce, then fix the failure it reports.`,
        trigger: `${result.name}\u0000${shown}`,
      }),
    );
  }
  return findings;
}

/** Redact the whole output first (a cut could split a secret and hide it from the patterns), then keep the tail. */
function outputTail(output: string, knownSecrets: string[]): string {
  const clean = redactSecrets((typeof output === "string" ? output : "").replace(ANSI, ""), knownSecrets)
    .replace(/\r\n/g, "\n")
    .split("\n")
    .map((line) => line.replace(/^.*\r(?=[^\r]*$)/, ""));
  while (clean.length > 0 && clean.at(-1)!.trim() === "") clean.pop();
  return clean
    .slice(-TAIL_LINES)
    .map((line) => truncate(line, MAX_LINE_CHARS))
    .join("\n");
}
