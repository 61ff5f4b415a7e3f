import { describe, expect, it } from "vitest";
import { createWriteLimits } from "../../../src/github/create-write-limits.ts";

describe("createWriteLimits: GitHub's secondary limits per installation", () => {
  it("lets half the minute's budget out at once per installation, and installations never share a bucket", async () => {
    const limits = createWriteLimits({ perMinute: 80, perHour: 500 });
    try {
      const a = limits.write.key("1");
      expect(await a.currentReservoir()).toBe(40);
      await Promise.all(Array.from({ length: 40 }, () => a.schedule(async () => undefined)));
      expect(await a.currentReservoir()).toBe(0);
      // Another installation still has its whole burst.
      expect(await limits.write.key("2").currentReservoir()).toBe(40);
      // The next write of installation 1 waits for the refill instead of going out.
      let done = false;
      const waiting = a.schedule(async () => void (done = true));
      await new Promise((r) => setTimeout(r, 50));
      expect(done).toBe(false);
      expect(await a.queued()).toBe(1);
      await a.stop({ dropWaitingJobs: true });
      await waiting.catch(() => undefined);
      // Notifying writes: half the hour's budget as a burst.
      expect(await limits.notifications.key("1").currentReservoir()).toBe(250);
    } finally {
      limits.write.deleteKey("1");
      limits.write.deleteKey("2");
      limits.notifications.deleteKey("1");
    }
  });
});
