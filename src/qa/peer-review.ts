import type { AgentResult } from "../backends/backend.ts";
import type { Finding } from "./finding.ts";

/** What a peer said about the change. */
export type PeerOpinion = "approve" | "concern" | "blocker";

/**
 * One peer backend's review. `unparseable` (no valid JSON verdict in its final message) and `failed` (the agent
 * crashed, timed out, or could not start) are no opinion: decidePeerVerdict counts them, never acts on them.
 */
export interface PeerReview {
  /** The backend's name in the operator config. */
  peer: string;
  verdict: PeerOpinion | "unparseable" | "failed";
  /** The peer's one-paragraph summary, when it gave one (redacted). */
  summary?: string;
  /** Its findings, placed on the diff (source `peer`, rule id `peer/<peer>`). */
  findings: Finding[];
  /** Why the verdict is unparseable or failed, and anything else worth knowing; one line each. */
  problems: string[];
  /** The agent's own status; `not_started` when the review could not be set up. */
  status: AgentResult["status"] | "not_started";
  durationMs: number;
  usage: AgentResult["usage"];
}
