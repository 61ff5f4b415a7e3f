import { z } from "zod";

/**
 * One refactor the model proposes. Plain JSON-Schema-representable zod (no transforms), so the Llm can send it as
 * the structured-output format; clipping and path checks happen after validation.
 */
export const RefactorProposal = z.object({
  title: z.string().min(1).max(300),
  rationale: z.string().min(1).max(2000),
  /** Files of the diff the refactor touches, paths exactly as in the diff. */
  files: z.array(z.string().min(1)).min(1).max(20),
  /** Concrete instructions for the coding agent. */
  task: z.string().min(1).max(6000),
  /** 1 = most urgent, 5 = nice to have. */
  priority: z.number().int().min(1).max(5),
  /** Expected value if done, 0..1. */
  impact: z.number().min(0).max(1),
});
export type RefactorProposal = z.infer<typeof RefactorProposal>;

/** The model's whole answer: `{"refactors": []}` when nothing is worth it. */
export const RefactorAnswer = z.object({ refactors: z.array(RefactorProposal).max(20) });
export type RefactorAnswer = z.infer<typeof RefactorAnswer>;
