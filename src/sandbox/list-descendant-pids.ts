import { readdirSync, readFileSync } from "node:fs";

/**
 * Every live descendant of `rootPid` (children, grandchildren, ... down to `maxDepth`; 1 = children
 * only), read from /proc. Finds the processes that left the process group (setsid, bwrap
 * --new-session) so they can be signalled too. Returns [] where /proc is not available.
 */
export function listDescendantPids(rootPid: number, maxDepth = Number.POSITIVE_INFINITY): number[] {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return [];
  }
  const children = new Map<number, number[]>();
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue; // exited meanwhile
    }
    // "pid (comm) state ppid ..." where comm may contain spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ppid = Number(fields[1]);
    if (!Number.isInteger(ppid)) continue;
    const list = children.get(ppid);
    if (list) list.push(Number(entry));
    else children.set(ppid, [Number(entry)]);
  }
  const result: number[] = [];
  const queue: Array<[number, number]> = [[rootPid, 0]];
  while (queue.length > 0) {
    const [pid, depth] = queue.shift()!;
    if (depth >= maxDepth) continue;
    for (const child of children.get(pid) ?? []) {
      if (result.includes(child)) continue;
      result.push(child);
      queue.push([child, depth + 1]);
    }
  }
  return result;
}
