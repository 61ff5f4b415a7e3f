/**
 * One regex that matches where any of `regexes` matches: a prefilter for a family of patterns tried one by one
 * (a line it does not match is skipped without trying each). Undefined when the family cannot be joined exactly:
 * different flags, or backreferences (whose group numbers would shift). The g and y flags are dropped.
 */
export function unionRegex(regexes: readonly RegExp[]): RegExp | undefined {
  if (regexes.length === 0) return undefined;
  const flags = new Set(regexes.map((r) => r.flags.replace(/[gy]/g, "")));
  if (flags.size !== 1 || regexes.some((r) => /\\[1-9k]/.test(r.source))) return undefined;
  return new RegExp(regexes.map((r) => `(?:${r.source})`).join("|"), [...flags][0]);
}
