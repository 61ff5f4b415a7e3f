import { improvementMarker } from "./improvement-marker.ts";
import type { ImprovementType } from "./improvement.ts";

export type ChecklistState = "proposed" | "started" | "opened" | "skipped";

export interface ChecklistItem {
  fingerprint: string;
  title: string;
  type: ImprovementType;
  rationale: string;
  state: ChecklistState;
  /** The follow-up pull request, once opened. */
  prUrl?: string;
  /** Why it was skipped (or any short remark), shown after the entry. */
  note?: string;
}

const MAX_TITLE = 100;
const MAX_RATIONALE = 300;
const MAX_NOTE = 200;
const MARKER = /<!--\s*moderator:improvement\s+([A-Za-z0-9_.:]{1,128})\s*-->/;
/** A task-list item: `- [ ] ...`, `* [x] ...`, `1. [X] ...` (GitHub renders and toggles these). */
const TASK_ITEM = /^[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+\[([ xX])\][ \t]+(.*)$/;
const FENCE = /^[ \t]{0,3}(`{3,}|~{3,})/;

/**
 * The "Follow-up improvements" section of the tracking comment. Pure. One line per improvement, in the given order:
 * `- [ ] **Add tests for src/x.ts** (tests): rationale <!-- moderator:improvement <fp> -->`. Started and opened ones
 * are ticked (`[x]`), opened ones link their pull request; skipped ones have no box (there is nothing to tick) and
 * say why. Titles, rationales and notes are made one line and cannot carry markup that fakes a marker, a link or a
 * mention. No items: the empty string (say nothing when there is nothing to say).
 */
export function renderImprovementChecklist(items: readonly ChecklistItem[]): string {
  if (items.length === 0) return "";
  const out: string[] = ["#### Follow-up improvements", ""];
  if (items.some((i) => i.state === "proposed")) {
    out.push("Tick a box to have Moderator open that improvement as a separate pull request.", "");
  }
  for (const item of items) {
    const title = `**${inline(item.title, MAX_TITLE).replace(/\*/g, "\\*")}**`;
    const rationale = inline(item.rationale, MAX_RATIONALE);
    const head = `${title} (${item.type})${rationale ? `: ${rationale}` : ""}`;
    const note = item.note ? inline(item.note, MAX_NOTE) : "";
    const marker = improvementMarker(item.fingerprint);
    switch (item.state) {
      case "proposed":
        out.push(`- [ ] ${head}${note ? ` · ${note}` : ""} ${marker}`);
        break;
      case "started":
        out.push(`- [x] ${head} · ⏳ started${note ? ` · ${note}` : ""} ${marker}`);
        break;
      case "opened": {
        const link = prLink(item.prUrl);
        out.push(`- [x] ${head} · ${link ? `opened ${link}` : "opened"}${note ? ` · ${note}` : ""} ${marker}`);
        break;
      }
      case "skipped":
        out.push(`- ~~${title} (${item.type})~~ · skipped${note ? `: ${note}` : ""} ${marker}`);
        break;
    }
  }
  return out.join("\n");
}

/**
 * Fingerprints whose checkbox went from `[ ]` to `[x]` between two versions of a comment body (an
 * `issue_comment.edited` payload's `changes.body.from` and `comment.body`), in the order they appear. Pure.
 * Only task-list items that carry an improvement marker count: boxes ticked by hand without a marker, boxes in code
 * blocks or quotes, unticking, entries that were not in `before`, and any other edit are ignored. When a marker
 * appears on several lines, the entry counts as ticked if any of them is.
 */
export function parseTickedImprovements(before: string, after: string): string[] {
  const was = readBoxes(typeof before === "string" ? before : "");
  const now = readBoxes(typeof after === "string" ? after : "");
  const out: string[] = [];
  for (const [fp, ticked] of now) {
    if (ticked && was.get(fp) === false) out.push(fp);
  }
  return out;
}

/** Marker fingerprint -> whether any of its task-list boxes is ticked, in order of first appearance. */
function readBoxes(text: string): Map<string, boolean> {
  const boxes = new Map<string, boolean>();
  let fence: string | undefined;
  for (const line of text.split(/\r?\n|\r/)) {
    const f = FENCE.exec(line);
    if (f) {
      const run = f[1]!;
      if (fence === undefined) fence = run;
      else if (run[0] === fence[0] && run.length >= fence.length && line.trim() === run) fence = undefined;
      continue;
    }
    if (fence !== undefined) continue;
    const item = TASK_ITEM.exec(line);
    if (!item) continue;
    const marker = MARKER.exec(item[2]!);
    if (!marker) continue;
    const fp = marker[1]!;
    boxes.set(fp, (boxes.get(fp) ?? false) || item[1] !== " ");
  }
  return boxes;
}

/** One line, cut to `max`, with markup that could fake a marker, a link or ping someone neutralized. */
function inline(text: string, max: number): string {
  let line = String(text ?? "")
    .replace(/\s+/g, " ")
    .trim();
  if (line.length > max) line = `${line.slice(0, max - 1).trimEnd()}…`;
  return line
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/\[/g, "\\[")
    .replace(/\]/g, "\\]")
    .replace(/(^|[^\w`])@(?=[A-Za-z0-9])/g, "$1@&#8203;");
}

function prLink(url: string | undefined): string | undefined {
  if (!url || !/^https?:\/\/[^\s()<>]+$/.test(url)) return undefined;
  const n = /\/pull\/(\d+)(?:[/?#]|$)/.exec(url)?.[1];
  return `[${n ? `#${n}` : "pull request"}](${url})`;
}
