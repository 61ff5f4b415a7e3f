/** What an acceptance estimate is about. */
export type LearnerScope = "rule" | "improvement" | "backend";

/** Learner scopes in the order tables list them. */
export const LEARNER_SCOPES: readonly LearnerScope[] = ["rule", "improvement", "backend"];

/** One piece of evidence: a maintainer accepted or rejected something Moderator did. */
export interface LearnerEvent {
  scope: LearnerScope;
  /** A rule id (`debug/leftover`), an improvement type, or `"<backend>:<taskType>"`. */
  key: string;
  repositoryId: number;
  outcome: "accept" | "reject";
  /** How much this event counts before decay; 1 when absent. */
  weight?: number;
  at: Date;
}

/** A Feedback row as the Store reads it, with what the Learner needs resolved (the finding's rule, the improvement's type...). */
export interface FeedbackRow {
  kind: string;
  at: Date;
  repositoryId: number;
  /** Whether the actor had write, maintain or admin permission when the feedback was given. */
  actorCanWrite: boolean;
  ruleId?: string;
  improvementType?: string;
  backend?: string;
  taskType?: string;
}

/** Weights of the kinds that do not count as a full piece of evidence. */
export const FEEDBACK_WEIGHTS = { suggestion_applied: 1.5, thread_resolved_by_human: 0.5, race_won: 0.5, race_picked: 1 } as const;

/**
 * Feedback rows -> learner events. Pure; the order of the rows is kept.
 *
 * Only rows whose actor can write to the repository count: anyone else's reaction is ignored, so that learned
 * behaviour cannot be steered by outsiders. Then, by kind:
 *
 * | kind | event |
 * |---|---|
 * | `dismissed` | reject the rule |
 * | `reaction_down` | reject the improvement type when the row has one, else the rule |
 * | `reaction_up` | accept the improvement type when the row has one, else the rule |
 * | `suggestion_applied` | accept the rule, weight 1.5 |
 * | `thread_resolved_by_human` | reject the rule, weight 0.5 (resolved without a fix: weak evidence) |
 * | `merged` | accept the improvement type (when given) and accept `"<backend>:<taskType>"` (when both given) |
 * | `closed_unmerged` | reject the improvement type (when given) and reject `"<backend>:<taskType>"` (when both given) |
 * | `race_won` | accept `"<backend>:<taskType>"`, weight 0.5 (a race's judge chose it) |
 * | `race_picked` | accept `"<backend>:<taskType>"` (a maintainer picked it with `/moderator pick`) |
 *
 * Unknown kinds, and rows missing the id their kind needs (a `dismissed` row without a rule id), give no event.
 */
export function feedbackToEvents(rows: readonly FeedbackRow[]): LearnerEvent[] {
  const events: LearnerEvent[] = [];
  for (const row of rows) {
    if (!row.actorCanWrite) continue;
    const base = { repositoryId: row.repositoryId, at: row.at };
    const rule = (outcome: LearnerEvent["outcome"], weight?: number) => {
      if (present(row.ruleId)) events.push({ scope: "rule", key: row.ruleId, outcome, ...base, ...(weight !== undefined ? { weight } : {}) });
    };
    const improvement = (outcome: LearnerEvent["outcome"]) => {
      if (present(row.improvementType)) events.push({ scope: "improvement", key: row.improvementType, outcome, ...base });
    };
    const backend = (outcome: LearnerEvent["outcome"], weight?: number) => {
      if (present(row.backend) && present(row.taskType)) events.push({ scope: "backend", key: backendKey(row.backend, row.taskType), outcome, ...base, ...(weight !== undefined ? { weight } : {}) });
    };
    switch (row.kind) {
      case "dismissed":
        rule("reject");
        break;
      case "reaction_down":
      case "reaction_up": {
        const outcome = row.kind === "reaction_up" ? "accept" : "reject";
        if (present(row.improvementType)) improvement(outcome);
        else rule(outcome);
        break;
      }
      case "suggestion_applied":
        rule("accept", FEEDBACK_WEIGHTS.suggestion_applied);
        break;
      case "thread_resolved_by_human":
        rule("reject", FEEDBACK_WEIGHTS.thread_resolved_by_human);
        break;
      case "merged":
        improvement("accept");
        backend("accept");
        break;
      case "closed_unmerged":
        improvement("reject");
        backend("reject");
        break;
      case "race_won":
        backend("accept", FEEDBACK_WEIGHTS.race_won);
        break;
      case "race_picked":
        backend("accept", FEEDBACK_WEIGHTS.race_picked);
        break;
      default:
        break;
    }
  }
  return events;
}

/** The learner key of a backend on a task type: `"<backend>:<taskType>"`. */
export function backendKey(backend: string, taskType: string): string {
  return `${backend}:${taskType}`;
}

function present(value: string | undefined): value is string {
  return value !== undefined && value !== "";
}
