import { sanitizeUserText } from "../app/sanitize-user-text.ts";
import { fitToBudget } from "../llm/fit-to-budget.ts";
import { MAX_PLANNED_TASKS, type PlannedTask } from "./plan-schema.ts";
import { guessTaskType } from "./plan-task-type.ts";

const CHECKLIST_ITEM = /^\s*(?:[-*+]|\d+[.)])\s+\[([ xX])\]\s+(.*\S)\s*$/;
const FENCE = /^\s*(```|~~~)/;
const MAX_TITLE_CHARS = 200;
const MAX_DESCRIPTION_CHARS = 8000;

function shortTitle(text: string): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > MAX_TITLE_CHARS ? `${line.slice(0, MAX_TITLE_CHARS - 1)}…` : line || "Resolve the issue";
}

/** Checklist items outside code fences, in order. */
function readChecklist(body: string): Array<{ checked: boolean; text: string }> {
  const items: Array<{ checked: boolean; text: string }> = [];
  let inFence: string | undefined;
  for (const line of body.split("\n")) {
    const fence = FENCE.exec(line);
    if (fence) {
      if (inFence === undefined) inFence = fence[1];
      else if (fence[1] === inFence) inFence = undefined;
      continue;
    }
    if (inFence !== undefined) continue;
    const m = CHECKLIST_ITEM.exec(line);
    if (m) items.push({ checked: m[1] !== " ", text: m[2]! });
  }
  return items;
}

/**
 * The plan without a model, with notes on how it was made. Pure. A Markdown checklist in the issue body becomes one task per unchecked
 * item (checked items are done and skipped), each depending on the one before; more than eight items
 * leave the rest to the eighth task. Otherwise, the whole issue is one task. Issue text is sanitized.
 */
export function planHeuristically(issue: { number: number; title: string; body: string }): { tasks: PlannedTask[]; notes: string[] } {
  const title = sanitizeUserText(issue.title);
  const body = sanitizeUserText(issue.body);
  const items = readChecklist(body);
  const open = items.filter((i) => !i.checked).map((i) => i.text);
  const checked = items.length - open.length;
  const notes: string[] = [];

  if (open.length === 0) {
    if (items.length > 0) notes.push(`every checklist item (${items.length}) is already checked, so the issue is planned as one task`);
    const description = fitToBudget(body, MAX_DESCRIPTION_CHARS, "[... {cut} characters of the issue cut by Moderator ...]", { headRatio: 0.8 });
    return { tasks: [{ index: 0, title: shortTitle(title), description, type: guessTaskType(title), dependsOn: [] }], notes };
  }

  const context = `Part of issue #${issue.number}: ${shortTitle(title)}`;
  let groups: string[][] = open.map((text) => [text]);
  if (groups.length > MAX_PLANNED_TASKS) {
    groups = [...groups.slice(0, MAX_PLANNED_TASKS - 1), open.slice(MAX_PLANNED_TASKS - 1)];
    notes.push(`${open.length} unchecked checklist items: the last ${open.length - MAX_PLANNED_TASKS + 1} are one task, as a plan has at most ${MAX_PLANNED_TASKS}`);
  }
  const tasks = groups.map((group, index): PlannedTask => {
    const single = group.length === 1;
    const taskTitle = single ? shortTitle(group[0]!) : `Remaining checklist items (${group.length})`;
    const description = single ? `${group[0]!}\n\n${context}.` : `${group.map((g) => `- ${g}`).join("\n")}\n\n${context}.`;
    return { index, title: taskTitle, description, type: guessTaskType(single ? group[0]! : taskTitle), dependsOn: index === 0 ? [] : [index - 1] };
  });
  notes.unshift(`planned from the issue's checklist: ${open.length} unchecked item${open.length === 1 ? "" : "s"}${checked > 0 ? `, ${checked} checked item${checked === 1 ? "" : "s"} skipped` : ""}`);
  return { tasks, notes };
}
