/**
 * The name of the check run that carries Moderator's QA result. Check runs are found again by name on a
 * head sha (upsertCheckRun), and branch protection rules refer to it, so it must never change casually.
 */
export const QA_CHECK_RUN_NAME = "Moderator QA";
