import { z } from "zod";

/** The Redis pub/sub channel that tells every web process a run has a new event (its id; the rows stay in the database). */
export function eventChannel(queuePrefix: string): string {
  return `${queuePrefix}-events`;
}

export const EventNotice = z.object({ executionId: z.string(), id: z.string().regex(/^\d+$/) });
export type EventNotice = z.infer<typeof EventNotice>;
