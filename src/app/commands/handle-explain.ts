import { renderExplain, renderNotInFindingThread, renderRuleExplanation, type ExplainedFinding } from "../../render/render-explain.ts";
import type { ParsedCommand } from "../parse-command.ts";
import type { CommandContext } from "./command-context.ts";
import { describeRule } from "./describe-rule.ts";
import { findCommandThread } from "./find-command-thread.ts";
import { findFindingsByFingerprint } from "./find-findings-by-fingerprint.ts";
import { postReply } from "./post-reply.ts";

/**
 * `/moderator explain` in a finding's review thread: why each finding marked in the thread's root was raised
 * (rule and its doc, severity, confidence, source, message, fix, how to dismiss). `/moderator explain <rule-id>`
 * outside one: what the rule looks for. Anywhere else: a short reply saying where it works.
 */
export async function handleExplain(ctx: CommandContext, command: ParsedCommand & { ok: true }): Promise<string> {
  const { thread, threads } = await findCommandThread(ctx);
  const fingerprints = thread?.fingerprints ?? [];
  const ruleArg = command.args.trim().split(/\s+/)[0] ?? "";

  if (fingerprints.length === 0) {
    const doc = ruleArg === "" ? undefined : describeRule(ruleArg);
    if (doc !== undefined) {
      await postReply(ctx, renderRuleExplanation(ruleArg, doc), { threads });
      return `explain: rule ${ruleArg}`;
    }
    await postReply(ctx, renderNotInFindingThread("explain", ruleArg === "" ? undefined : ruleArg), { threads });
    return ruleArg === "" ? "explain: not in a finding's thread" : `explain: unknown rule ${ruleArg.slice(0, 100)}`;
  }

  const records = await findFindingsByFingerprint(ctx.store.prisma, ctx.repositoryId, fingerprints);
  const findings: ExplainedFinding[] = [];
  const unknown: string[] = [];
  for (const fp of fingerprints) {
    const record = records.get(fp);
    if (record === undefined) {
      unknown.push(fp);
      continue;
    }
    const row = record.latest;
    const ruleDoc = describeRule(row.ruleId);
    findings.push({
      fingerprint: fp,
      ruleId: row.ruleId,
      ...(ruleDoc === undefined ? {} : { ruleDoc }),
      severity: row.severity,
      confidence: row.confidence,
      source: row.source,
      title: row.title,
      message: row.message,
      suggestion: row.suggestion,
      path: row.path,
      line: row.line,
      status: record.statuses.includes("dismissed") ? "dismissed" : row.status,
      runs: record.runs,
      firstSeen: record.firstSeen,
    });
  }
  await postReply(ctx, renderExplain({ findings, unknown }), { threads });
  return findings.length === 0 ? "explain: no stored finding" : `explain: ${findings.map((f) => f.ruleId).join(", ")}`;
}
