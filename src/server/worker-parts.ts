/**
 * What only a process that takes jobs uses: the pipeline, the QA, the backends, the sandbox, the job handlers.
 * start-moderator.ts imports this module only when it starts a worker, so a web process never loads (and holds in
 * memory) the pipeline's code (bench/soak).
 */
export { createWebhookHandlers } from "../app/create-webhook-handlers.ts";
export { getSenderPermission } from "../app/get-sender-permission.ts";
export { describeDefaultNetworks } from "../backends/resolve-backend-network.ts";
export { createGitHubCodeHost } from "../codehost/github-code-host.ts";
export { observeJobWaits } from "../console/observe-job-waits.ts";
export { handleDeliveryJob } from "../intake/handle-delivery-job.ts";
export { scheduleDeliverySweep, SWEEP_DELIVERIES_JOB, sweepDeliveries } from "../intake/sweep-deliveries.ts";
export { EXPORT_LEARNINGS_JOB, ExportLearningsData, exportLearningsPr } from "../learner/export-learnings-pr.ts";
export { COLLECT_OUTCOMES_JOB, processCollectOutcomesJob, scheduleOutcomeCollection } from "../outcomes/collect-outcomes-job.ts";
export { connectGitHub } from "../pipeline/connect-github.ts";
export { expireBreakpoint } from "../pipeline/expire-breakpoint.ts";
export { REAP_STUCK_JOB, reapStuckExecutions } from "../pipeline/reap-stuck-executions.ts";
export { inspectRunJobs } from "../queue/inspect-run-jobs.ts";
export { listenForCancellations } from "../queue/listen-for-cancellations.ts";
export { scheduleReaper } from "../queue/schedule-reaper.ts";
export { startQueueWorker } from "../queue/start-queue-worker.ts";
export { startRunWorker } from "../queue/start-run-worker.ts";
export { buildEgressDenyList } from "../sandbox/build-egress-deny-list.ts";
export { createProcessRunner } from "../sandbox/create-process-runner.ts";
export { buildPipelineDeps } from "./build-pipeline-deps.ts";
