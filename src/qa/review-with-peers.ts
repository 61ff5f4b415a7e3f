import { mkdir } from "node:fs/promises";
import type { AgentTask, Backend } from "../backends/backend.ts";
import { CancelledError } from "../util/errors.ts";
import { redactSecrets } from "../util/redact.ts";
import { createFinding } from "./create-finding.ts";
import type { Finding, Severity } from "./finding.ts";
import { truncate } from "./format.ts";
import { placeInDiff } from "./llm-review-placement.ts";
import type { DiffFile } from "./parse-diff.ts";
import { buildPeerReviewPrompt } from "./peer-prompt.ts";
import type { PeerOpinion, PeerReview } from "./peer-review.ts";
import { describePeerFailure, peerSlug, runPeerInCopy, type PeerTaskContext } from "./run-peer-in-copy.ts";
import { extractPeerVerdict, type PeerFinding } from "./peer-verdict.ts";

export type { PeerReview } from "./peer-review.ts";

export interface ReviewWithPeersContext extends PeerTaskContext {
  /** The clone with the change applied. Peers never run in it: each gets its own copy. */
  workdir: string;
  /** The unified diff of the change, and its parsed form (to place the peers' findings). The peer can read what the
   * prompt leaves out in its copy. */
  diff: string;
  files: DiffFile[];
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
  const run = await runPeerInCopy(peer, task, ctx);
  if (!run.ok) return { peer: name, verdict: "failed", findings: [], problems: [redactSecrets(run.problem, secrets)], status: "not_started", durationMs: Date.now() - started, usage: {} };
  const { result } = run;
  const base = { peer: name, status: result.status, durationMs: result.durationMs, usage: result.usage };
  if (result.status !== "succeeded") return { ...base, verdict: "failed", findings: [], problems: [redactSecrets(describePeerFailure(result), secrets)] };
  const extracted = extractPeerVerdict(run.texts);
  if ("problem" in extracted) return { ...base, verdict: "unparseable", findings: [], problems: [redactSecrets(extracted.problem, secrets)] };
  const { verdict } = extracted;
  const summary = verdict.summary?.trim() ? redactSecrets(truncate(verdict.summary.trim(), MAX_TEXT), secrets) : undefined;
  const findings = toFindings(name, verdict.verdict, verdict.findings, ctx.files, secrets);
  return { ...base, verdict: verdict.verdict, ...(summary !== undefined ? { summary } : {}), findings, problems: [] };
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
      ruleId: `peer/${peerSlug(peer)}`,
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
