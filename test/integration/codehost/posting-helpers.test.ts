// Pure helpers of the posting flow: no server, no mocks.
import { describe, expect, it } from "vitest";
import { parseReviewThreadsPage } from "../../../src/codehost/graphql-review-threads.ts";
import { parsePullRequestFiles } from "../../../src/codehost/parse-pull-request-files.ts";

describe("parsePullRequestFiles", () => {
  it("parses each patch's hunks and takes paths and status from GitHub's fields", () => {
    const [modified, renamed, deleted, binary, tooLarge, odd] = parsePullRequestFiles([
      { path: "src/a b.ts", status: "modified", additions: 1, deletions: 1, patch: "@@ -3,3 +3,3 @@ fn\n ctx\n-old\n+--- new\n ctx" },
      { path: "new.ts", previousPath: "old.ts", status: "renamed", additions: 0, deletions: 0 },
      { path: "gone.ts", status: "deleted", additions: 0, deletions: 2, patch: "@@ -1,2 +0,0 @@\n-a\n-b\n\\ No newline at end of file" },
      { path: "logo.png", status: "added", additions: 0, deletions: 0 },
      { path: "data.json", status: "modified", additions: 5000, deletions: 10 },
      { path: "junk.ts", status: "modified", additions: 1, deletions: 0, patch: "not a patch" },
    ]);
    expect(modified).toMatchObject({ path: "src/a b.ts", status: "modified", binary: false });
    expect(modified!.hunks).toHaveLength(1);
    expect(modified!.hunks[0]!.lines.map((l) => [l.kind, l.text, l.newLine])).toEqual([
      ["context", "ctx", 3],
      ["del", "old", undefined],
      ["add", "--- new", 4],
      ["context", "ctx", 5],
    ]);
    expect(renamed).toEqual({ path: "new.ts", oldPath: "old.ts", status: "renamed", binary: false, hunks: [] });
    expect(deleted).toMatchObject({ path: "gone.ts", status: "deleted" });
    expect(deleted!.hunks[0]!.lines.at(-1)).toMatchObject({ kind: "del", text: "b", noNewlineAtEnd: true });
    expect(binary).toEqual({ path: "logo.png", status: "added", binary: true, hunks: [] });
    expect(tooLarge).toEqual({ path: "data.json", status: "modified", binary: false, hunks: [] });
    expect(odd).toEqual({ path: "junk.ts", status: "modified", binary: false, hunks: [] });
  });
});

describe("parseReviewThreadsPage", () => {
  const page = (nodes: unknown[], pageInfo = { hasNextPage: false, endCursor: null as string | null }) => ({
    repository: { pullRequest: { reviewThreads: { pageInfo, nodes } } },
  });

  it("gives threads and the next cursor; a bot's login gets GitHub's REST suffix", () => {
    const result = parseReviewThreadsPage(
      page(
        [
          {
            id: "PRRT_1",
            isResolved: false,
            isOutdated: false,
            path: "a.ts",
            line: 4,
            resolvedBy: null,
            comments: { nodes: [{ databaseId: 11, body: "x <!-- moderator:finding abc -->", path: "a.ts", line: 4, author: { __typename: "Bot", login: "moderator" } }, null] },
          },
          null,
        ],
        { hasNextPage: true, endCursor: "Y3Vyc29yOjE=" },
      ),
      "here",
    );
    expect(result.nextCursor).toBe("Y3Vyc29yOjE=");
    expect(result.threads).toEqual([
      {
        id: "PRRT_1",
        isResolved: false,
        isOutdated: false,
        path: "a.ts",
        line: 4,
        resolvedBy: null,
        comments: [{ id: 11, body: "x <!-- moderator:finding abc -->", author: { login: "moderator[bot]", bot: true }, path: "a.ts", line: 4 }],
        fingerprints: ["abc"],
      },
    ]);
  });

  it("says where and what when the answer is not the expected shape", () => {
    expect(() => parseReviewThreadsPage({ repository: { pullRequest: { reviewThreads: { nodes: "x" } } } }, "listReviewThreads(a/b#1)")).toThrow(
      /listReviewThreads\(a\/b#1\): GitHub's GraphQL answer has an unexpected shape: repository\.pullRequest\.reviewThreads\.pageInfo: /,
    );
    expect(() => parseReviewThreadsPage({ repository: null }, "w")).toThrow(/w: GitHub's GraphQL API does not know this repository/);
    expect(() => parseReviewThreadsPage({ repository: { pullRequest: null } }, "w")).toThrow(/does not know this pull request/);
  });
});
