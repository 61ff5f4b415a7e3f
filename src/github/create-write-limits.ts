import Bottleneck from "bottleneck";

export interface WriteLimits {
  /** Content-creating requests per installation in any one minute. */
  perMinute: number;
  /** Writes that notify people (comments, reviews, pull requests) per installation in any one hour. */
  perHour: number;
}

/**
 * Limiters for @octokit/plugin-throttling's `write` and `notifications` groups, replacing its defaults (one write
 * per second, one notifying write per three seconds, per installation), which serialize a burst of triggers into
 * minutes. Each installation (the group key) gets token buckets: half the budget as a burst, the other half refilled
 * evenly, so no window of a minute (an hour) sees more than `perMinute` (`perHour`). Create them once per process:
 * every Octokit of the process must share them.
 */
export function createWriteLimits(limits: WriteLimits): { write: Bottleneck.Group; notifications: Bottleneck.Group } {
  return {
    write: bucket("moderator-write", limits.perMinute, 60_000),
    notifications: bucket("moderator-notifications", limits.perHour, 3_600_000),
  };
}

function bucket(id: string, perWindow: number, windowMs: number): Bottleneck.Group {
  const burst = Math.max(1, Math.floor(perWindow / 2));
  const refill = Math.max(1, perWindow - burst);
  return new Bottleneck.Group({
    id,
    maxConcurrent: null,
    minTime: 0,
    reservoir: burst,
    reservoirIncreaseMaximum: burst,
    reservoirIncreaseAmount: 1,
    reservoirIncreaseInterval: Math.max(1, Math.floor(windowMs / refill)),
    // A key (installation) unused for this long is dropped; it starts again with a full burst, which is within limits.
    timeout: windowMs * 2,
  });
}
