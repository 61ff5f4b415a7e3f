import { quoteUserText } from "../app/commands/quote-user-text.ts";
import { redactSecrets } from "../util/redact.ts";
import { formatDuration } from "./format-duration.ts";

/** The columns of an Execution row the status reply shows (an Execution row fits as it is). */
export interface StatusRun {
  id: string;
  kind: string;
  status: string;
  phase: string | null;
  backend: string | null;
  trigger: string;
  triggeredBy: string;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  prNumber: number | null;
  prUrl: string | null;
  checkRunUrl: string | null;
  reviewUrl: string | null;
  errorPhase: string | null;
  error: string | null;
}

export interface StatusReplyInput {
  /** The latest run of the issue or pull request; null when there has been none. */
  run: StatusRun | null;
  /** How many runs there were before this one. */
  earlierRuns?: number;
  isPullRequest: boolean;
  /** "Now", for the elapsed time of a run that has not finished. */
  now: Date;
}

const STATUS: Record<string, string> = {
  queued: "⏳ Queued",
  preparing: "🔄 Preparing the workspace",
  planning: "🔄 Planning",
  executing: "🔄 The agent is running",
  qa: "🔄 Checking the result",
  deciding: "🔄 Deciding",
  publishing: "🔄 Publishing",
  improving: "🔄 Looking for improvements",
  completed: "✅ Done",
  failed: "❌ Failed",
  cancelled: "⏹️ Cancelled",
  waiting_for_human: "🙋 Waiting for a maintainer",
};

const FINISHED = new Set(["completed", "failed", "cancelled"]);

/** The reply to `/moderator status`: the latest run's state, times, backend, links and last error. Pure. */
export function renderStatusReply(input: StatusReplyInput): string {
  const where = input.isPullRequest ? "pull request" : "issue";
  const run = input.run;
  if (run === null) {
    const how = input.isPullRequest
      ? "A maintainer can ask for one with `/moderator review`."
      : "A maintainer can start one with the trigger label or `/moderator run`.";
    return `### Moderator · status\n\nNo Moderator run on this ${where} yet. ${how}`;
  }

  const out: string[] = [];
  out.push(`### Moderator · ${STATUS[run.status] ?? quoteUserText(run.status, { max: 60 })}`);
  out.push("");
  const kind = run.kind === "run" ? "run" : `${quoteUserText(run.kind, { max: 40 })} run`;
  const earlier = input.earlierRuns && input.earlierRuns > 0 ? ` (${input.earlierRuns} earlier on this ${where})` : "";
  out.push(`Latest ${kind} on this ${where}: \`${run.id}\`${earlier}, started by ${trigger(run)} on ${utc(run.createdAt)}.`);
  out.push("");

  out.push(`- **Status:** \`${quoteUserText(run.status, { max: 60, inCode: true })}\``);
  if (run.phase !== null && run.phase !== "") out.push(`- **Phase:** \`${quoteUserText(run.phase, { max: 60, inCode: true })}\``);
  out.push(`- **${elapsedLabel(run)}:** ${formatDuration(elapsedMs(run, input.now))}`);
  if (run.backend) out.push(`- **Backend:** \`${quoteUserText(run.backend, { max: 100, inCode: true })}\``);
  if (run.prUrl) out.push(`- **Pull request:** [#${run.prNumber ?? "?"}](${run.prUrl})`);
  if (run.checkRunUrl) out.push(`- **Check run:** [Moderator](${run.checkRunUrl})`);
  if (run.reviewUrl) out.push(`- **Review:** [QA review](${run.reviewUrl})`);
  if (run.error !== null && run.error.trim() !== "") {
    const phase = run.errorPhase ? ` (in ${quoteUserText(run.errorPhase, { max: 40 })})` : "";
    out.push(`- **Last error${phase}:** ${quoteUserText(redactSecrets(run.error), { max: 600 })}`);
  }
  return out.join("\n");
}

function trigger(run: StatusRun): string {
  const who = quoteUserText(run.triggeredBy, { max: 100, inCode: true });
  const how = run.trigger === "label" ? "the label" : run.trigger === "comment" ? "a command" : quoteUserText(run.trigger, { max: 40 });
  return `${how} from \`${who}\``;
}

/** When the run has not started, the time it has waited; otherwise the time it ran (so far). */
function elapsedMs(run: StatusRun, now: Date): number {
  const from = run.startedAt ?? run.createdAt;
  const to = run.finishedAt ?? now;
  return Math.max(0, to.getTime() - from.getTime());
}

function elapsedLabel(run: StatusRun): string {
  if (run.finishedAt !== null || FINISHED.has(run.status)) return "Took";
  if (run.startedAt === null) return "Waiting for";
  return "Running for";
}

function utc(d: Date): string {
  return `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}
