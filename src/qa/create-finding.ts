import { fingerprint } from "../util/fingerprint.ts";
import { redactSecrets } from "../util/redact.ts";
import type { Finding, FindingSource } from "./finding.ts";

export type FindingDraft = Omit<Finding, "source" | "fingerprint"> & {
  source?: FindingSource;
  /**
   * The normalized content that triggered the finding (e.g. the offending line's text, a package name).
   * Fingerprint = rule + path + trigger; never a line number, so moving code keeps the fingerprint.
   */
  trigger: string;
};

/**
 * Build a Finding: fingerprint from rule + path + trigger, and every text field passed through
 * secret redaction (defense in depth: nothing a finding carries may leak a credential).
 */
export function createFinding(draft: FindingDraft): Finding {
  const { trigger, source, ...rest } = draft;
  const finding: Finding = {
    ...rest,
    source: source ?? "analyzer",
    confidence: Math.min(1, Math.max(0, rest.confidence)),
    title: redactSecrets(rest.title),
    message: redactSecrets(rest.message),
    fingerprint: fingerprint(rest.ruleId, rest.path ?? "", redactSecrets(trigger)),
  };
  if (rest.suggestion !== undefined) finding.suggestion = redactSecrets(rest.suggestion);
  if (rest.replacement !== undefined) finding.replacement = redactSecrets(rest.replacement);
  return finding;
}
