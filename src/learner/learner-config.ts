import { z } from "zod";

/**
 * How the Learner turns maintainers' feedback into estimates and decisions. Operator-level (the `learner:` key of
 * moderator.config.yml): feedback is pooled across the installation's repositories, so the numbers belong to the
 * operator. Every field has a default; `LearnerConfig.parse({})` is the default configuration.
 */
export const LearnerConfig = z.strictObject({
  /** Use what was learned at all (suppression, improvement ranking, routing scores). Feedback is recorded either way. */
  enabled: z.boolean().default(true),
  /** Feedback this many days old counts half as much as today's. */
  halfLifeDays: z.number().positive().max(36_500).default(90),
  /** Beta prior of every acceptance rate before any feedback (1, 1 = uniform). */
  prior: z
    .strictObject({ alpha: z.number().positive().max(1e6).default(1), beta: z.number().positive().max(1e6).default(1) })
    .prefault({}),
  /** How many pieces of feedback the installation-wide rate is worth in a repository's estimate. */
  shrinkStrength: z.number().positive().max(1e6).default(10),
  /** Probability mass between the reported lower and upper bounds. */
  credibleMass: z.number().gt(0).lt(1).default(0.9),
  /** A rule is suppressed in a repository when its acceptance's upper bound is below `maxUpper` with at least `minEvidence` feedback. */
  suppression: z
    .strictObject({
      maxUpper: z.number().gt(0).max(1).default(0.2),
      minEvidence: z.number().min(0).max(1e6).default(3),
    })
    .prefault({}),
});
export type LearnerConfig = z.infer<typeof LearnerConfig>;

/** The estimation part of LearnerConfig. */
export const EstimateSettings = LearnerConfig.pick({ halfLifeDays: true, prior: true, shrinkStrength: true, credibleMass: true });
export type EstimateSettings = z.infer<typeof EstimateSettings>;

/** The suppression part of LearnerConfig. */
export const SuppressionSettings = LearnerConfig.shape.suppression;
export type SuppressionSettings = z.infer<typeof SuppressionSettings>;

/**
 * Estimate settings with defaults filled in; other keys (a whole LearnerConfig may be passed) are ignored. Throws an
 * Error naming each bad field ("learner options: halfLifeDays: ...") when a value is out of range; `where` names
 * the caller in the message.
 */
export function resolveEstimateSettings(partial: Partial<EstimateSettings> = {}, where = "learner options"): EstimateSettings {
  const { halfLifeDays, prior, shrinkStrength, credibleMass } = partial;
  return parseOrThrow(EstimateSettings, pickDefined({ halfLifeDays, prior, shrinkStrength, credibleMass }), where);
}

/** Suppression settings with defaults filled in, other keys ignored; throws like resolveEstimateSettings. */
export function resolveSuppressionSettings(partial: Partial<SuppressionSettings> = {}, where = "suppression options"): SuppressionSettings {
  const { maxUpper, minEvidence } = partial;
  return parseOrThrow(SuppressionSettings, pickDefined({ maxUpper, minEvidence }), where);
}

function parseOrThrow<T>(schema: z.ZodType<T>, value: unknown, where: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${i.path.length > 0 ? i.path.map(String).join(".") : "(root)"}: ${i.message}`);
  throw new Error(`${where}: ${problems.join("; ")}`);
}

/** Drops keys whose value is undefined so that zod applies the defaults. */
function pickDefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
