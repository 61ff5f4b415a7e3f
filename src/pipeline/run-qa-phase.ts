import { execFile } from "node:child_process";
import { open, stat } from "node:fs/promises";
import { promisify } from "node:util";
import path from "node:path";
import type { AgentTask, Backend } from "../backends/backend.ts";
import type { OperatorConfig } from "../config/operator-config.ts";
import type { RepoConfig } from "../config/repo-config.ts";
import type { Llm } from "../llm/llm.ts";
import type { CommandRun } from "../qa/build-check-run.ts";
import { collectManifests } from "../qa/collect-manifests.ts";
import { decidePeerVerdict, type PeerDecision } from "../qa/decide-peer-verdict.ts";
import type { Finding } from "../qa/finding.ts";
import type { DiffFile } from "../qa/parse-diff.ts";
import { FILE_HEAD_LINES } from "../qa/analyzer.ts";
import { createAnalyzers, runAnalyzers } from "../qa/run-analyzers.ts";
import { runQaCommands } from "../qa/run-qa-commands.ts";
import { runSarifScanners } from "../qa/run-sarif-scanners.ts";
import { reviewWithLlm } from "../qa/review-with-llm.ts";
import { reviewWithPeers } from "../qa/review-with-peers.ts";
import type { ConnectionAttempt, ProcessRunner } from "../sandbox/process-runner.ts";
import { resolveQaNetwork } from "../sandbox/resolve-qa-network.ts";
import { describeConnection } from "./describe-connection.ts";
import type { Store } from "../store/store.ts";
import type { Logger } from "../util/logger.ts";

export interface QaPhaseInput {
  executionId: string;
  /** The clone at the change's head; null when the code cannot be run (a fork's PR reviewed from its diff only). */
  workdir: string | null;
  scratchDir: string;
  diff: string;
  files: DiffFile[];
  repoConfig: RepoConfig;
  operator: OperatorConfig;
  runner: ProcessRunner;
  llm: Llm | undefined;
  createBackend(name: string): Backend;
  /** For peer reviewers' prompts. */
  context: Pick<AgentTask, "repository" | "issue" | "branch" | "baseBranch">;
  signal: AbortSignal;
  secrets: string[];
  store: Store;
  log: Logger;
}

export interface QaPhaseResult {
  findings: Finding[];
  /** Everything that ran: setup, checks and scanners, for the check run's table and the PR body. */
  commands: CommandRun[];
  /** Set when QA could not run completely (setup failed, a scanner gave nothing usable, the LLM was unreachable). */
  qaError: string | undefined;
  peerDecision: PeerDecision | undefined;
  notes: string[];
  /** The connections QA commands and scanners asked the egress proxy for (each is also a `qa.connection` event). */
  connections: ConnectionAttempt[];
  /** Every tracked path of the clone and the first lines of changed files (for the improver), when the code was there. */
  repoFiles?: string[];
  fileHeads?: Record<string, string>;
}

/**
 * Every source of findings, in order: the analyzers over the diff; the repository's own `qa.setup` and
 * `qa.commands`; its SARIF scanners; the operator's LLM as a reviewer; peer backends. Each source that cannot
 * run says so (qaError, notes) without losing the others' findings.
 */
export async function runQaPhase(input: QaPhaseInput): Promise<QaPhaseResult> {
  const { repoConfig, store, executionId } = input;
  const notes: string[] = [];
  const problems: string[] = [];
  const commands: CommandRun[] = [];
  const files = input.files;
  const connections: ConnectionAttempt[] = [];
  const qaNetwork = resolveQaNetwork(input.operator.qaNetwork);
  let stored: Promise<unknown> = Promise.resolve();
  const onConnection = (attempt: ConnectionAttempt & { command: string }): void => {
    if (connections.length >= MAX_CONNECTION_EVENTS) return;
    const { command, ...rest } = attempt;
    connections.push(rest);
    stored = stored.then(() => store
      .appendEvent(executionId, {
        type: "qa.connection",
        phase: "qa",
        level: attempt.allowed ? "info" : "warn",
        message: `${command}: ${describeConnection(attempt).message}`,
        data: { ...attempt },
      })
      .catch((err: unknown) => input.log.warn({ err }, "could not store a connection event")));
  };

  const fileSizes: Record<string, number> = {};
  const fileHeads: Record<string, string> = {};
  let manifests: Record<string, string> = {};
  let repoFiles: string[] | undefined;
  if (input.workdir) {
    for (const f of files) {
      if (f.status === "deleted" || f.binary) continue;
      const abs = path.join(input.workdir, f.path);
      const s = await stat(abs).catch(() => undefined);
      if (!s?.isFile()) continue;
      fileSizes[f.path] = s.size;
      fileHeads[f.path] = await readHead(abs, FILE_HEAD_LINES);
    }
    manifests = await collectManifests(input.workdir, files.filter((f) => f.status !== "deleted").map((f) => f.path));
    repoFiles = await listRepoFiles(input.workdir);
  }
  const findings: Finding[] = runAnalyzers(
    { files, fileSizes, ...(input.workdir ? { manifests, fileHeads, ...(repoFiles ? { repoFiles } : {}) } : {}) },
    { ignorePaths: repoConfig.ignorePaths, analyzers: createAnalyzers({ secrets: repoConfig.qa.secrets }) },
  );

  const wantsCommands = repoConfig.qa.setup.length > 0 || repoConfig.qa.commands.length > 0 || repoConfig.qa.sarif.length > 0;
  if (wantsCommands && !input.workdir) {
    notes.push("the repository's QA commands and scanners did not run: this change's code is not available to run (a pull request from a fork)");
  } else if (wantsCommands && !input.operator.allowRepoCommands) {
    notes.push("the repository's QA commands and scanners did not run: the operator does not allow repository commands");
    await store.appendEvent(executionId, { type: "qa.commands_skipped", phase: "qa", level: "warn", message: "the operator does not allow repository commands" });
  } else if (input.workdir) {
    const defaultTimeoutMs = input.operator.limits.qaCommandTimeoutSeconds * 1000;
    const ran = await runQaCommands(input.runner, {
      setup: repoConfig.qa.setup,
      commands: repoConfig.qa.commands,
      cwd: input.workdir,
      scratchDir: input.scratchDir,
      defaultTimeoutMs,
      signal: input.signal,
      knownSecrets: input.secrets,
      network: qaNetwork,
      onConnection,
    });
    commands.push(...ran.results);
    findings.push(...ran.findings);
    if (ran.qaError) problems.push(ran.qaError);
    for (const r of ran.results) {
      await store.appendEvent(executionId, {
        type: "qa.command",
        phase: "qa",
        level: r.exitCode === 0 ? "info" : "warn",
        message: `${r.name}: ${r.timedOut ? "timed out" : `exit ${r.exitCode}`}`,
        data: { name: r.name, stage: r.stage, exitCode: r.exitCode, timedOut: r.timedOut, durationMs: r.durationMs },
      });
    }
    if (!ran.qaError && repoConfig.qa.sarif.length > 0) {
      const scanned = await runSarifScanners(input.runner, {
        scanners: repoConfig.qa.sarif,
        cwd: input.workdir,
        scratchDir: input.scratchDir,
        defaultTimeoutMs,
        signal: input.signal,
        knownSecrets: input.secrets,
        changedFiles: files,
        network: qaNetwork.checks,
        onConnection,
      });
      commands.push(...scanned.runs);
      findings.push(...scanned.findings);
      problems.push(...scanned.problems);
      notes.push(...scanned.notes);
      for (const r of scanned.runs) {
        await store.appendEvent(executionId, {
          type: "qa.sarif",
          phase: "qa",
          level: r.error ? "warn" : "info",
          message: `${r.name}: ${r.error ?? `${r.kept} of ${r.reported} results on the change`}`,
          data: { name: r.name, reported: r.reported, kept: r.kept, durationMs: r.durationMs },
        });
      }
    }
  }

  if (repoConfig.qa.llmReview.enabled) {
    if (!input.llm) {
      notes.push("LLM review is enabled in .github/moderator.yml but the operator has configured no LLM");
    } else {
      const reviewed = await reviewWithLlm(input.llm, {
        diff: input.diff,
        files,
        minScore: repoConfig.qa.llmReview.minScore,
        maxFindings: repoConfig.qa.llmReview.maxFindings,
        signal: input.signal,
        knownSecrets: input.secrets,
      });
      findings.push(...reviewed.findings);
      notes.push(...reviewed.notes);
      if (reviewed.error) problems.push(`LLM review: ${reviewed.error}`);
      await store.appendEvent(executionId, {
        type: "qa.llm_review",
        phase: "qa",
        message: reviewed.error ?? `${reviewed.findings.length} finding(s), ${reviewed.dropped} dropped`,
        data: { findings: reviewed.findings.length, dropped: reviewed.dropped, notes: reviewed.notes },
      });
    }
  }

  let peerDecision: PeerDecision | undefined;
  const peerNames = repoConfig.qa.peers.filter((p) => {
    if (input.operator.backends[p]) return true;
    notes.push(`peer '${p}' is not one of the operator's backends; skipped`);
    return false;
  });
  if (peerNames.length > 0 && input.workdir) {
    const reviews = await reviewWithPeers(
      peerNames.map((n) => input.createBackend(n)),
      {
        workdir: input.workdir,
        scratchDir: input.scratchDir,
        runner: input.runner,
        ...input.context,
        diff: input.diff,
        files,
        signal: input.signal,
        knownSecrets: input.secrets,
      },
    );
    for (const r of reviews) findings.push(...r.findings);
    peerDecision = decidePeerVerdict(reviews);
    await store.appendEvent(executionId, {
      type: "qa.peer_verdict",
      phase: "qa",
      message: `${peerDecision.action}: ${peerDecision.summary}`,
      data: { action: peerDecision.action, reasons: peerDecision.reasons, reviews: reviews.map((r) => ({ peer: r.peer, verdict: r.verdict })) },
    });
  }

  await stored;
  return {
    findings,
    commands,
    qaError: problems.length > 0 ? problems.join("; ") : undefined,
    peerDecision,
    notes,
    connections,
    ...(repoFiles ? { repoFiles } : {}),
    ...(input.workdir ? { fileHeads } : {}),
  };
}

/** Connection events stored per QA phase; a flood beyond this is not recorded. */
const MAX_CONNECTION_EVENTS = 500;

/** The first `lines` lines of a text file (at most 8 KiB read). */
async function readHead(file: string, lines: number): Promise<string> {
  const fh = await open(file, "r").catch(() => undefined);
  if (!fh) return "";
  try {
    const buf = Buffer.alloc(8192);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return buf.subarray(0, bytesRead).toString("utf8").split("\n").slice(0, lines).join("\n");
  } finally {
    await fh.close();
  }
}

/** Every tracked path of the clone (for rules that look for a lockfile or manifest the diff does not touch). */
async function listRepoFiles(dir: string): Promise<string[] | undefined> {
  try {
    const { stdout } = await promisify(execFile)("git", ["-c", "core.hooksPath=/dev/null", "ls-files", "-z"], { cwd: dir, maxBuffer: 64 * 1024 * 1024, timeout: 30_000 });
    return stdout.split("\0").filter(Boolean);
  } catch {
    return undefined;
  }
}
