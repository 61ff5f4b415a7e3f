#!/usr/bin/env node
/**
 * Vendors gitleaks' secret rules (https://github.com/gitleaks/gitleaks, MIT licence) into
 * src/util/gitleaks-rules.ts, converted from Go's RE2 syntax to JavaScript regular expressions.
 *
 *   node scripts/refresh-gitleaks-rules.mjs path/to/gitleaks.toml [commit]
 *
 * Take config/gitleaks.toml from a gitleaks checkout (the file is generated upstream from
 * cmd/generate/config). Rules the hand-kept list in src/util/redact.ts already covers (same id, or listed in
 * SKIP) are left out, and so are path-only rules and rules limited to some paths or match targets. A rule whose regex does not compile in JavaScript after
 * conversion is reported and left out. Rule-level allow-lists (stopwords, regexes) are not taken: Moderator's
 * own allow-list (src/qa/secret-allowlist.ts) applies to every rule.
 */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const [tomlPath, commit = "unknown"] = process.argv.slice(2);
if (!tomlPath) {
  process.stderr.write("usage: node scripts/refresh-gitleaks-rules.mjs path/to/gitleaks.toml [commit]\n");
  process.exit(2);
}
/** Covered better by hand-kept patterns (a private key needs a body there) or too noisy for a review. */
const SKIP = new Set(["generic-api-key", "private-key"]);
const handKept = new Set([...readFileSync(path.join(root, "src/util/redact.ts"), "utf8").matchAll(/^\s+id: "([^"]+)",$/gm)].map((m) => m[1]));

/** The subset of TOML gitleaks.toml uses: [[rules]] tables with strings, '''literals''', numbers and string arrays. */
function parseRules(text) {
  const rules = [];
  let current;
  let inRule = false;
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (/^\s*#/.test(line) || line.trim() === "") continue;
    const table = /^\s*\[\[?([^\]]+)\]\]?\s*$/.exec(line);
    if (table) {
      inRule = table[1] === "rules";
      if (inRule) rules.push((current = {}));
      continue;
    }
    if (!inRule) continue;
    const kv = /^\s*(\w+)\s*=\s*(.*)$/.exec(line);
    if (!kv) continue;
    let [, key, raw] = kv;
    if (raw.startsWith("[") && !raw.trimEnd().endsWith("]")) {
      while (!raw.trimEnd().endsWith("]") && i + 1 < lines.length) raw += lines[++i];
    }
    current[key] = value(raw.trim(), key);
  }
  return rules;
}

function value(raw, key) {
  if (raw.startsWith("'''")) return raw.slice(3, raw.lastIndexOf("'''"));
  if (raw.startsWith('"')) return JSON.parse(raw);
  if (raw.startsWith("'")) return raw.slice(1, raw.lastIndexOf("'"));
  if (raw.startsWith("[")) return [...raw.matchAll(/'''([^']*)'''|"((?:[^"\\]|\\.)*)"|'([^']*)'/g)].map((m) => m[1] ?? (m[2] !== undefined ? JSON.parse(`"${m[2]}"`) : m[3]));
  const n = Number(raw);
  if (Number.isFinite(n)) return n;
  throw new Error(`cannot read ${key} = ${raw}`);
}

/** RE2 -> JavaScript: inline flags become regex flags, (?P<n> becomes (?<n>, \z becomes $, POSIX classes become ranges. */
function convert(source) {
  let flags = "";
  let s = source;
  if (/\(\?i\)|\(\?i:/.test(s)) flags += "i";
  if (/\(\?s\)|\(\?s:/.test(s)) flags += "s";
  s = s.replaceAll("(?i)", "").replaceAll("(?s)", "").replaceAll("(?i:", "(?:").replaceAll("(?s:", "(?:");
  // (?-i:...) cannot be expressed in JavaScript: the group matches case-insensitively too (a little broader).
  s = s.replaceAll("(?-i:", "(?:").replaceAll("(?P<", "(?<");
  s = s.replaceAll("\\z", "$");
  // A leading lazy `[\w.-]{0,50}?` only widens the match to the left of the keyword (it may match nothing, so it
  // never decides whether there is a match, nor the secret group): dropping it keeps the secrets found and spares
  // a 50-character attempt at every position.
  s = s.replace(/^\[\\w\.-\]\{0,50\}\?/, "");
  s = s.replaceAll("[[:alnum:]]", "[a-zA-Z0-9]").replaceAll("[:alnum:]", "a-zA-Z0-9").replaceAll("[[:alpha:]]", "[a-zA-Z]").replaceAll("[[:digit:]]", "[0-9]");
  return { source: s, flags };
}

const text = readFileSync(tomlPath, "utf8");
const out = [];
const skipped = [];
for (const rule of parseRules(text)) {
  if (!rule.id || !rule.regex) {
    if (rule.id) skipped.push(`${rule.id}: no regex (path rule)`);
    continue;
  }
  if (rule.path || rule.regexTarget) {
    skipped.push(`${rule.id}: applies only to some paths or match targets, which one rule set for detection and redaction cannot honour`);
    continue;
  }
  if (SKIP.has(rule.id) || handKept.has(rule.id)) {
    skipped.push(`${rule.id}: covered by the hand-kept patterns`);
    continue;
  }
  const { source, flags } = convert(rule.regex);
  try {
    new RegExp(source, `${flags}g`);
  } catch (error) {
    skipped.push(`${rule.id}: does not compile in JavaScript (${error.message})`);
    continue;
  }
  out.push({
    id: rule.id,
    source,
    flags,
    keywords: (rule.keywords ?? []).map((k) => k.toLowerCase()),
    ...(rule.secretGroup ? { secretGroup: rule.secretGroup } : {}),
    ...(rule.entropy ? { entropy: rule.entropy } : {}),
  });
}
const header = `// Generated by scripts/refresh-gitleaks-rules.mjs from gitleaks' config/gitleaks.toml (commit ${commit}).
// Do not edit by hand: run the script again. The rules are gitleaks' (https://github.com/gitleaks/gitleaks),
// under the MIT licence: see gitleaks-rules.LICENSE next to this file.

/** One gitleaks rule, its regex converted to JavaScript. The secret is capture group \`secretGroup\` (default 1, or the whole match). */
export interface GitleaksRule {
  id: string;
  source: string;
  flags: string;
  keywords: readonly string[];
  secretGroup?: number;
  /** Minimum Shannon entropy of the secret. */
  entropy?: number;
}

export const GITLEAKS_RULES: readonly GitleaksRule[] = `;
writeFileSync(path.join(root, "src/util/gitleaks-rules.ts"), `${header}${JSON.stringify(out, null, 2)};\n`);
process.stdout.write(`wrote ${out.length} rules to src/util/gitleaks-rules.ts; left out ${skipped.length}:\n${skipped.map((s) => `  ${s}`).join("\n")}\n`);
