import type { z } from "zod";
import { fingerprint } from "../util/fingerprint.ts";
import { createFinding } from "./create-finding.ts";
import type { Finding, Severity } from "./finding.ts";
import { truncate } from "./format.ts";
import { planSarifFix } from "./sarif-fix.ts";
import { resolveSarifPath } from "./sarif-location.ts";
import { SarifLog, SarifResult, SarifRule, SarifRun } from "./sarif-schema.ts";
import { sarifConfidence, sarifSeverity } from "./sarif-severity.ts";

export interface ParseSarifOptions {
  /** Rule-id namespace: findings are `sarif/<tool>/<ruleId>`. Default: the driver's name, lower-cased. */
  tool?: string;
  /** The repository's absolute path(s) as the tool saw it; absolute and file:// URIs are made relative to it. */
  repoRoot?: string | readonly string[];
  /** The scanned text of a repo-relative file, when known: lets column-based fixes become ```suggestion blocks. */
  getFileText?: (path: string) => string | undefined;
  /** Results read per run at most (default 5000); more are reported as a problem. */
  maxResults?: number;
}

export interface ParseSarifResult {
  findings: Finding[];
  /** What could not be used, one line each, saying where (runs[i].results[j]) and why. */
  problems: string[];
}

const DEFAULT_MAX_RESULTS = 5000;
const MAX_TITLE = 150;
const MAX_MESSAGE = 4000;
const MAX_TOOL_NOTIFICATIONS = 5;
/** Keys of (partial)fingerprints that describe a commit or a person, not the code: they change between runs. */
const VOLATILE_FINGERPRINT_KEY = /commit|date|time|author|email|message/i;
/** Semgrep without a login prints this instead of a real match id; it is the same for every result. */
const PLACEHOLDER_FINGERPRINT = /requires login/i;
/** Tools whose every result is a leaked secret: without an explicit level they are high, not SARIF's default warning. */
const SECRET_SCANNER = /gitleaks|trufflehog|detect-secrets|ggshield|secret/i;

/**
 * SARIF 2.1.0 (any tool) -> findings. Validates the structure with zod, leniently: each run and each result is
 * checked on its own, so a malformed one becomes a problem and the rest survive. Never throws.
 *
 * Per result: rule id `sarif/<tool>/<ruleId>`; severity from security-severity, level, problem.severity (see
 * sarifSeverity); confidence from rank/precision; message.text (or markdown, or a messageStrings template with its
 * arguments); the first location's file (uriBaseId, file://, %-encoding, repoRoot handled) and startLine..endLine;
 * `fixes[0]` as the suggestion, and as an exact replacement when it replaces whole lines; the fingerprint from the
 * tool's stable (partial) fingerprints, else the code snippet, else the message, never the line number.
 * Suppressed results (`suppressions`, e.g. `# nosemgrep`), `pass`/`notApplicable` kinds and baseline-`absent` results
 * are skipped. The same result twice on one line is reported once; the same text on another line is a second
 * occurrence with its own fingerprint.
 */
export function parseSarif(json: unknown, opts: ParseSarifOptions = {}): ParseSarifResult {
  const problems: string[] = [];
  let input = json;
  if (typeof input === "string") {
    try {
      input = JSON.parse(input);
    } catch (err) {
      return { findings: [], problems: [`the output is not valid JSON: ${(err as Error).message}`] };
    }
  }
  const log = SarifLog.safeParse(input);
  if (!log.success) {
    return { findings: [], problems: [`not a SARIF log: ${describeIssues(log.error)}`] };
  }
  if (log.data.version !== undefined && log.data.version !== "2.1.0") {
    problems.push(`SARIF version "${log.data.version}" is not 2.1.0; read as 2.1.0`);
  }
  const repoRoots = opts.repoRoot === undefined ? [] : typeof opts.repoRoot === "string" ? [opts.repoRoot] : [...opts.repoRoot];
  const maxResults = opts.maxResults ?? DEFAULT_MAX_RESULTS;
  const byFingerprint = new Map<string, Finding>();
  /** Lines already reported per base fingerprint: the same text flagged on another line is a second occurrence. */
  const occurrences = new Map<string, Set<string>>();

  for (const [runIndex, rawRun] of log.data.runs.entries()) {
    const where = `runs[${runIndex}]`;
    const parsedRun = SarifRun.safeParse(rawRun);
    if (!parsedRun.success) {
      problems.push(`${where}: not a SARIF run: ${describeIssues(parsedRun.error)}`);
      continue;
    }
    const run = parsedRun.data;
    const toolName = run.tool.driver.name;
    const tool = opts.tool ?? slug(toolName);
    problems.push(...toolNotifications(run, toolName, where));

    const rules: (SarifRule | undefined)[] = [];
    const rulesById = new Map<string, SarifRule>();
    for (const [i, rawRule] of (run.tool.driver.rules ?? []).entries()) {
      const rule = SarifRule.safeParse(rawRule);
      if (rule.success) {
        rules.push(rule.data);
        if (!rulesById.has(rule.data.id)) rulesById.set(rule.data.id, rule.data);
      } else {
        rules.push(undefined);
        problems.push(`${where}.tool.driver.rules[${i}]: ignored: ${describeIssues(rule.error)}`);
      }
    }

    const results = run.results ?? [];
    if (results.length > maxResults) problems.push(`${where}: ${results.length} results; only the first ${maxResults} were read`);
    const unplaced = new Map<string, number>();
    for (const [resultIndex, rawResult] of results.slice(0, maxResults).entries()) {
      const at = `${where}.results[${resultIndex}]`;
      const parsed = SarifResult.safeParse(rawResult);
      if (!parsed.success) {
        problems.push(`${at}: ignored: ${describeIssues(parsed.error)}`);
        continue;
      }
      const mapped = mapResult(parsed.data, { run, rules, rulesById, tool, toolName, repoRoots, getFileText: opts.getFileText });
      if (mapped.kind === "skip") continue;
      if (mapped.unplaced) unplaced.set(mapped.unplaced, (unplaced.get(mapped.unplaced) ?? 0) + 1);
      const finding = numberOccurrence(mapped.finding, occurrences);
      if (finding && !byFingerprint.has(finding.fingerprint)) byFingerprint.set(finding.fingerprint, finding);
    }
    for (const [reason, count] of unplaced) {
      problems.push(`${where}: ${count} result${count === 1 ? "" : "s"} could not be placed in the repository (kept without a file): ${reason}`);
    }
  }
  return { findings: [...byFingerprint.values()], problems };
}

interface ResultContext {
  run: SarifRun;
  rules: (SarifRule | undefined)[];
  rulesById: Map<string, SarifRule>;
  tool: string;
  toolName: string;
  repoRoots: readonly string[];
  getFileText: ((path: string) => string | undefined) | undefined;
}

type Mapped = { kind: "skip" } | { kind: "finding"; finding: Finding; unplaced?: string };

function mapResult(result: SarifResult, ctx: ResultContext): Mapped {
  const kind = result.kind?.toLowerCase();
  if (kind === "pass" || kind === "notapplicable") return { kind: "skip" };
  if (result.baselineState === "absent") return { kind: "skip" };
  if ((result.suppressions ?? []).some((s) => (s.status ?? "accepted").toLowerCase() !== "rejected")) return { kind: "skip" };

  const indexed = result.ruleIndex !== undefined ? ctx.rules[result.ruleIndex] : result.rule?.index !== undefined ? ctx.rules[result.rule.index] : undefined;
  const ruleId = result.ruleId ?? result.rule?.id ?? indexed?.id ?? "unknown-rule";
  const rule = ctx.rulesById.get(ruleId) ?? (indexed?.id === ruleId ? indexed : undefined);

  const message = renderMessage(result.message, rule, ctx.run.tool.driver.globalMessageStrings) || rule?.shortDescription?.text || ruleId;
  const physical = result.locations?.[0]?.physicalLocation;
  let path: string | undefined;
  let unplaced: string | undefined;
  if (physical?.artifactLocation) {
    const resolved = resolveSarifPath(physical.artifactLocation, ctx.run, ctx.repoRoots);
    if (resolved.ok) path = resolved.path;
    else unplaced = resolved.reason;
  }
  const region = physical?.region;
  let line = path !== undefined ? positiveInt(region?.startLine) : undefined;
  if (path !== undefined && line === undefined && region?.charOffset !== undefined) line = lineAtOffset(ctx.getFileText?.(path), region.charOffset);
  let endLine = line !== undefined ? positiveInt(region?.endLine) : undefined;
  if (endLine !== undefined && line !== undefined && endLine <= line) endLine = undefined;
  const snippet = region?.snippet?.text;

  const fallback: Severity = SECRET_SCANNER.test(ctx.toolName) ? "high" : "medium";
  const help = rule?.helpUri && /^https:\/\//.test(rule.helpUri) ? `\n\n[Rule documentation](${rule.helpUri})` : "";
  let suggestion: string | undefined;
  let replacement: string | undefined;
  const fix = result.fixes?.[0];
  if (fix) {
    suggestion = renderMessage(fix.description ?? {}, rule, ctx.run.tool.driver.globalMessageStrings) || `Apply the fix ${ctx.toolName} suggests.`;
    if (path !== undefined) {
      const planned = planSarifFix(fix, {
        run: ctx.run,
        repoRoots: ctx.repoRoots,
        path,
        insertedIsWholeLines: /semgrep/i.test(ctx.toolName),
        getFileText: ctx.getFileText,
      });
      if ("plan" in planned && overlaps(planned.plan, line, endLine)) {
        line = planned.plan.line;
        endLine = planned.plan.endLine > planned.plan.line ? planned.plan.endLine : undefined;
        replacement = planned.plan.replacement;
      }
    }
  }

  const finding = createFinding({
    ruleId: `sarif/${ctx.tool}/${ruleId}`,
    source: "sarif",
    severity: sarifSeverity(result, rule, fallback),
    confidence: sarifConfidence(result, rule),
    ...(path !== undefined ? { path } : {}),
    ...(line !== undefined ? { line } : {}),
    ...(endLine !== undefined ? { endLine } : {}),
    title: chooseTitle(rule, ruleId, message, ctx.toolName),
    message: truncate(message.trim(), MAX_MESSAGE) + help,
    ...(suggestion !== undefined ? { suggestion: truncate(suggestion.trim(), MAX_MESSAGE) } : {}),
    ...(replacement !== undefined ? { replacement } : {}),
    trigger: fingerprintTrigger(result, snippet, message),
  });
  return unplaced !== undefined ? { kind: "finding", finding, unplaced } : { kind: "finding", finding };
}

/**
 * Identical text flagged on two lines (two `data[config]()` calls) would share a fingerprint; like CodeQL's
 * `primaryLocationLineHash` ":n" suffix, the second and later occurrences get the occurrence number mixed in.
 * The same result twice on the same line (one secret found in two commits) is a duplicate: undefined.
 */
function numberOccurrence(finding: Finding, occurrences: Map<string, Set<string>>): Finding | undefined {
  const where = `${finding.line ?? ""}-${finding.endLine ?? ""}`;
  const seen = occurrences.get(finding.fingerprint);
  if (!seen) {
    occurrences.set(finding.fingerprint, new Set([where]));
    return finding;
  }
  if (seen.has(where)) return undefined;
  seen.add(where);
  return { ...finding, fingerprint: fingerprint(finding.fingerprint, `occurrence ${seen.size}`) };
}

/** The fix's lines must touch the result's lines (or the result has none): a fix elsewhere is not placed inline. */
function overlaps(plan: { line: number; endLine: number }, line: number | undefined, endLine: number | undefined): boolean {
  if (line === undefined) return true;
  const end = endLine ?? line;
  return plan.line <= end && plan.endLine >= line;
}

/** message.text, else markdown, else the rule's (or driver's) messageStrings template; {n} filled from arguments; CodeQL's [text](n) links flattened. */
function renderMessage(
  message: { text?: string | undefined; markdown?: string | undefined; id?: string | undefined; arguments?: unknown[] | undefined },
  rule: SarifRule | undefined,
  globalStrings: Record<string, { text?: string | undefined; markdown?: string | undefined }> | undefined,
): string {
  let text = message.text ?? message.markdown;
  if (text === undefined && message.id !== undefined) {
    const template = rule?.messageStrings?.[message.id] ?? globalStrings?.[message.id];
    text = template?.text ?? template?.markdown;
  }
  if (text === undefined) return "";
  const args = message.arguments ?? [];
  return text
    .replace(/\{(\d+)\}/g, (whole, n: string) => (args[Number(n)] !== undefined ? String(args[Number(n)]) : whole))
    .replace(/\[([^\]\n]+)\]\((\d+)\)/g, "$1")
    .trim();
}

function chooseTitle(rule: SarifRule | undefined, ruleId: string, message: string, toolName: string): string {
  const propertyName = rule?.properties?.name;
  const candidates = [rule?.shortDescription?.text, rule?.name, typeof propertyName === "string" ? propertyName : undefined, firstSentence(message)];
  for (const candidate of candidates) {
    const text = candidate?.replace(/\s+/g, " ").trim();
    if (!text || text.length > MAX_TITLE) continue;
    if (text.toLowerCase().includes(ruleId.toLowerCase())) continue;
    if (/^[\w./:@-]+$/.test(text)) continue; // an identifier ("blacklist", "py/unused-import"), not a description
    if (/\\[bdswBDSW]|\(\?[imsx-]|\]\{|\{\d+(,\d*)?\}|\[\^/.test(text)) continue; // a regular expression (gitleaks)
    return text;
  }
  return `${toolName}: ${ruleId}`;
}

function firstSentence(text: string): string {
  const first = text.split(/\r?\n/)[0] ?? "";
  const match = /^(.*?[.!?])(\s|$)/.exec(first);
  return truncate((match?.[1] ?? first).trim(), MAX_TITLE);
}

/** Stable (partial) fingerprints when the tool gives real ones, else the flagged code, else the message. */
function fingerprintTrigger(result: SarifResult, snippet: string | undefined, message: string): string {
  const parts: string[] = [];
  for (const bag of [result.partialFingerprints, result.fingerprints]) {
    for (const [key, value] of Object.entries(bag ?? {})) {
      if (typeof value !== "string" && typeof value !== "number") continue;
      const text = String(value).trim();
      if (text === "" || VOLATILE_FINGERPRINT_KEY.test(key) || PLACEHOLDER_FINGERPRINT.test(text)) continue;
      parts.push(`${key}=${text}`);
    }
  }
  if (parts.length > 0) return parts.sort().join("\n");
  if (snippet !== undefined && snippet.trim() !== "") return snippet;
  return message;
}

function positiveInt(value: number | undefined): number | undefined {
  return value !== undefined && Number.isInteger(value) && value >= 1 ? value : undefined;
}

function lineAtOffset(text: string | undefined, offset: number): number | undefined {
  if (text === undefined || !Number.isInteger(offset) || offset < 0 || offset > text.length) return undefined;
  let line = 1;
  for (let i = text.indexOf("\n"); i >= 0 && i < offset; i = text.indexOf("\n", i + 1)) line++;
  return line;
}

function toolNotifications(run: SarifRun, toolName: string, where: string): string[] {
  const out: string[] = [];
  const errors: string[] = [];
  for (const invocation of run.invocations ?? []) {
    if (invocation.executionSuccessful === false) out.push(`${where}: ${toolName} reports that its run did not complete successfully`);
    for (const n of [...(invocation.toolExecutionNotifications ?? []), ...(invocation.toolConfigurationNotifications ?? [])]) {
      if (n.level?.toLowerCase() !== "error") continue;
      const text = n.message?.text ?? n.message?.markdown ?? n.descriptor?.id ?? "an error without a message";
      errors.push(truncate(text.replace(/\s+/g, " ").trim(), 300));
    }
  }
  for (const e of errors.slice(0, MAX_TOOL_NOTIFICATIONS)) out.push(`${where}: ${toolName} reported an error: ${e}`);
  if (errors.length > MAX_TOOL_NOTIFICATIONS) out.push(`${where}: ${toolName} reported ${errors.length - MAX_TOOL_NOTIFICATIONS} more errors`);
  return out;
}

function slug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9._-]+/g, "-").replace(/^-+|-+$/g, "") || "tool";
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join(".") : "(root)"}: ${issue.message}`)
    .join("; ");
}
