import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import type { PipelineDeps } from "../pipeline/run-execution.ts";
import { cloneWorkspace } from "../workspace/clone-workspace.ts";
import type { Workspace } from "../workspace/workspace.ts";
import { exportLearningsFile } from "./export-learnings-file.ts";
import { LEARNINGS_FILE_PATH } from "./learnings-file.ts";
import { loadAcceptanceTable } from "./load-learnings.ts";

/** The job that opens a PR with `.github/moderator-learnings.yml` (`/moderator learnings export`). */
export const EXPORT_LEARNINGS_JOB = "learnings-export" as const;
export const ExportLearningsData = z.object({
  repositoryId: z.number().int(),
  issueNumber: z.number().int().positive(),
  commentId: z.number().int(),
  requestedBy: z.string(),
});
export type ExportLearningsData = z.infer<typeof ExportLearningsData>;

/** Branch the export PR is opened from (the same one is updated by later exports). */
export const EXPORT_BRANCH = "moderator/learnings-export";

/**
 * Export what Moderator has learned in a repository as `.github/moderator-learnings.yml` in a pull request
 * maintainers review: once merged, the file overrides what is learned. Replies to the command's comment with the PR.
 */
export async function exportLearningsPr(deps: PipelineDeps, data: ExportLearningsData): Promise<{ prNumber?: number; unchanged?: boolean }> {
  const repository = await deps.store.prisma.repository.findUnique({ where: { id: data.repositoryId } });
  if (!repository) throw new Error(`learnings export: repository ${data.repositoryId} not found`);
  const conn = await deps.connect({ repository });
  const ref = { owner: repository.owner, repo: repository.name };
  const info = await conn.repository();
  const { table } = await loadAcceptanceTable(deps.store.prisma, { config: deps.operator.learner, now: new Date() });
  const content = exportLearningsFile(table, repository.id, { suppression: deps.operator.learner.suppression });
  let ws: Workspace | undefined;
  try {
    ws = await cloneWorkspace({ cloneUrl: info.cloneUrl, token: conn.gitToken, baseBranch: info.defaultBranch, branch: EXPORT_BRANCH, rootDir: deps.workspaceDir });
    const file = path.join(ws.dir, LEARNINGS_FILE_PATH);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, content);
    const sha = await ws.checkpoint("moderator: export what was learned");
    const topic = `reply-${data.commentId}`;
    if (!sha) {
      await conn.codeHost.ensureComment(ref, data.issueNumber, topic, `\`${LEARNINGS_FILE_PATH}\` on \`${info.defaultBranch}\` already says what Moderator has learned; nothing to export.`);
      return { unchanged: true };
    }
    await ws.push();
    const pr = await conn.codeHost.ensurePullRequest(ref, {
      branch: EXPORT_BRANCH,
      base: info.defaultBranch,
      title: "Moderator: what it has learned in this repository",
      body: [
        `Requested by @${data.requestedBy} in #${data.issueNumber}.`,
        "",
        `This adds \`${LEARNINGS_FILE_PATH}\`: Moderator's acceptance estimates for this repository's rules, improvement types and backends, learned from maintainers' feedback.`,
        "Review it like any change. Once merged, **the file overrides what is learned**: edit a value to steer Moderator (e.g. `suppress: true` on a rule), delete an entry to hand it back to the learner.",
      ].join("\n"),
      draft: false,
    });
    await conn.codeHost.ensureComment(ref, data.issueNumber, topic, `Exported what Moderator has learned here in #${pr.number}.`);
    return { prNumber: pr.number };
  } finally {
    await ws?.dispose().catch(() => undefined);
  }
}
