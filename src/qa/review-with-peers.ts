import { constants as fsConstants } from "node:fs";
import { lstatSync } from "node:fs";
import { cp, mkdir, mkdtemp, rm } from "node:fs/promises";
import path from "node:path";
import type { AgentEvent, AgentResult, AgentTask, Backend } from "../backends/backend.ts";
import type { ProcessRunner } from "../sandbox/process-runner.ts";
import { CancelledError } from "../util/errors.ts";
import { redactSecrets } from "../util/redact.ts";
import { createFinding } from "./create-finding.ts";
import type { Finding, Severity } from "./finding.ts";
import { truncate } from "./format.ts";
import { placeInDiff } from "./llm-review-placement.ts";
import type { DiffFile } from "./parse-diff.ts";
import { buildPeerReviewPrompt } from "./peer-prompt.ts";
import type { PeerOpinion, PeerReview } from "./peer-review.ts";
import { extractPeerVerdict, type PeerFinding } from "./peer-verdict.ts";

export type { PeerReview } from "./peer-review.ts";

export interface ReviewWithPeersContext {
  /** The clone with the change applied. Peers never run in it: each gets its own copy. */
  workdir: string;
  /** A private folder outside the clone; each peer's copy and scratch folder are made in it and deleted after. */
  scratchDir: string;
  runner: ProcessRunner;
  repository: AgentTask["repository"];
  issue: AgentTask["issue"];
  branch: string;
  baseBranch: string;
  /** The unified diff of the change, and its parsed form (to place the peers' findings). */
  diff: string;
  files: DiffFile[];
  signal?: AbortSignal;
  knownSecrets?: readonly string[];
  /** Characters of diff in the prompt at most (the peer can read the rest in its copy). Default 60,000. */
  maxDiffChars?: number;
  /** Every event of every peer, e.g. to store them as ExecutionEvents. */
  onEvent?: (peer: string, event: AgentEvent) => void;
}

const DEFAULT_MAX_DIFF_CHARS = 60_000;
const PEER_CONFIDENCE = 0.7;
const MAX_TEXT = 4000;
const VERDICT_SEVERITY: Record<PeerOpinion, Severity> = { blocker: "high", concern: "medium", approve: "low" };

/**
 * Ask each peer backend to review the change, all at once. Isolation: every peer works in its OWN COPY of the clone
 * (made with fs.cp, symlinks copied as links, sockets and FIFOs skipped) with its own scratch folder, both deleted
 * afterwards, so nothing a peer does can reach the clone Moderator pushes. The peer's verdict is the last JSON object
 * with a `verdict` key in its final result text, else in its messages (last first), else in its output tail; none, or
 * an invalid one, is `unparseable`. An agent that fails, times out or cannot start is `failed`. Both mean no opinion.
 * Throws CancelledError when `signal` aborts; never throws for a peer's failure.
 */
export async function reviewWithPeers(peers: Backend[], ctx: ReviewWithPeersContext): Promise<PeerReview[]> {
  if (peers.length === 0) return [];
  const secrets = [...(ctx.knownSecrets ?? [])];
  const issue = { ...ctx.issue, title: redactSecrets(ctx.issue.title, secrets), body: redactSecrets(ctx.issue.body, secrets) };
  const prompt = buildPeerReviewPrompt({
    repository: ctx.repository.fullName,
    issue,
    diff: redactSecrets(ctx.diff, secrets),
    maxDiffChars: ctx.maxDiffChars ?? DEFAULT_MAX_DIFF_CHARS,
  });
  const task: AgentTask = {
    repository: ctx.repository,
    issue,
    task: { index: 0, title: `Review the change for #${ctx.issue.number}`, description: "Review only: do not edit files.", type: "review" },
    prompt,
    branch: ctx.branch,
    baseBranch: ctx.baseBranch,
  };
  await mkdir(ctx.scratchDir, { recursive: true });
  const reviews = await Promise.all(peers.map((peer) => reviewWithOnePeer(peer, task, ctx, secrets)));
  if (ctx.signal?.aborted) throw new CancelledError("the run was cancelled during the peer review");
  return reviews;
}

async function reviewWithOnePeer(peer: Backend, task: AgentTask, ctx: ReviewWithPeersContext, secrets: string[]): Promise<PeerReview> {
  const name = peer.name;
  const started = Date.now();
  const notStarted = (problem: string): PeerReview => ({
    peer: name,
    verdict: "failed",
    findings: [],
    problems: [redactSecrets(problem, secrets)],
    status: "not_started",
    durationMs: Date.now() - started,
    usage: {},
  });
  let peerDir: string | undefined;
  try {
    peerDir = await mkdtemp(path.join(ctx.scratchDir, `peer-${slug(name)}-`));
    const copy = path.join(peerDir, "repo");
    const scratch = path.join(peerDir, "scratch");
    await mkdir(scratch, { recursive: true });
    try {
      await cp(ctx.workdir, copy, { recursive: true, verbatimSymlinks: true, errorOnExist: true, force: false, mode: fsConstants.COPYFILE_FICLONE, filter: copyable });
    } catch (err) {
      return notStarted(`could not copy the clone for the peer: ${(err as Error).message}`);
    }

    let resultText: string | undefined;
    const messages: string[] = [];
    const onEvent = (event: AgentEvent): void => {
      if (event.kind === "message") messages.push(event.text);
      if (event.kind === "result" && event.text !== undefined) resultText = event.text;
      ctx.onEvent?.(name, event);
    };
    let result: AgentResult;
    try {
      result = await peer.run({ task, workdir: copy, runner: ctx.runner, scratchDir: scratch, ...(ctx.signal ? { signal: ctx.signal } : {}), onEvent });
    } catch (err) {
      return notStarted(`the peer agent could not run: ${(err as Error).message}`);
    }

    const base = { peer: name, status: result.status, durationMs: result.durationMs, usage: result.usage };
    if (result.status !== "succeeded") {
      const why = result.error ?? result.status;
      const tail = result.outputTail.trim() ? ` Its output ends with: ${truncate(result.outputTail.trim().split("\n").slice(-5).join(" | "), 600)}` : "";
      return { ...base, verdict: "failed", findings: [], problems: [redactSecrets(`the peer agent ${result.status === "timed_out" ? "timed out" : "did not finish"}: ${why}.${tail}`, secrets)] };
    }
    const texts = [...(resultText !== undefined ? [resultText] : []), ...[...messages].reverse(), result.outputTail];
    const extracted = extractPeerVerdict(texts);
    if ("problem" in extracted) return { ...base, verdict: "unparseable", findings: [], problems: [redactSecrets(extracted.problem, secrets)] };
    const { verdict } = extracted;
    const summary = verdict.summary?.trim() ? redactSecrets(truncate(verdict.summary.trim(), MAX_TEXT), secrets) : undefined;
    const findings = toFindings(name, verdict.verdict, verdict.findings, ctx.files, secrets);
    return { ...base, verdict: verdict.verdict, ...(summary !== undefined ? { summary } : {}), findings, problems: [] };
  } catch (err) {
    return notStarted(`the peer review could not be set up: ${(err as Error).message}`);
  } finally {
    if (peerDir) await rm(peerDir, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** Regular files, folders and symlinks are copied; sockets, FIFOs and devices are skipped (fs.cp cannot copy them). */
function copyable(source: string): boolean {
  try {
    const st = lstatSync(source);
    return st.isFile() || st.isDirectory() || st.isSymbolicLink();
  } catch {
    return false;
  }
}

function toFindings(peer: string, opinion: PeerOpinion, raw: PeerFinding[], files: DiffFile[], secrets: string[]): Finding[] {
  const byFingerprint = new Map<string, Finding>();
  for (const f of raw) {
    const placed = placeInDiff(f.path ?? undefined, f.line ?? undefined, files);
    const title = redactSecrets(truncate((f.title?.trim() || f.message?.trim() || "").replace(/\s+/g, " "), 200), secrets);
    let message = redactSecrets(truncate((f.message?.trim() || f.title?.trim() || "").trim(), MAX_TEXT), secrets);
    const cited = f.path ? `${f.path}${f.line ? `:${f.line}` : ""}` : undefined;
    if (placed.pathMoved && cited) message += `\n\n(${peer} pointed at \`${cited.replace(/`/g, "'")}\`, which is not part of this change.)`;
    else if (placed.lineMoved) message += `\n\n(${peer} pointed at line ${String(f.line)}, which the diff does not show.)`;
    const suggestion = f.suggestion?.trim();
    const finding = createFinding({
      ruleId: `peer/${slug(peer)}`,
      source: "peer",
      severity: f.severity ?? VERDICT_SEVERITY[opinion],
      confidence: PEER_CONFIDENCE,
      ...(placed.path !== undefined ? { path: placed.path } : {}),
      ...(placed.line !== undefined ? { line: placed.line } : {}),
      title: `${peer}: ${title}`,
      message,
      ...(suggestion ? { suggestion: redactSecrets(truncate(suggestion, MAX_TEXT), secrets) } : {}),
      trigger: placed.lineText !== undefined ? `${placed.lineText}\u0000${title.toLowerCase()}` : title.toLowerCase(),
    });
    if (!byFingerprint.has(finding.fingerprint)) byFingerprint.set(finding.fingerprint, finding);
  }
  return [...byFingerprint.values()];
}

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9_-]+/g, "-").replace(/^-+|-+$/g, "") || "peer";
}
