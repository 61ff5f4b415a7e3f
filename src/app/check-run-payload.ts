import { z } from "zod";

/** The parts of `check_run` (requested_action, rerequested) and `check_suite.rerequested` payloads Moderator uses. */
const Repository = z.object({
  id: z.number(),
  name: z.string(),
  full_name: z.string(),
  owner: z.object({ login: z.string() }),
  default_branch: z.string().optional(),
});
const Sender = z.object({ login: z.string(), type: z.string().optional() });
const Installation = z.object({ id: z.number() });

export const CheckRunPayload = z.object({
  action: z.enum(["requested_action", "rerequested"]),
  check_run: z.object({
    id: z.number(),
    name: z.string(),
    head_sha: z.string(),
    external_id: z.string().nullish(),
    app: z.object({ id: z.number() }).nullish(),
  }),
  requested_action: z.object({ identifier: z.string() }).nullish(),
  repository: Repository,
  sender: Sender,
  installation: Installation,
});
export type CheckRunPayload = z.infer<typeof CheckRunPayload>;

export const CheckSuitePayload = z.object({
  action: z.literal("rerequested"),
  check_suite: z.object({ id: z.number(), head_sha: z.string() }),
  repository: Repository,
  sender: Sender,
  installation: Installation,
});
export type CheckSuitePayload = z.infer<typeof CheckSuitePayload>;
