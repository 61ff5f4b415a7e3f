import type { PhaseState, TrackingView } from "../render/render-tracking-comment.ts";
import type { Phase } from "../util/errors.ts";

/** The phases shown to maintainers for a run, in order. */
export const RUN_PHASES: Phase[] = ["prepare", "plan", "execute", "qa", "decide", "publish", "improve"];
/** Phases shown only once they happen (a repository without improvements never sees "Improve"). */
const OPTIONAL_PHASES: Phase[] = ["improve"];

export type PhaseTimings = Partial<Record<Phase, { state: PhaseState; startedAt?: number; durationMs?: number }>>;

/**
 * Phase bookkeeping for one execution: which phase runs, how long each took.
 * Pure state; the caller persists `timings` (Execution.phaseTimings) and renders the comment.
 */
export class PhaseTracker {
  readonly timings: PhaseTimings;
  current: Phase | undefined;
  private readonly now: () => number;

  constructor(initial: unknown, now: () => number = Date.now) {
    this.timings = isTimings(initial) ? structuredClone(initial) : {};
    this.now = now;
    this.current = RUN_PHASES.find((p) => this.timings[p]?.state === "running");
  }

  start(phase: Phase): void {
    if (this.current && this.current !== phase) this.finish(this.current);
    this.current = phase;
    this.timings[phase] = { state: "running", startedAt: this.now() };
  }

  finish(phase: Phase, state: PhaseState = "done"): void {
    const t = this.timings[phase];
    const startedAt = t?.startedAt ?? this.now();
    this.timings[phase] = { state, startedAt, durationMs: this.now() - startedAt };
    if (this.current === phase) this.current = undefined;
  }

  skip(phase: Phase): void {
    this.timings[phase] = { state: "skipped" };
  }

  /** Mark the running phase failed (if any); returns it. */
  fail(): Phase | undefined {
    const phase = this.current;
    if (phase) this.finish(phase, "failed");
    return phase;
  }

  view(): TrackingView["phases"] {
    return RUN_PHASES.filter((phase) => !OPTIONAL_PHASES.includes(phase) || this.timings[phase] !== undefined).map((phase) => {
      const t = this.timings[phase];
      return { phase, state: t?.state ?? "pending", ...(t?.durationMs !== undefined ? { durationMs: t.durationMs } : {}) };
    });
  }

  totalMs(): number {
    return RUN_PHASES.reduce((sum, p) => sum + (this.timings[p]?.durationMs ?? 0), 0);
  }
}

function isTimings(v: unknown): v is PhaseTimings {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
