/**
 * What only a process that serves HTTP for GitHub and people uses: the webhook receiver, the console (dashboard,
 * queue board with Express, sign-in), the webhook proxy. start-moderator.ts imports this module only when it starts
 * the web server, so a worker never loads (and holds in memory) their code (bench/soak).
 */
export { readMetricTotals } from "../console/read-models/read-metric-totals.ts";
export { startConsole } from "../console/start-console.ts";
export { createAwaitingAnswerCheck } from "../intake/create-awaiting-answer-check.ts";
export { createWebhookReceiver } from "../intake/receive-webhook.ts";
export { startWebhookProxy } from "../web/start-webhook-proxy.ts";
