/**
 * The baseline of bench/intake: a bare Probot app (Probot's own server and webhook middleware, handlers that do
 * nothing) on the same box, so intake's acknowledgement latency can be compared with the floor Probot itself sets.
 *   PORT=... WEBHOOK_SECRET=... APP_ID=... PRIVATE_KEY=... node dist/bench/intake/bare-probot-app.js
 */
import { Probot, Server } from "probot";

const port = Number(process.env["PORT"] ?? "0");
const server = new Server({
  host: "127.0.0.1",
  port,
  Probot: Probot.defaults({
    appId: process.env["APP_ID"] ?? "1",
    privateKey: process.env["PRIVATE_KEY"] ?? "",
    secret: process.env["WEBHOOK_SECRET"] ?? "development",
    logLevel: "warn",
  }),
});
await server.load((app) => {
  app.on(["issues.labeled", "issue_comment.created"], async () => undefined);
});
await server.start();
process.on("SIGTERM", () => void server.stop().then(() => process.exit(0)));
