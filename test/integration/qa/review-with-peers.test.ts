import { execFileSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { AgentEvent, Backend } from "../../../src/backends/backend.ts";
import { createCommandBackend } from "../../../src/backends/command-backend.ts";
import { decidePeerVerdict } from "../../../src/qa/decide-peer-verdict.ts";
import { Finding } from "../../../src/qa/finding.ts";
import { parseDiff } from "../../../src/qa/parse-diff.ts";
import { reviewWithPeers, type ReviewWithPeersContext } from "../../../src/qa/review-with-peers.ts";
import { createProcessRunner } from "../../../src/sandbox/create-process-runner.ts";
import { DEFAULT_PATH } from "../../../src/sandbox/default-path.ts";
import type { ProcessRunner } from "../../../src/sandbox/process-runner.ts";

const AGENTS = fileURLToPath(new URL("../../fixtures/peer-agents/", import.meta.url));
const AGENT = path.join(AGENTS, "verdict-agent.mjs");

const dirs: string[] = [];
async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), `moderator-peers-${prefix}-`));
  dirs.push(dir);
  return dir;
}
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

let none: ProcessRunner;
let bwrap: ProcessRunner;
beforeAll(async () => {
  none = await createProcessRunner({ mode: "none" });
  bwrap = await createProcessRunner({ mode: "bwrap" });
});

const PAY_TS = ["export function pay(amount: number) {", "  const fee = 2;", "  const total = amount - fee;", "  return charge(total);", "}", ""].join("\n");
const DIFF = [
  "diff --git a/src/pay.ts b/src/pay.ts",
  "index 1111111..2222222 100644",
  "--- a/src/pay.ts",
  "+++ b/src/pay.ts",
  "@@ -9,3 +9,4 @@",
  " export function pay(amount: number) {",
  "   const fee = 2;",
  "+  const total = amount - fee;",
  "-  return charge(amount + fee);",
  "+  return charge(total);",
  "",
].join("\n");

const peer = (name: string, mode: string, readOnlyPaths: string[] = []): Backend =>
  createCommandBackend({ name, command: [AGENT, mode], timeoutSeconds: 60, env: ["PATH"], readOnlyPaths }, { processEnv: { PATH: DEFAULT_PATH } });

async function context(runner: ProcessRunner): Promise<ReviewWithPeersContext> {
  const workdir = await tempDir("clone");
  await mkdir(path.join(workdir, "src"), { recursive: true });
  await writeFile(path.join(workdir, "src", "pay.ts"), PAY_TS);
  await writeFile(path.join(workdir, "README.md"), "# Pay\n");
  execFileSync("mkfifo", [path.join(workdir, "agent.fifo")]);
  return {
    workdir,
    scratchDir: path.join(await tempDir("scratch"), "peers"),
    runner,
    repository: { owner: "octo", name: "pay", fullName: "octo/pay", defaultBranch: "main" },
    issue: { number: 7, title: "Charge the fee", body: "Add the fee to every charge.", author: "alice" },
    branch: "moderator/issue-7",
    baseBranch: "main",
    diff: DIFF,
    files: parseDiff(DIFF),
  };
}

describe("reviewWithPeers", () => {
  it("each peer reviews its own copy; verdicts come from the result text, a message's fence, or plain output", async () => {
    const ctx = await context(none);
    const events: string[] = [];
    const reviews = await reviewWithPeers([peer("alpha", "approve"), peer("beta", "concern"), peer("gamma", "blocker")], {
      ...ctx,
      onEvent: (name: string, e: AgentEvent) => events.push(`${name}:${e.kind}`),
    });

    expect(reviews.map((r) => [r.peer, r.verdict, r.status, r.problems])).toEqual([
      ["alpha", "approve", "succeeded", []],
      ["beta", "concern", "succeeded", []],
      ["gamma", "blocker", "succeeded", []],
    ]);
    const summary = reviews[0]!.summary!;
    expect(summary).toMatch(/^Does what #7 asks\. cwd=\S+ sawDiff=true$/);
    const peerCwd = /cwd=(\S+)/.exec(summary)![1]!;
    expect(peerCwd).not.toBe(ctx.workdir);
    expect(peerCwd.startsWith(ctx.scratchDir)).toBe(true);
    expect(existsSync(peerCwd)).toBe(false);
    expect(readdirSync(ctx.scratchDir)).toEqual([]);
    expect(reviews[2]!.summary).toBe("Charges the wrong amount.");

    expect(reviews[1]!.findings.map((f) => [f.ruleId, f.source, f.severity, f.path, f.line, f.title])).toEqual([
      ["peer/beta", "peer", "high", "src/pay.ts", 11, "beta: Fee subtracted"],
      ["peer/beta", "peer", "medium", "src/pay.ts", undefined, "beta: Unreachable line"],
      ["peer/beta", "peer", "low", undefined, undefined, "beta: Docs not updated"],
    ]);
    expect(reviews[1]!.findings[0]!.suggestion).toBe("Use amount + fee.");
    expect(reviews[1]!.findings[1]!.message).toBe("This line is not in the diff.\n\n(beta pointed at line 99, which the diff does not show.)");
    expect(reviews[1]!.findings[2]!.message).toBe("Docs not updated\n\n(beta pointed at `docs/other.md`, which is not part of this change.)");
    expect(reviews.flatMap((r) => r.findings).every((f) => Finding.safeParse(f).success)).toBe(true);

    expect(events).toContain("alpha:result");
    expect(events).toContain("beta:message");
    expect(decidePeerVerdict(reviews)).toMatchObject({ action: "request_changes_and_ask_human", reasons: ["gamma: blocker: Charges the wrong amount."] });
  });

  it("no usable verdict, a crash, or a backend that cannot start is no opinion, with the reason", async () => {
    const ctx = await context(none);
    const missing = createCommandBackend({ name: "ghost", command: ["/nonexistent/agent"], timeoutSeconds: 60, env: [] }, { processEnv: {} });
    const reviews = await reviewWithPeers([peer("talker", "garbage"), peer("crasher", "crash"), missing], ctx);

    expect(reviews.map((r) => [r.peer, r.verdict, r.status])).toEqual([
      ["talker", "unparseable", "succeeded"],
      ["crasher", "failed", "failed"],
      ["ghost", "failed", "not_started"],
    ]);
    expect(reviews[0]!.problems).toEqual(['its final message has no JSON object with a "verdict" key']);
    expect(reviews[1]!.problems[0]).toMatch(/^the peer agent did not finish: agent exited with code 2: model quota exceeded\./);
    expect(reviews[2]!.problems[0]).toMatch(/^the peer agent could not run: command backend "ghost" could not start its agent: /);
    expect(decidePeerVerdict(reviews)).toMatchObject({ action: "none" });
    expect(decidePeerVerdict(reviews).summary).toContain("No peer gave an opinion");
    expect(readdirSync(ctx.scratchDir)).toEqual([]);
  });

  it("a peer that edits its copy cannot touch the clone", async () => {
    const ctx = await context(none);
    const [review] = await reviewWithPeers([peer("vandal", "vandal")], ctx);
    expect(review!.verdict).toBe("approve");
    expect(await readFile(path.join(ctx.workdir, "README.md"), "utf8")).toBe("# Pay\n");
    expect(await readFile(path.join(ctx.workdir, "src", "pay.ts"), "utf8")).toBe(PAY_TS);
    expect(existsSync(path.join(ctx.workdir, "NEW.txt"))).toBe(false);
  });

  it("works inside bubblewrap too", async () => {
    const ctx = await context(bwrap);
    const [review] = await reviewWithPeers([peer("alpha", "approve", [AGENTS])], ctx);
    expect(review).toMatchObject({ peer: "alpha", verdict: "approve", status: "succeeded" });
    expect(review!.summary).toMatch(/sawDiff=true$/);
  });

  it("no peers, no reviews", async () => {
    expect(await reviewWithPeers([], await context(none))).toEqual([]);
  });

  it("secrets in the issue and the diff are masked before a peer sees them", async () => {
    const token = ["ghp", "_", "abcdefghijklmnopqrstuvwxyz0123456789"].join("");
    const ctx = await context(none);
    const seen: string[] = [];
    const spy: Backend = {
      name: "spy",
      type: "test",
      health: async () => ({ ok: true }),
      run: async (run) => {
        seen.push(run.task.prompt, run.task.issue.body);
        run.onEvent({ kind: "result", success: true, text: '{"verdict":"approve"}' });
        return { status: "succeeded", exitCode: 0, signal: null, durationMs: 1, outputTail: "", usage: {}, command: ["spy"], sandbox: "none" };
      },
    };
    const [review] = await reviewWithPeers([spy], { ...ctx, issue: { ...ctx.issue, body: `use ${token}` }, diff: `${DIFF}+const k = "${token}";\n`, knownSecrets: [] });
    expect(review!.verdict).toBe("approve");
    expect(seen[0]).toContain("ghp_****");
    expect(seen.join("\n")).not.toContain(token.slice(4));
  });
});
