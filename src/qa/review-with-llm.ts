import { fitToBudget } from "../llm/fit-to-budget.ts";
import { LlmOutputError, type Llm } from "../llm/llm.ts";
import { CancelledError } from "../util/errors.ts";
import { redactSecrets } from "../util/redact.ts";
import { createFinding } from "./create-finding.ts";
import { severityRank, type Finding } from "./finding.ts";
import { LlmReviewAnswer, type LlmReviewFinding } from "./llm-review-answer.ts";
import { buildLlmReviewPrompt, buildLlmReviewSystemPrompt, renderNumberedDiff } from "./llm-review-prompt.ts";
import { placeInDiff, type DiffPlacement } from "./llm-review-placement.ts";
import { parseDiff, type DiffFile } from "./parse-diff.ts";

export interface ReviewWithLlmOptions {
  /** The unified diff; parsed when `files` is empty. */
  diff: string;
  /** The parsed diff; the model sees it with new-version line numbers. */
  files: DiffFile[];
  /** Findings the model scores below this (0-10) are dropped. Default 7. */
  minScore?: number;
  /** At most this many findings are kept (the best scored). Default 5. */
  maxFindings?: number;
  /** Characters of diff sent at most; default from the model's context window (about 3 characters per token, minus room for the answer). */
  contextBudgetChars?: number;
  signal?: AbortSignal;
  /** Values masked before anything is sent to the model or reported. */
  knownSecrets?: readonly string[];
}

export interface ReviewWithLlmResult {
  findings: Finding[];
  /** Findings left out: scored under minScore, beyond maxFindings, or duplicates. */
  dropped: number;
  /** What a maintainer should know about this review (diff cut, lines moved, answer unusable). */
  notes: string[];
  /** Set when the review could not run at all (server unreachable, model missing): QA is incomplete. */
  error?: string;
}

const DEFAULT_MIN_SCORE = 7;
const DEFAULT_MAX_FINDINGS = 5;
const CUT_MARKER = "[... {cut} characters of the diff are left out here to fit the model's context window ...]";
/** Room kept for the system prompt and the model's answer, in characters. */
const RESERVED_CHARS = 8000;
const MIN_BUDGET_CHARS = 2000;

/**
 * Ask the model to review the diff. The answer is JSON validated by zod (LlmReviewAnswer); an invalid answer is
 * sent back once with the problems (Llm.json's retry), and a second invalid answer means no findings and a note,
 * never a crash. Findings scored under `minScore` are dropped; the best `maxFindings` are kept; a line that is not
 * an added or context line of the diff is removed (the finding stays, in the review body) and a path that is not
 * in the diff is moved into the message. Rule id `llm/<category>`, confidence = score / 10, source `llm`.
 * Throws CancelledError when `signal` aborts; other failures are returned as `error`.
 */
export async function reviewWithLlm(llm: Llm, opts: ReviewWithLlmOptions): Promise<ReviewWithLlmResult> {
  const minScore = opts.minScore ?? DEFAULT_MIN_SCORE;
  const maxFindings = opts.maxFindings ?? DEFAULT_MAX_FINDINGS;
  if (!(minScore >= 0 && minScore <= 10)) return invalid(`minScore must be between 0 and 10, got ${String(minScore)}`);
  if (!(Number.isInteger(maxFindings) && maxFindings >= 0)) return invalid(`maxFindings must be a non-negative integer, got ${String(maxFindings)}`);
  const notes: string[] = [];
  if (maxFindings === 0) return { findings: [], dropped: 0, notes: ["the LLM review is configured to report no findings (maxFindings: 0)"] };

  const secrets = [...(opts.knownSecrets ?? [])];
  const files = opts.files.length > 0 ? opts.files : parseDiff(opts.diff);
  const view = redactSecrets(files.length > 0 ? renderNumberedDiff(files) : opts.diff, secrets);
  if (view.trim() === "") return { findings: [], dropped: 0, notes: ["the change is empty; the LLM did not review it"] };
  const budget = opts.contextBudgetChars ?? Math.max(MIN_BUDGET_CHARS, llm.contextTokens * 3 - RESERVED_CHARS);
  if (!(Number.isFinite(budget) && budget > 0)) return invalid(`contextBudgetChars must be a positive number, got ${String(budget)}`);
  const fitted = fitToBudget(view, budget, CUT_MARKER);
  if (fitted.length < view.length) {
    notes.push(
      `the diff (${view.length} characters) is larger than the model's budget (${Math.floor(budget)}), so its middle was left out; the LLM review did not see all of the change`,
    );
  }

  let answer: LlmReviewAnswer;
  try {
    const { value } = await llm.json({
      system: buildLlmReviewSystemPrompt(maxFindings),
      prompt: buildLlmReviewPrompt(fitted),
      schema: LlmReviewAnswer,
      retries: 1,
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    answer = value;
  } catch (err) {
    if (opts.signal?.aborted) throw new CancelledError("the run was cancelled during the LLM review");
    if (err instanceof LlmOutputError) {
      notes.push(`the model (${llm.model}) answered with unusable JSON twice, so the LLM review has no findings: ${redactSecrets(err.problems.slice(0, 3).join("; "), secrets)}`);
      return { findings: [], dropped: 0, notes };
    }
    const message = redactSecrets(err instanceof Error ? err.message : String(err), secrets);
    notes.push(`the LLM review could not run: ${message}`);
    return { findings: [], dropped: 0, notes, error: message };
  }

  const ranked = [...answer.findings].sort((a, b) => b.score - a.score || severityRank(b.severity) - severityRank(a.severity));
  let dropped = 0;
  let lowScore = 0;
  let movedLines = 0;
  let movedPaths = 0;
  const byFingerprint = new Map<string, Finding>();
  for (const raw of ranked) {
    if (raw.score < minScore) {
      dropped++;
      lowScore++;
      continue;
    }
    if (byFingerprint.size >= maxFindings) {
      dropped++;
      continue;
    }
    const placed = placeInDiff(raw.path, raw.line ?? undefined, files);
    if (placed.lineMoved) movedLines++;
    if (placed.pathMoved) movedPaths++;
    const finding = toFinding(raw, placed, secrets);
    if (byFingerprint.has(finding.fingerprint)) {
      dropped++;
      continue;
    }
    byFingerprint.set(finding.fingerprint, finding);
  }
  if (lowScore > 0) notes.push(`${lowScore} finding${lowScore === 1 ? "" : "s"} the model scored under ${minScore}/10 ${lowScore === 1 ? "was" : "were"} left out`);
  if (movedLines > 0) notes.push(`${movedLines} finding${movedLines === 1 ? "" : "s"} named a line outside the diff and ${movedLines === 1 ? "is" : "are"} reported without a line`);
  if (movedPaths > 0) notes.push(`${movedPaths} finding${movedPaths === 1 ? "" : "s"} named a file that is not in the diff`);
  return { findings: [...byFingerprint.values()], dropped, notes };
}

function invalid(problem: string): ReviewWithLlmResult {
  const message = `reviewWithLlm: ${problem}`;
  return { findings: [], dropped: 0, notes: [message], error: message };
}

function toFinding(raw: LlmReviewFinding, placed: DiffPlacement, secrets: string[]): Finding {
  const category = slug(raw.category ?? "") || "general";
  const title = redactSecrets(raw.title.replace(/\s+/g, " ").trim(), secrets);
  const cited = raw.line !== null && raw.line !== undefined ? `${raw.path.trim()}:${raw.line}` : raw.path.trim();
  let message = redactSecrets(raw.message.trim(), secrets);
  if (placed.path === undefined) message = `${message}\n\n(The model pointed at \`${cited.replace(/`/g, "'")}\`, which is not part of this change.)`;
  else if (placed.lineMoved) message = `${message}\n\n(The model pointed at line ${String(raw.line)}, which the diff does not show.)`;
  const suggestion = raw.suggestion?.trim();
  return createFinding({
    ruleId: `llm/${category}`,
    source: "llm",
    severity: raw.severity,
    confidence: raw.score / 10,
    ...(placed.path !== undefined ? { path: placed.path } : {}),
    ...(placed.line !== undefined ? { line: placed.line } : {}),
    title,
    message,
    ...(suggestion ? { suggestion: redactSecrets(suggestion, secrets) } : {}),
    trigger: placed.lineText !== undefined ? `${placed.lineText}\u0000${title.toLowerCase()}` : title.toLowerCase(),
  });
}

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 40);
}
