/**
 * The Feedback source key of a pull request's final outcome: one row per pull request, whether it was closed
 * or merged (a PR closed, reopened and then merged ends as one `merged` row).
 */
export function pullRequestOutcomeKey(repositoryId: number, prNumber: number): string {
  return `pr-closed:${repositoryId}:${prNumber}`;
}
