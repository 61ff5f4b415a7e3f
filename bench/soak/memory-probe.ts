/**
 * Preloaded into the soak's `web` and `worker` processes (`node --expose-gc --import <this file>`): on SIGUSR2 it
 * collects garbage (when --expose-gc), then writes one JSON line to MEMORY_PROBE_OUT: RSS and its parts
 * (/proc/self/smaps_rollup: anonymous vs file-backed), the V8 heap (used, total, per space: used and committed), external memory and
 * array buffers, the count of active handles by kind; and, when MEMORY_PROBE_SNAPSHOTS names a directory, a heap
 * snapshot (after the reading, so the snapshot's own memory is not in it). A bench tool: nothing of it ships.
 */
import { appendFileSync, readFileSync } from "node:fs";
import path from "node:path";
import { getHeapSpaceStatistics, getHeapStatistics, writeHeapSnapshot } from "node:v8";

const out = process.env["MEMORY_PROBE_OUT"];
const snapshots = process.env["MEMORY_PROBE_SNAPSHOTS"];
const MB = 1024 * 1024;

function smaps(): Record<string, number> {
  try {
    const text = readFileSync("/proc/self/smaps_rollup", "utf8");
    const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(text)?.[1] ?? Number.NaN) / 1024;
    return { rss: kb("Rss"), anonymous: kb("Anonymous"), file: kb("Rss") - kb("Anonymous") };
  } catch {
    return {};
  }
}

/** The largest mappings by resident size (/proc/self/smaps): a WebAssembly memory, malloc's heap and arenas, V8's pages. */
function largestMappings(count: number): string[] {
  try {
    const maps: Array<{ name: string; kb: number; sizeKb: number }> = [];
    let current: { name: string; kb: number; sizeKb: number } | undefined;
    for (const line of readFileSync("/proc/self/smaps", "utf8").split("\n")) {
      const head = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
      if (head) {
        current = { name: head[3] || "[anon]", kb: 0, sizeKb: (parseInt(head[2]!, 16) - parseInt(head[1]!, 16)) / 1024 };
        maps.push(current);
      } else if (current && line.startsWith("Rss:")) current.kb = Number(/(\d+)/.exec(line)?.[1] ?? 0);
    }
    return maps
      .sort((a, b) => b.kb - a.kb)
      .slice(0, count)
      .map((m) => `${path.basename(m.name)} ${(m.kb / 1024).toFixed(0)}/${(m.sizeKb / 1024).toFixed(0)}`);
  } catch {
    return [];
  }
}

function activeHandles(): Record<string, number> {
  const counts: Record<string, number> = {};
  // getActiveResourcesInfo: one string per libuv handle or request (Timeout, TCPSocketWrap, FSReqCallback...).
  for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
}

if (out) {
  let n = 0;
  process.on("SIGUSR2", () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    gc?.();
    const usage = process.memoryUsage();
    const heap = getHeapStatistics();
    // Per space: [used, committed] MB.
    const spaces = Object.fromEntries(
      getHeapSpaceStatistics()
        .filter((s) => s.space_size > 0)
        .map((s) => [s.space_name.replace(/_space$/, ""), [+(s.space_used_size / MB).toFixed(1), +(s.space_size / MB).toFixed(1)]]),
    );
    const label = `${path.basename(process.argv[2] ?? "node")}-${process.argv[3] ?? ""}-${process.pid}-${String(++n).padStart(2, "0")}`;
    const line = {
      pid: process.pid,
      n,
      gc: gc !== undefined,
      rss: +(usage.rss / MB).toFixed(1),
      ...Object.fromEntries(Object.entries(smaps()).map(([k, v]) => [`smaps_${k}`, +v.toFixed(1)])),
      heapUsed: +(usage.heapUsed / MB).toFixed(1),
      heapTotal: +(usage.heapTotal / MB).toFixed(1),
      external: +(usage.external / MB).toFixed(1),
      arrayBuffers: +(usage.arrayBuffers / MB).toFixed(1),
      mallocedMemory: +(heap.malloced_memory / MB).toFixed(1),
      peakMallocedMemory: +(heap.peak_malloced_memory / MB).toFixed(1),
      spaces,
      handles: activeHandles(),
      mappings: largestMappings(4),
      snapshot: snapshots ? writeHeapSnapshot(path.join(snapshots, `${label}.heapsnapshot`)) : undefined,
    };
    appendFileSync(out, `${JSON.stringify(line)}\n`);
  });
}
