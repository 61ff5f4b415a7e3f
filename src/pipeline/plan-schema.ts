import { z } from "zod";

export const TASK_TYPES = ["change", "test", "docs", "refactor", "investigate"] as const;
export const TaskType = z.enum(TASK_TYPES);
export type TaskType = z.infer<typeof TaskType>;

/** The most tasks one run is split into. */
export const MAX_PLANNED_TASKS = 8;

/** One step of a run's plan. `dependsOn` holds the indexes of earlier tasks this one needs. */
export const PlannedTask = z.object({
  index: z.number().int().min(0),
  title: z.string().min(1).max(200),
  description: z.string(),
  type: TaskType,
  dependsOn: z.array(z.number().int().min(0)),
});
export type PlannedTask = z.infer<typeof PlannedTask>;

const PlanAnswerTask = z.object({
  title: z.string().trim().min(1).max(200),
  description: z.string().trim().min(1).max(4000),
  type: TaskType,
  dependsOn: z.array(z.number().int().min(0)).max(MAX_PLANNED_TASKS).default([]),
});

/**
 * What the model answers: 1 to 8 tasks in order. A task's position in the list is its index (0-based),
 * and it may depend only on earlier tasks, so a plan can never have a cycle.
 */
export const PlanAnswer = z
  .object({ tasks: z.array(PlanAnswerTask).min(1).max(MAX_PLANNED_TASKS) })
  .superRefine(
    (plan, ctx) => {
      // Runs even when other fields failed (so one retry can fix everything): read defensively.
      const tasks: unknown[] = Array.isArray(plan?.tasks) ? plan.tasks : [];
      tasks.forEach((task, i) => {
        const deps = (task as { dependsOn?: unknown } | null)?.dependsOn;
        if (!Array.isArray(deps)) return;
        deps.forEach((dep: unknown, j) => {
          if (typeof dep !== "number" || dep < i) return;
          ctx.addIssue({
            code: "custom",
            path: ["tasks", i, "dependsOn", j],
            message:
              i === 0
                ? `task 0 is the first task and cannot depend on another (got ${dep})`
                : dep === i
                  ? `task ${i} cannot depend on itself`
                  : `task ${i} can only depend on earlier tasks (0..${i - 1}), got ${dep}`,
          });
        });
      });
    },
    { when: () => true },
  );
export type PlanAnswer = z.infer<typeof PlanAnswer>;
