import { applyReviewPlan } from "../codehost/apply-review-plan.ts";
import { QA_CHECK_RUN_NAME } from "../codehost/check-run-names.ts";
import type { CodeHost, RepoRef } from "../codehost/code-host.ts";
import { loadReviewHistory } from "../codehost/load-review-history.ts";
import type { RepoConfig } from "../config/repo-config.ts";
import { buildCheckRunOutput } from "../qa/build-check-run.ts";
import type { Finding, Severity } from "../qa/finding.ts";
import type { DiffFile } from "../qa/parse-diff.ts";
import { planReviewPosting } from "../qa/plan-review-posting.ts";
import type { Store } from "../store/store.ts";
import type { QaPhaseResult } from "./run-qa-phase.ts";

export interface PublishQaResult {
  conclusion: "success" | "failure" | "neutral";
  checkRun: { id: number; url: string };
  review: { id: number; url: string; inlineCount: number; movedToBody: number } | null;
  posted: number;
  keptQuiet: number;
  resolved: number;
  counts: Partial<Record<Severity, number>>;
}

/**
 * Post a QA result on a pull request, quietly and exactly: the `Moderator QA` check run (every finding worth
 * showing, annotations in batches of 50, found again by name on the head commit), then at most one review with
 * only the findings not posted before (open threads, review bodies and dismissed fingerprints are read back from
 * GitHub and the Store), and the threads of fixed findings resolved. Nothing new -> no review at all.
 */
export async function publishQa(input: {
  codeHost: CodeHost;
  ref: RepoRef;
  pullNumber: number;
  headSha: string;
  files: DiffFile[];
  qa: QaPhaseResult;
  repoConfig: RepoConfig;
  executionId: string;
  repositoryId: number;
  store: Store;
  /** Rules the learner switched off in this repository: their findings are recorded as suppressed, not posted. */
  suppressedRules?: ReadonlySet<string>;
}): Promise<PublishQaResult> {
  const { codeHost, ref, store, executionId, repoConfig } = input;
  const suppressed = input.suppressedRules ?? new Set<string>();
  const qa = { ...input.qa, findings: input.qa.findings.filter((f) => !suppressed.has(f.ruleId)) };
  const quiet = input.qa.findings.filter((f) => suppressed.has(f.ruleId));
  const dismissed = await store.dismissedFingerprints(input.repositoryId);
  const history = await loadReviewHistory(codeHost, ref, input.pullNumber, { dismissed });
  // When QA did not run completely, a finding missing now may just be unchecked: resolve nothing.
  const previous = qa.qaError ? { ...history, threads: [] } : history;
  const plan = planReviewPosting({
    findings: qa.findings,
    files: input.files,
    previous,
    maxComments: repoConfig.qa.maxComments,
    minConfidence: repoConfig.qa.minConfidence,
  });
  const shown: Finding[] = qa.findings.filter((f) => f.confidence >= repoConfig.qa.minConfidence && !dismissed.has(f.fingerprint));
  const check = buildCheckRunOutput(shown, { failOn: repoConfig.qa.failOn, commands: qa.commands, ...(qa.qaError ? { qaError: qa.qaError } : {}) });
  const checkRun = await codeHost.upsertCheckRun(ref, {
    name: QA_CHECK_RUN_NAME,
    headSha: input.headSha,
    status: "completed",
    conclusion: check.conclusion,
    title: check.title,
    summary: qa.notes.length > 0 ? `${check.summary}\n\n${qa.notes.map((n) => `- ${n}`).join("\n")}` : check.summary,
    text: check.text,
    annotations: check.annotations,
    externalId: executionId,
  });
  const applied = await applyReviewPlan(codeHost, ref, input.pullNumber, plan, { commitSha: input.headSha });
  const inline = new Map((plan.review?.inline ?? []).map((f) => [f.fingerprint, { inline: true }]));
  await store.saveFindings(executionId, input.repositoryId, input.qa.findings, inline);
  if (quiet.length > 0) {
    await store.prisma.finding.updateMany({ where: { executionId, ruleId: { in: [...new Set(quiet.map((f) => f.ruleId))] } }, data: { status: "suppressed" } });
  }
  await store.appendEvent(executionId, {
    type: "qa.published",
    phase: "publish",
    message: `${plan.post.length} new, ${plan.keepQuiet.length} already posted, ${quiet.length} suppressed by the learner, ${applied.resolved.length} thread(s) resolved; check run ${check.conclusion}`,
    data: {
      checkRunId: checkRun.id,
      reviewId: applied.review?.id ?? null,
      inline: applied.review?.inlineCount ?? 0,
      movedToBody: applied.review?.movedToBody ?? 0,
      resolved: applied.resolved,
      failedToResolve: applied.failed,
    },
  });
  const counts: Partial<Record<Severity, number>> = {};
  for (const f of shown) counts[f.severity] = (counts[f.severity] ?? 0) + 1;
  return {
    conclusion: check.conclusion,
    checkRun,
    review: applied.review,
    posted: plan.post.length,
    keptQuiet: plan.keepQuiet.length,
    resolved: applied.resolved.length,
    counts,
  };
}
