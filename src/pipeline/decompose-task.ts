import { sanitizeUserText } from "../app/sanitize-user-text.ts";
import { estimateTokens } from "../llm/fit-to-budget.ts";
import { LlmOutputError, type Llm } from "../llm/llm.ts";
import { CancelledError } from "../util/errors.ts";
import { planHeuristically } from "./plan-heuristic.ts";
import { buildPlanPrompt, PLAN_SYSTEM_PROMPT } from "./plan-prompt.ts";
import { PlanAnswer, PlannedTask } from "./plan-schema.ts";

export { PlannedTask } from "./plan-schema.ts";

export interface DecomposeInput {
  issue: { number: number; title: string; body: string; comments?: string[] };
  /** The planning model; without one, the heuristic plans. */
  llm?: Llm;
  /** Most characters of issue text sent to the model (also capped by the model's context window). */
  maxIssueChars?: number;
  signal?: AbortSignal;
}

export interface DecomposeResult {
  tasks: PlannedTask[];
  source: "llm" | "heuristic";
  /** What a maintainer should know about how the plan was made (cuts, fallbacks), one line each. */
  notes: string[];
}

/**
 * The plan without a model (pure): one task per unchecked item of a Markdown checklist in the issue, each
 * depending on the one before, checked items skipped; otherwise the whole issue as one task.
 */
export function heuristicPlan(issue: { number: number; title: string; body: string }): PlannedTask[] {
  return planHeuristically(issue).tasks;
}

/** Tokens kept free for the answer and the JSON Schema the Llm adds to the system prompt. */
const ANSWER_RESERVE_TOKENS = 2048;
const SCHEMA_RESERVE_TOKENS = 600;
const MIN_ISSUE_CHARS = 1000;

/** Characters of issue text that fit the model's window next to the instructions and the answer. */
function issueBudgetChars(llm: Llm, requested: number | undefined): number {
  const freeTokens = llm.contextTokens - ANSWER_RESERVE_TOKENS - SCHEMA_RESERVE_TOKENS - estimateTokens(PLAN_SYSTEM_PROMPT) - 200;
  // estimateTokens counts ~4 characters a token; text that tokenizes worse needs a margin.
  const fits = Math.max(MIN_ISSUE_CHARS, Math.floor(freeTokens * 4 * 0.75));
  return requested === undefined ? fits : Math.max(1, Math.min(requested, fits));
}

/**
 * The TaskDecomposer: an issue -> ordered tasks with dependencies. With an Llm, the model plans from the
 * sanitized issue (cut to the context budget with a marker, and a note saying so); its answer must pass
 * PlanAnswer (1..8 tasks, dependencies on earlier tasks only), and Llm.json sends a failing answer back
 * once with the problems. When the model cannot be asked or still answers wrong, the heuristic plans and a
 * note says why. Cancellation is not a fallback: it is thrown.
 */
export async function decomposeTask(input: DecomposeInput): Promise<DecomposeResult> {
  const heuristic = (why: string | undefined): DecomposeResult => {
    const plan = planHeuristically(input.issue);
    return { tasks: plan.tasks, source: "heuristic", notes: [...(why ? [why] : []), ...plan.notes] };
  };
  if (!input.llm) return heuristic(undefined);

  const llm = input.llm;
  const maxIssueChars = issueBudgetChars(llm, input.maxIssueChars);
  const built = buildPlanPrompt({ issue: input.issue, maxIssueChars });
  const notes: string[] = [];
  if (built.cut) {
    notes.push(`the issue text was cut from ${built.cut.fromChars} to ${built.cut.toChars} characters to fit the planning model's context (${llm.contextTokens} tokens)`);
  }
  try {
    const { value } = await llm.json({ system: built.system, prompt: built.prompt, schema: PlanAnswer, retries: 1, ...(input.signal ? { signal: input.signal } : {}) });
    const tasks = value.tasks.map(
      (t, index): PlannedTask =>
        PlannedTask.parse({
          index,
          title: sanitizeUserText(t.title) || `Task ${index + 1}`,
          description: sanitizeUserText(t.description),
          type: t.type,
          dependsOn: [...new Set(t.dependsOn)].sort((a, b) => a - b),
        }),
    );
    return { tasks, source: "llm", notes };
  } catch (err) {
    if (err instanceof CancelledError || input.signal?.aborted) throw err instanceof CancelledError ? err : new CancelledError("planning was cancelled");
    const why =
      err instanceof LlmOutputError
        ? `the model's plan was not usable after 2 attempts (${err.problems.join("; ")}), so the heuristic planned instead`
        : `the planning model could not be asked (${(err as Error).message}), so the heuristic planned instead`;
    const fallback = heuristic(why);
    return { ...fallback, notes: [...notes, ...fallback.notes] };
  }
}
