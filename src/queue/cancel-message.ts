import { z } from "zod";
import { formatZodIssues } from "../config/format-zod-issues.ts";

/** What is published on the cancel channel (and kept in the requests hash). */
export const CancelMessage = z.object({
  jobId: z.string().min(1).max(512),
  reason: z.string().max(2000),
  by: z.string().min(1).max(256),
  /** When it was requested (epoch ms); set by requestCancel, used to forget old requests. */
  at: z.number().int().nonnegative().optional(),
});
export type CancelMessage = z.infer<typeof CancelMessage>;

export type ParsedCancelMessage = { ok: true; message: CancelMessage } | { ok: false; error: string };

const MAX_RAW_CHARS = 16 * 1024;

/** Parse one raw message; never throws. The error says what is wrong and where. */
export function parseCancelMessage(raw: string): ParsedCancelMessage {
  if (raw.length > MAX_RAW_CHARS) return { ok: false, error: `message is ${raw.length} characters long (at most ${MAX_RAW_CHARS})` };
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    return { ok: false, error: `not JSON: ${(err as Error).message}` };
  }
  const parsed = CancelMessage.safeParse(json);
  if (!parsed.success) return { ok: false, error: `not a cancel request: ${formatZodIssues(parsed.error).join("; ")}` };
  return { ok: true, message: parsed.data };
}
