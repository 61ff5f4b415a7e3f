import type { PeerDecision } from "../qa/decide-peer-verdict.ts";
import type { Finding } from "../qa/finding.ts";
import { describeFinding, formatConfidence, listSome, oneLine } from "./decision-format.ts";

export interface AskQuestionInput {
  /** Why the run asks, most pressing first: a peer's blocker, a blocking finding, or low confidence. */
  trigger: "peer-blocker" | "blocking-finding" | "low-confidence";
  peer?: PeerDecision | undefined;
  /** The most severe finding at or above `decision.blockOn`, for `blocking-finding`. */
  blocking?: Finding | undefined;
  confidencePoints: number;
  /** The score's explanation, largest effect first (sentences without their effect). */
  topReasons: readonly string[];
  /** The model's own clarifying question (self-assessment), used when the run asks for lack of confidence. */
  modelQuestion?: string | undefined;
}

const MAX_QUESTION_CHARS = 600;

/**
 * The one concrete question the maintainer is asked. Pure.
 * - peer-blocker: quotes the blocker and asks whether to go ahead or what to change;
 * - blocking-finding: names the finding and where it is (a hard-coded secret gets its own question: real or a test value?);
 * - low-confidence: the model's question when it asked one, otherwise the two biggest reasons and "go ahead, or clarify?".
 */
export function buildAskQuestion(input: AskQuestionInput): string {
  switch (input.trigger) {
    case "peer-blocker": {
      const said = input.peer && input.peer.reasons.length > 0 ? `: ${listSome(input.peer.reasons.map((r) => oneLine(r, 240)), 2)}` : "";
      return clip(`A peer reviewer raised a blocker${said}. Should Moderator go ahead with this change as it is, or what should change first?`);
    }
    case "blocking-finding": {
      const f = input.blocking;
      if (!f) return clip(`QA found a problem severe enough to stop. Should Moderator go ahead with this change as it is, or what should change first?`);
      if (f.ruleId === "secrets/hardcoded") {
        return clip(`QA found what looks like a hard-coded secret: ${describeFinding(f)}. Is it a real credential (then it must be removed and rotated) or a harmless test value?`);
      }
      return clip(`QA found a ${f.severity}-severity problem: ${describeFinding(f)}. Is this acceptable, or what should change before the pull request is opened?`);
    }
    case "low-confidence": {
      const own = input.modelQuestion?.trim();
      if (own) return clip(oneLine(own, MAX_QUESTION_CHARS));
      const why = input.topReasons.length > 0 ? `: ${input.topReasons.slice(0, 2).map((r) => oneLine(r, 240)).join("; ")}` : "";
      return clip(
        `Moderator is unsure about this change (confidence ${formatConfidence(input.confidencePoints)})${why}. Should it open the pull request anyway, or can you say more about what the issue needs?`,
      );
    }
  }
}

function clip(text: string): string {
  return oneLine(text, MAX_QUESTION_CHARS);
}
