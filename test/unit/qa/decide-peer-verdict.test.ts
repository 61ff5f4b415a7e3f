import { describe, expect, it } from "vitest";
import { decidePeerVerdict, type PeerAction } from "../../../src/qa/decide-peer-verdict.ts";
import type { PeerReview } from "../../../src/qa/peer-review.ts";
import { extractPeerVerdict } from "../../../src/qa/peer-verdict.ts";

type Verdict = PeerReview["verdict"];
const reviews = (...verdicts: Verdict[]) => verdicts.map((verdict, i) => ({ peer: `peer${i + 1}`, verdict }));

describe("decidePeerVerdict: the fixed tree", () => {
  it.each<[string, Verdict[], PeerAction]>([
    ["no peers", [], "none"],
    ["one approval", ["approve"], "none"],
    ["all approve", ["approve", "approve", "approve"], "none"],
    ["one concern", ["concern"], "comment"],
    ["one concern among approvals", ["approve", "concern", "approve"], "comment"],
    ["two concerns", ["concern", "concern"], "draft_and_ask"],
    ["three concerns", ["concern", "concern", "concern"], "draft_and_ask"],
    ["a blocker alone", ["blocker"], "request_changes_and_ask_human"],
    ["a blocker beats two concerns", ["concern", "blocker", "concern"], "request_changes_and_ask_human"],
    ["a blocker beats approvals", ["approve", "approve", "blocker"], "request_changes_and_ask_human"],
    ["unparseable is no opinion", ["unparseable"], "none"],
    ["failed is no opinion", ["failed", "failed"], "none"],
    ["no opinions do not add up to concerns", ["concern", "unparseable", "failed"], "comment"],
    ["two concerns with silent peers", ["concern", "failed", "concern", "unparseable"], "draft_and_ask"],
  ])("%s -> %s", (_label, verdicts, action) => {
    expect(decidePeerVerdict(reviews(...verdicts)).action).toBe(action);
  });

  it("reasons name the peers that drove the action, with their summaries", () => {
    const decision = decidePeerVerdict([
      { peer: "codex", verdict: "blocker", summary: "Deletes the migration\nwithout a replacement." },
      { peer: "gemini", verdict: "concern", summary: "Naming." },
      { peer: "claude", verdict: "blocker" },
    ]);
    expect(decision.reasons).toEqual(["codex: blocker: Deletes the migration without a replacement.", "claude: blocker"]);
    expect(decision.summary).toBe(
      "3 peers reviewed this change: 2 blockers (codex, claude), 1 concern (gemini). A blocker was raised, so changes are requested and a maintainer must decide.",
    );
  });

  it("summaries say what happened, including who gave no opinion", () => {
    expect(decidePeerVerdict([]).summary).toBe("No peer reviewed this change.");
    expect(decidePeerVerdict(reviews("approve", "approve")).summary).toBe("2 peers reviewed this change: 2 approvals (peer1, peer2). All peers approve.");
    expect(decidePeerVerdict(reviews("unparseable", "failed")).summary).toBe(
      "2 peers reviewed this change: 2 without an opinion (peer1: no usable verdict; peer2: review failed). No peer gave an opinion, so the peer review says nothing about this change.",
    );
    expect(decidePeerVerdict(reviews("approve", "unparseable")).summary).toBe(
      "2 peers reviewed this change: 1 approval (peer1), 1 without an opinion (peer2: no usable verdict). No blocker or concern was raised.",
    );
    expect(decidePeerVerdict(reviews("concern", "concern")).summary).toBe(
      "2 peers reviewed this change: 2 concerns (peer1, peer2). Several peers have concerns, so the pull request is a draft until a maintainer answers.",
    );
    expect(decidePeerVerdict(reviews("approve", "concern")).summary).toBe(
      "2 peers reviewed this change: 1 concern (peer2), 1 approval (peer1). One peer has a concern; it is noted for the maintainer.",
    );
    expect(decidePeerVerdict(reviews("approve")).reasons).toEqual([]);
  });

  it("long summaries are cut in the reasons", () => {
    const decision = decidePeerVerdict([{ peer: "p", verdict: "concern", summary: "x".repeat(1000) }]);
    expect(decision.reasons[0]!.length).toBeLessThan(320);
    expect(decision.reasons[0]!.endsWith("…")).toBe(true);
  });
});

describe("extractPeerVerdict", () => {
  it("takes the last top-level object with a verdict, inside prose and a ```json fence, nested findings and all", () => {
    const text = [
      'I looked at {"not": "this"} first.',
      "```json",
      '{"verdict": "concern", "summary": "Mostly fine; see the finding {with braces} in a string.", "findings": [{"path": "src/a.ts", "line": "12", "severity": "Major", "title": "Unchecked error"}]}',
      "```",
    ].join("\n");
    const out = extractPeerVerdict([text]);
    expect(out).toEqual({
      verdict: {
        verdict: "concern",
        summary: "Mostly fine; see the finding {with braces} in a string.",
        findings: [{ path: "src/a.ts", line: 12, severity: "high", title: "Unchecked error" }],
      },
    });
  });

  it("prefers the first text that has a verdict (the result text before the messages), and the last object in it", () => {
    const out = extractPeerVerdict(['{"verdict":"approve"} then {"verdict":"blocker","summary":"second thoughts"}', '{"verdict":"concern"}']);
    expect(out).toMatchObject({ verdict: { verdict: "blocker", summary: "second thoughts", findings: [] } });
  });

  it("maps synonyms: LGTM, Approved, request changes", () => {
    expect(extractPeerVerdict(['{"verdict":"LGTM"}'])).toMatchObject({ verdict: { verdict: "approve" } });
    expect(extractPeerVerdict(['{"verdict":"Approved"}'])).toMatchObject({ verdict: { verdict: "approve" } });
    expect(extractPeerVerdict(['{"verdict":"request changes"}'])).toMatchObject({ verdict: { verdict: "blocker" } });
  });

  it("says why nothing was usable", () => {
    expect(extractPeerVerdict(["All good, ship it!"])).toEqual({ problem: 'its final message has no JSON object with a "verdict" key' });
    expect(extractPeerVerdict(['{"verdict": "approve"'])).toEqual({ problem: 'its final message has no JSON object with a "verdict" key' });
    expect(extractPeerVerdict(['{"verdict": "maybe"}'])).toMatchObject({ problem: expect.stringContaining("its verdict JSON does not validate: verdict:") });
    expect(extractPeerVerdict(['{"verdict": "concern", "findings": [{"path": "a.ts"}]}'])).toMatchObject({
      problem: expect.stringContaining("a finding needs a title or a message"),
    });
    expect(extractPeerVerdict([])).toEqual({ problem: 'its final message has no JSON object with a "verdict" key' });
  });
});
