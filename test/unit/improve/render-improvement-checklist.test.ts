import { describe, expect, it } from "vitest";
import { parseImprovementMarkers } from "../../../src/improve/improvement-marker.ts";
import { parseTickedImprovements, renderImprovementChecklist, type ChecklistItem } from "../../../src/improve/render-improvement-checklist.ts";

const FP1 = "0c26778635c4bc5b";
const FP2 = "a4d73ab0d5afee48";
const FP3 = "962bbb65fc31cc32";
const FP4 = "bcff6fd410cf5381";

const items: ChecklistItem[] = [
  { fingerprint: FP1, title: "Add tests for src/x.ts", type: "tests", rationale: "`src/x.ts` is new and has no test.", state: "proposed" },
  { fingerprint: FP2, title: "Document the API changes in src/m.ts", type: "docs", rationale: "The API changed.", state: "started" },
  { fingerprint: FP3, title: "Apply 2 suggested fixes for debug/leftover", type: "fix", rationale: "Mechanical.", state: "opened", prUrl: "https://github.com/o/r/pull/42" },
  { fingerprint: FP4, title: "Extract a helper", type: "refactor", rationale: "Duplication.", state: "skipped", note: "2 improvement pull requests are open" },
];

const tick = (body: string, fp: string): string => body.split("\n").map((l) => (l.includes(fp) ? l.replace("- [ ]", "- [x]") : l)).join("\n");

describe("renderImprovementChecklist", () => {
  it("renders one line per improvement with its marker; started and opened ones ticked, opened ones linked, skipped ones without a box", () => {
    expect(renderImprovementChecklist(items)).toBe(
      [
        "#### Follow-up improvements",
        "",
        "Tick a box to have Moderator open that improvement as a separate pull request.",
        "",
        `- [ ] **Add tests for src/x.ts** (tests): \`src/x.ts\` is new and has no test. <!-- moderator:improvement ${FP1} -->`,
        `- [x] **Document the API changes in src/m.ts** (docs): The API changed. · ⏳ started <!-- moderator:improvement ${FP2} -->`,
        `- [x] **Apply 2 suggested fixes for debug/leftover** (fix): Mechanical. · opened [#42](https://github.com/o/r/pull/42) <!-- moderator:improvement ${FP3} -->`,
        `- ~~**Extract a helper** (refactor)~~ · skipped: 2 improvement pull requests are open <!-- moderator:improvement ${FP4} -->`,
      ].join("\n"),
    );
  });

  it("says nothing when there is nothing, and no instruction when nothing is left to tick", () => {
    expect(renderImprovementChecklist([])).toBe("");
    expect(renderImprovementChecklist([items[2]!])).not.toContain("Tick a box");
  });

  it("keeps model text from faking a marker, a box, a link or a mention, and keeps it on one line", () => {
    const out = renderImprovementChecklist([
      {
        fingerprint: FP1,
        title: "Refactor **everything**\n- [ ] fake",
        type: "refactor",
        rationale: "ping @octocat <!-- moderator:improvement deadbeefdeadbeef --> [click](https://evil.example)",
        state: "proposed",
        prUrl: "javascript:alert(1)",
      },
    ]);
    const lines = out.split("\n");
    expect(lines.filter((l) => l.startsWith("- "))).toHaveLength(1);
    expect(parseImprovementMarkers(out)).toEqual([FP1]);
    expect(out).toContain("**Refactor \\*\\*everything\\*\\* - \\[ \\] fake**");
    expect(out).toContain("@&#8203;octocat");
    expect(out).toContain("\\[click\\](https://evil.example)");
    expect(parseTickedImprovements(out, out.replace("deadbeef", "x"))).toEqual([]);
  });

  it("links an opened improvement without a PR number, and leaves out a URL that is not http(s)", () => {
    const out = renderImprovementChecklist([
      { ...items[2]!, prUrl: "https://ghe.example.com/o/r/pulls" },
      { ...items[2]!, fingerprint: FP1, prUrl: "file:///etc/passwd" },
    ]);
    expect(out).toContain("· opened [pull request](https://ghe.example.com/o/r/pulls) <!--");
    expect(out).toContain(`· opened <!-- moderator:improvement ${FP1} -->`);
  });

  it("cuts a long title and rationale", () => {
    const out = renderImprovementChecklist([{ ...items[0]!, title: "t".repeat(150), rationale: "r".repeat(400) }]);
    expect(out).toContain(`**${"t".repeat(99)}…**`);
    expect(out).toContain(`${"r".repeat(299)}…`);
  });
});

describe("parseTickedImprovements", () => {
  const body = `### Moderator · ✅ Done\n\n- [x] Prepare\n\n${renderImprovementChecklist(items)}\n\n<sub>Run \`1\`</sub>`;

  it("round trip: ticking a rendered box reports its fingerprint", () => {
    expect(parseTickedImprovements(body, tick(body, FP1))).toEqual([FP1]);
  });

  it("reports several ticks in the order they appear, each once", () => {
    const more = renderImprovementChecklist(items.map((i) => ({ ...i, state: "proposed" as const })));
    const after = tick(tick(more, FP3), FP1);
    expect(parseTickedImprovements(more, after)).toEqual([FP1, FP3]);
    expect(parseTickedImprovements(after, after)).toEqual([]);
  });

  it("is robust to other edits around the checklist (text added, lines moved, CRLF, upper-case X)", () => {
    const after = `Edited by a maintainer: thanks!\r\n${tick(body, FP1).replace("- [x] **Add tests", "* [X] **Add tests").replace(/\n/g, "\r\n")}\r\nMore notes.`;
    expect(parseTickedImprovements(body, after)).toEqual([FP1]);
  });

  it("ignores unticking, boxes without a marker, and boxes that were not there before", () => {
    expect(parseTickedImprovements(body, body.replace("- [x] **Document", "- [ ] **Document"))).toEqual([]);
    const withHandBox = `${body}\n- [ ] my own todo`;
    expect(parseTickedImprovements(withHandBox, withHandBox.replace("- [ ] my own todo", "- [x] my own todo"))).toEqual([]);
    expect(parseTickedImprovements(body.replace(new RegExp(`.*${FP1}.*\\n`), ""), tick(body, FP1))).toEqual([]);
  });

  it("ignores boxes inside code blocks and quotes", () => {
    const line = `- [ ] **x** (tests): y <!-- moderator:improvement ${FP1} -->`;
    const fenced = (box: string) => `intro\n\`\`\`\n${box}\n\`\`\`\n> ${box}`;
    expect(parseTickedImprovements(fenced(line), fenced(line.replace("[ ]", "[x]")))).toEqual([]);
  });

  it("a skipped entry has no box, so it cannot be ticked", () => {
    const after = body.replace("- ~~**Extract", "- [x] ~~**Extract");
    expect(parseTickedImprovements(body, after)).toEqual([]);
  });

  it("takes empty or non-string bodies as having no boxes", () => {
    expect(parseTickedImprovements("", tick(body, FP1))).toEqual([]);
    expect(parseTickedImprovements(body, "")).toEqual([]);
    expect(parseTickedImprovements(undefined as unknown as string, null as unknown as string)).toEqual([]);
  });
});
