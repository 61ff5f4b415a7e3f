import { fence } from "../render/render-tracking-comment.ts";
import { improvementMarker } from "./improvement-marker.ts";
import type { Improvement } from "./improvement.ts";

export interface ImprovementPrView {
  improvement: Pick<Improvement, "type" | "title" | "rationale" | "task" | "files" | "fingerprint">;
  /** The pull request this improvement follows up. */
  parentPrNumber: number;
  /** The pull request's base is the parent's branch (a stacked pull request), not the default branch. */
  stacked: boolean;
  /** The issue the parent pull request closes. */
  issueNumber?: number;
  executionId?: string;
  /** The backend that made the change. */
  backend?: string;
}

const TYPE_LABEL: Record<Improvement["type"], string> = {
  tests: "tests",
  docs: "documentation",
  fix: "QA fix",
  refactor: "refactor",
};
const MAX_TITLE = 200;
const MAX_FILES_LISTED = 30;

/**
 * Title and body of a follow-up improvement pull request. Pure. The body names the parent pull request and the
 * improvement (type, rationale, the agent's task, files), says "Stacked on #n" when the base is the parent's branch,
 * never closes the issue (the parent does), and ends with the improvement's hidden fingerprint marker, which is how
 * Moderator recognises the pull request when it is merged or closed.
 */
export function renderImprovementPr(v: ImprovementPrView): { title: string; body: string } {
  const n = v.parentPrNumber;
  const imp = v.improvement;
  const base = imp.title.replace(/\s+/g, " ").trim() || `Improve ${TYPE_LABEL[imp.type]}`;
  const suffix = ` (follow-up to #${n})`;
  const title = base.length + suffix.length > MAX_TITLE ? `${base.slice(0, MAX_TITLE - suffix.length - 3)}...${suffix}` : `${base}${suffix}`;

  const out: string[] = [];
  out.push(`Follow-up to #${n}: a **${TYPE_LABEL[imp.type]}** improvement (\`${imp.type}\`) Moderator proposed after that pull request.${v.issueNumber !== undefined ? ` Part of #${v.issueNumber}.` : ""}`);
  if (v.stacked) {
    out.push("");
    out.push(`> **Stacked on #${n}.** This pull request is based on #${n}'s branch, so its diff shows only the improvement. Merge #${n} first; once its branch is deleted, GitHub retargets this pull request to #${n}'s base branch.`);
  }
  out.push("");
  out.push("## Why");
  out.push(neutralize(imp.rationale.trim()) || "No rationale was given.");
  out.push("");
  out.push("## What the agent was asked to do");
  // A marker-like comment in the task must not be mistaken for this pull request's own marker.
  out.push(fence(imp.task.trim().replace(/<!--/g, "<! --")));
  if (imp.files.length > 0) {
    out.push("");
    out.push("## Files");
    for (const f of imp.files.slice(0, MAX_FILES_LISTED)) out.push(`- \`${f.replace(/`/g, "'")}\``);
    if (imp.files.length > MAX_FILES_LISTED) out.push(`- ... and ${imp.files.length - MAX_FILES_LISTED} more`);
  }
  out.push("");
  const by = v.backend ? ` with the \`${v.backend}\` agent` : "";
  const run = v.executionId ? ` (run \`${v.executionId}\`)` : "";
  out.push(`<sub>Opened by Moderator${by}${run}. Review it as you would any contribution. Closing it without merging means Moderator never proposes this improvement again.</sub>`);
  out.push("");
  out.push(improvementMarker(imp.fingerprint));
  return { title, body: out.join("\n") };
}

/** Model-written text: no HTML (so no fake markers), no mentions that would ping people. */
function neutralize(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/(^|[^\w`])@(?=[A-Za-z0-9])/g, "$1@&#8203;");
}
