import { inlineCode } from "../../qa/format.ts";
import { quoteUserText } from "./quote-user-text.ts";

export interface DismissReplyInput {
  /** Rule ids of the dismissed findings, in thread order. */
  ruleIds: string[];
  /** The maintainer's reason (their text, quoted safely); "" for none. */
  reason: string;
  /** Login of the maintainer who dismissed. */
  actor: string;
  /** Fingerprints marked in the thread that have no stored finding (so nothing could be recorded for them). */
  unknown: string[];
  /** Why the thread could not be resolved, when resolving failed. */
  resolveError?: string;
}

/** The reply to `/moderator dismiss`: what was dismissed, the quoted reason, and anything that did not work. Pure. */
export function renderDismissReply(input: DismissReplyInput): string {
  const out: string[] = [];
  if (input.ruleIds.length > 0) {
    const rules = [...new Set(input.ruleIds)].map((r) => inlineCode(r)).join(", ");
    out.push(`Dismissed; Moderator will not raise this again on this repository (${rules}, dismissed by \`${quoteUserText(input.actor, { max: 100, inCode: true })}\`).`);
    const reason = quoteUserText(input.reason);
    if (reason !== "") {
      out.push("");
      out.push(`> ${reason}`);
    }
  }
  for (const fp of input.unknown) {
    if (out.length > 0) out.push("");
    out.push(`Moderator has no stored record of finding ${inlineCode(fp)} on this repository, so it could not dismiss it.`);
  }
  if (input.resolveError !== undefined) {
    out.push("");
    out.push(`The dismissal is recorded, but this thread could not be resolved (${quoteUserText(input.resolveError, { max: 300 })}); please resolve it by hand.`);
  }
  return out.join("\n");
}
