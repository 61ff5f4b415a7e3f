/**
 * What grew between two heap snapshots of one process (V8's .heapsnapshot JSON, e.g. from memory-probe.ts):
 * the objects alive in the second that were not in the first (V8 keeps node ids stable within a process), counted
 * and summed by constructor (or by type for strings, code, arrays...), largest first, each with one retainer path
 * of a sample object. It prints, it never asserts.
 *
 *   node dist/bench/soak/diff-heap-snapshots.js <before.heapsnapshot> <after.heapsnapshot> [--top 25] [--path-depth 8]
 *   node dist/bench/soak/diff-heap-snapshots.js <one.heapsnapshot>      (what the heap holds, by constructor)
 */
import { readFileSync } from "node:fs";

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]]; edge_fields: string[]; edge_types: [string[], ...unknown[]] } };
  nodes: number[];
  edges: number[];
  strings: string[];
}

interface Parsed {
  raw: Snapshot;
  nodeFieldCount: number;
  edgeFieldCount: number;
  f: Record<string, number>;
  e: Record<string, number>;
  nodeTypes: string[];
  edgeTypes: string[];
  count: number;
  /** Index (in nodes/edgeFieldCount units) of each node's first edge. */
  firstEdge: Uint32Array;
}

function parse(file: string): Parsed {
  const raw = JSON.parse(readFileSync(file, "utf8")) as Snapshot;
  const meta = raw.snapshot.meta;
  const f = Object.fromEntries(meta.node_fields.map((n, i) => [n, i]));
  const e = Object.fromEntries(meta.edge_fields.map((n, i) => [n, i]));
  const nodeFieldCount = meta.node_fields.length;
  const count = raw.nodes.length / nodeFieldCount;
  const firstEdge = new Uint32Array(count + 1);
  for (let i = 0, edge = 0; i < count; i++) {
    firstEdge[i] = edge;
    edge += raw.nodes[i * nodeFieldCount + f["edge_count"]!]! * meta.edge_fields.length;
  }
  firstEdge[count] = raw.edges.length;
  return { raw, nodeFieldCount, edgeFieldCount: meta.edge_fields.length, f, e, nodeTypes: meta.node_types[0], edgeTypes: meta.edge_types[0], count, firstEdge };
}

const at = (p: Parsed, i: number, field: string) => p.raw.nodes[i * p.nodeFieldCount + p.f[field]!]!;
const typeOf = (p: Parsed, i: number) => p.nodeTypes[at(p, i, "type")]!;
const nameOf = (p: Parsed, i: number) => p.raw.strings[at(p, i, "name")]!;

/** A group key: the constructor for objects and closures, the type (with a short name) for the rest. */
function groupOf(p: Parsed, i: number): string {
  const type = typeOf(p, i);
  const name = nameOf(p, i);
  if (type === "object" || type === "native") return name;
  if (type === "closure") return `(closure) ${name || "anonymous"}`;
  if (type === "string" || type === "concatenated string" || type === "sliced string") return "(string)";
  if (type === "code") return "(code)";
  if (type === "hidden" || type === "array" || type === "object shape") return `(${type}) ${name.slice(0, 40)}`;
  return `(${type})`;
}

function main(): void {
  const argv = process.argv.slice(2);
  const files = argv.filter((a, i) => !a.startsWith("--") && !argv[i - 1]?.startsWith("--"));
  const num = (name: string, fallback: number) => (argv.includes(name) ? Number(argv[argv.indexOf(name) + 1]) : fallback);
  const top = num("--top", 25);
  const depth = num("--path-depth", 8);
  if (files.length === 1) {
    const one = parse(files[0]!);
    const groups = new Map<string, { count: number; size: number }>();
    for (let i = 0; i < one.count; i++) {
      const key = groupOf(one, i);
      const g = groups.get(key) ?? { count: 0, size: 0 };
      g.count++;
      g.size += at(one, i, "self_size");
      groups.set(key, g);
    }
    const all = [...groups.values()].reduce((s, g) => s + g.size, 0);
    console.log(`heap (self sizes): ${(all / 1024 / 1024).toFixed(1)} MB`);
    for (const [key, g] of [...groups.entries()].sort((a, b) => b[1].size - a[1].size).slice(0, top)) {
      console.log(`${key.slice(0, 60).padEnd(60)} ${String(g.count).padStart(8)} ${(g.size / 1024).toFixed(0).padStart(9)} KB`);
    }
    return;
  }
  if (files.length !== 2) {
    console.error("usage: diff-heap-snapshots <before.heapsnapshot> [<after.heapsnapshot>] [--top 25] [--path-depth 8]");
    process.exit(2);
  }
  const before = parse(files[0]!);
  const after = parse(files[1]!);
  const oldIds = new Set<number>();
  for (let i = 0; i < before.count; i++) oldIds.add(at(before, i, "id"));
  let total = 0;
  for (let i = 0; i < before.count; i++) total += at(before, i, "self_size");
  let totalAfter = 0;

  // Retainers of every node of the second snapshot (for the sample paths).
  const retainers: Array<Array<[number, number]>> = Array.from({ length: after.count }, () => []);
  const groups = new Map<string, { count: number; size: number; sample: number }>();
  for (let i = 0; i < after.count; i++) {
    totalAfter += at(after, i, "self_size");
    for (let edge = after.firstEdge[i]!; edge < after.firstEdge[i + 1]!; edge += after.edgeFieldCount) {
      const to = after.raw.edges[edge + after.e["to_node"]!]! / after.nodeFieldCount;
      const edgeType = after.edgeTypes[after.raw.edges[edge + after.e["type"]!]!]!;
      if (edgeType !== "weak") retainers[to]!.push([i, edge]);
    }
    if (oldIds.has(at(after, i, "id"))) continue;
    const key = groupOf(after, i);
    const g = groups.get(key) ?? { count: 0, size: 0, sample: i };
    g.count++;
    g.size += at(after, i, "self_size");
    groups.set(key, g);
  }
  const edgeName = (edge: number) => {
    const type = after.edgeTypes[after.raw.edges[edge + after.e["type"]!]!]!;
    const nameOrIndex = after.raw.edges[edge + after.e["name_or_index"]!]!;
    return type === "element" || type === "hidden" ? `[${nameOrIndex}]` : `.${after.raw.strings[nameOrIndex]}`;
  };
  /** One retainer path from a node up towards a GC root, avoiding cycles, preferring non-internal retainers. */
  const pathOf = (start: number): string => {
    const seen = new Set<number>([start]);
    const parts: string[] = [];
    let node = start;
    for (let d = 0; d < depth; d++) {
      const options = retainers[node]!.filter(([from]) => !seen.has(from));
      const pick = options.find(([from]) => typeOf(after, from) !== "hidden" && typeOf(after, from) !== "synthetic") ?? options[0];
      if (!pick) break;
      const [from, edge] = pick;
      parts.push(`${groupOf(after, from)}${edgeName(edge)}`);
      seen.add(from);
      node = from;
    }
    return parts.join(" ← ");
  };

  const MB = 1024 * 1024;
  // Net change by group (count and size in each snapshot): what the "new objects" list shows minus what died.
  const net = new Map<string, { count: number; size: number }>();
  const tally = (p: Parsed, sign: 1 | -1) => {
    for (let i = 0; i < p.count; i++) {
      const key = groupOf(p, i);
      const g = net.get(key) ?? { count: 0, size: 0 };
      g.count += sign;
      g.size += sign * at(p, i, "self_size");
      net.set(key, g);
    }
  };
  tally(after, 1);
  tally(before, -1);
  console.log(`${"net change by constructor".padEnd(60)} ${"count".padStart(8)} ${"KB".padStart(9)}`);
  for (const [key, g] of [...net.entries()].sort((a, b) => b[1].size - a[1].size).slice(0, top)) {
    console.log(`${key.slice(0, 60).padEnd(60)} ${(g.count >= 0 ? "+" : "") + String(g.count)}`.padEnd(70) + ` ${(g.size / 1024).toFixed(0).padStart(9)}`);
  }
  console.log("");
  const sorted = [...groups.entries()].sort((a, b) => b[1].size - a[1].size);
  const newSize = sorted.reduce((s, [, g]) => s + g.size, 0);
  console.log(`heap (self sizes): ${(total / MB).toFixed(1)} MB → ${(totalAfter / MB).toFixed(1)} MB; objects new in the second: ${(newSize / MB).toFixed(2)} MB`);
  console.log(`${"new objects by constructor".padEnd(60)} ${"count".padStart(8)} ${"KB".padStart(9)}   sample retainers`);
  for (const [key, g] of sorted.slice(0, top)) {
    console.log(`${key.slice(0, 60).padEnd(60)} ${String(g.count).padStart(8)} ${(g.size / 1024).toFixed(0).padStart(9)}   ${pathOf(g.sample)}`);
  }
}

main();
