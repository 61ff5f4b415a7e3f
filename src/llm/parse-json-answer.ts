import type { z } from "zod";
import { formatZodIssues } from "../config/format-zod-issues.ts";

export type JsonAnswer<T> = { ok: true; value: T } | { ok: false; problems: string[] };

const FENCED = /^```[a-zA-Z]*\s*\n([\s\S]*?)\n?```$/;
const THINKING = /^\s*<think>[\s\S]*?<\/think>\s*/;

/**
 * A model's text answer -> a value validated by `schema`, or the problems, one line each as
 * "<path>: <message>" ("(root)" for the answer as a whole). Pure. Tolerates what local models add
 * around JSON: a leading <think>...</think> block and a Markdown code fence.
 */
export function parseJsonAnswer<T>(raw: string, schema: z.ZodType<T>): JsonAnswer<T> {
  let text = raw.replace(THINKING, "").trim();
  const fenced = FENCED.exec(text);
  if (fenced) text = (fenced[1] ?? "").trim();
  if (text === "") return { ok: false, problems: ["(root): the answer was empty; expected one JSON value"] };
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    return { ok: false, problems: [`(root): not valid JSON (${(err as Error).message})`] };
  }
  const parsed = schema.safeParse(data);
  if (!parsed.success) return { ok: false, problems: formatZodIssues(parsed.error) };
  return { ok: true, value: parsed.data };
}
