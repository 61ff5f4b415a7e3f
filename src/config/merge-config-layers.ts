import type { z } from "zod";
import { RepoConfig, type RepoConfigResult } from "./repo-config.ts";

/** One parsed configuration file; `source` names it in problems (undefined = the repository's own file). */
export interface ConfigLayer {
  source: string | undefined;
  value: Record<string, unknown>;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** `over` on top of `base`: objects merge key by key, anything else (arrays included) is replaced. */
function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = isPlainObject(b) && isPlainObject(v) ? deepMerge(b, v) : v;
  }
  return out;
}

function has(value: unknown, path: readonly PropertyKey[]): boolean {
  let cur = value;
  for (const key of path) {
    if (!isPlainObject(cur) && !Array.isArray(cur)) return false;
    const obj = cur as Record<PropertyKey, unknown>;
    if (!Object.prototype.hasOwnProperty.call(obj, key)) return false;
    cur = obj[key];
  }
  return true;
}

/** The layer a problem at `path` comes from: the closest one holding the path (or its longest prefix). */
function locate(layers: readonly ConfigLayer[], path: readonly PropertyKey[]): string | undefined {
  for (let len = path.length; len >= 0; len--) {
    const found = layers.find((l) => has(l.value, path.slice(0, len)));
    if (found && len > 0) return found.source;
  }
  return layers[0]?.source;
}

/** "where (in source): message" for a problem line "where: message". */
export function nameSource(problem: string, source: string | undefined): string {
  if (source === undefined) return problem;
  const i = problem.indexOf(": ");
  return i > 0 ? `${problem.slice(0, i)} (in ${source}): ${problem.slice(i + 2)}` : `${problem} (in ${source})`;
}

function issueLine(issue: z.core.$ZodIssue, layers: readonly ConfigLayer[]): string {
  const keys = issue.code === "unrecognized_keys" ? issue.keys : [];
  const path = keys.length > 0 ? [...issue.path, keys[0] as string] : issue.path;
  const where = issue.path.length > 0 ? issue.path.map(String).join(".") : "(root)";
  return nameSource(`${where}: ${issue.message}`, locate(layers, path));
}

/**
 * The repository configuration from its layers, the closest first (the repository's file, then what it
 * `_extends`, ...): deep-merged before validation, each problem naming the file it comes from. Pure.
 */
export function mergeConfigLayers(layers: readonly ConfigLayer[]): RepoConfigResult {
  const merged = [...layers].reverse().reduce<Record<string, unknown>>((acc, l) => deepMerge(acc, l.value), {});
  const parsed = RepoConfig.safeParse(merged);
  if (parsed.success) return { ok: true, config: parsed.data };
  const rawLabel = typeof merged["label"] === "string" ? merged["label"] : undefined;
  return { ok: false, problems: parsed.error.issues.map((i) => issueLine(i, layers)), ...(rawLabel ? { rawLabel } : {}) };
}
