import type { Redis } from "ioredis";
import { EventNotice } from "./event-channel.ts";

export interface EventFeed {
  /** Calls `listener` whenever any process appends an event to this execution. Returns the unsubscribe. */
  watch(executionId: string, listener: () => void): () => void;
  watchers(): number;
  close(): Promise<void>;
}

/**
 * One Redis subscription per web process, fanned out to the SSE connections watching each run. Notices carry only
 * ids: the connections read the rows from the append-only log, so a missed notice is made up by the next one (or the
 * connection's periodic catch-up) and nothing is delivered twice.
 */
export async function createEventFeed(opts: { subscriber: Redis; channel: string; onError?: (err: Error) => void }): Promise<EventFeed> {
  const listeners = new Map<string, Set<() => void>>();
  opts.subscriber.on("message", (channel: string, message: string) => {
    if (channel !== opts.channel) return;
    let notice: EventNotice;
    try {
      notice = EventNotice.parse(JSON.parse(message));
    } catch (err) {
      opts.onError?.(err as Error);
      return;
    }
    for (const l of listeners.get(notice.executionId) ?? []) l();
  });
  await opts.subscriber.subscribe(opts.channel);
  return {
    watch(executionId, listener) {
      const set = listeners.get(executionId) ?? new Set();
      set.add(listener);
      listeners.set(executionId, set);
      return () => {
        set.delete(listener);
        if (set.size === 0) listeners.delete(executionId);
      };
    },
    watchers: () => [...listeners.values()].reduce((n, s) => n + s.size, 0),
    async close() {
      listeners.clear();
      await opts.subscriber.unsubscribe(opts.channel).catch(() => undefined);
    },
  };
}
