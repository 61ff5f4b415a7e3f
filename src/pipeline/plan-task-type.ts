import type { TaskType } from "./plan-schema.ts";

/** A task type guessed from its words; "change" unless the words say otherwise. Pure. */
export function guessTaskType(text: string): TaskType {
  if (/\b(typos?|readme|docs?|documentation|changelog|docstrings?)\b/i.test(text)) return "docs";
  if (/\b(tests?|specs?|coverage|unit[- ]tests?)\b/i.test(text)) return "test";
  if (/\b(refactor\w*|clean ?up|rename|restructure|reorgani[sz]e)\b/i.test(text)) return "refactor";
  if (/\b(investigate|root cause|figure out|find out why)\b/i.test(text)) return "investigate";
  return "change";
}
