import { z } from "zod";
import { Severity } from "./finding.ts";

/**
 * One problem the model reports. Plain JSON-Schema-representable zod (no transforms), so an Llm implementation
 * can hand it to the server as a structured-output format; normalization happens after validation.
 */
export const LlmReviewFinding = z.object({
  /** The file path as in the diff header. */
  path: z.string().min(1),
  /** Line in the NEW version of the file; null when the problem is not tied to one line. */
  line: z.number().int().min(1).nullable().optional(),
  severity: Severity,
  /** One or two words, e.g. bug, security, error-handling. Becomes the rule id `llm/<category>`. */
  category: z.string().max(60).optional(),
  title: z.string().min(1).max(300),
  message: z.string().min(1).max(6000),
  suggestion: z.string().max(6000).nullable().optional(),
  /** 0-10: how sure the model is that this is a real problem worth a maintainer's time. */
  score: z.number().min(0).max(10),
});
export type LlmReviewFinding = z.infer<typeof LlmReviewFinding>;

/** The model's whole answer: `{"findings": []}` when nothing is wrong. */
export const LlmReviewAnswer = z.object({ findings: z.array(LlmReviewFinding).max(100) });
export type LlmReviewAnswer = z.infer<typeof LlmReviewAnswer>;
