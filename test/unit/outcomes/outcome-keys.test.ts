import { describe, expect, it } from "vitest";
import { cachePermissions } from "../../../src/outcomes/cache-permissions.ts";
import { reactionSourceKey } from "../../../src/outcomes/collect-reactions.ts";
import { suggestionSourceKey } from "../../../src/outcomes/detect-applied-suggestions.ts";
import { FeedbackKind } from "../../../src/outcomes/feedback-kind.ts";
import { isBotAuthor } from "../../../src/outcomes/is-bot-author.ts";
import { pullRequestOutcomeKey } from "../../../src/outcomes/pull-request-outcome-key.ts";
import { threadResolvedSourceKey } from "../../../src/outcomes/record-threads-resolved-by-people.ts";
import type { Permission } from "../../../src/app/get-sender-permission.ts";

describe("feedback source keys", () => {
  it("name the repository and the source, and are case-insensitive on logins", () => {
    expect(pullRequestOutcomeKey(3, 101)).toBe("pr-closed:3:101");
    expect(reactionSourceKey(3, "review", 55, "Alice", "+1")).toBe("reaction:3:review:55:alice:+1");
    expect(reactionSourceKey(3, "issue", 55, "alice", "-1")).not.toBe(reactionSourceKey(3, "review", 55, "alice", "-1"));
    expect(suggestionSourceKey(3, 55)).toBe("suggestion:3:55");
    expect(threadResolvedSourceKey(3, "PRRT_1", "fp1", 0)).toBe("thread-resolved:3:PRRT_1");
    expect(threadResolvedSourceKey(3, "PRRT_1", "fp2", 1)).toBe("thread-resolved:3:PRRT_1:fp2");
  });

  it("lists the kinds the learner maps", () => {
    expect(FeedbackKind.options).toEqual([
      "merged",
      "closed_unmerged",
      "reaction_up",
      "reaction_down",
      "suggestion_applied",
      "thread_resolved_by_human",
      "dismissed",
      "race_won",
      "race_picked",
    ]);
  });
});

describe("isBotAuthor", () => {
  it("treats apps, [bot] logins and deleted accounts as bots", () => {
    expect(isBotAuthor({ login: "alice", bot: false })).toBe(false);
    expect(isBotAuthor({ login: "moderator[bot]", bot: true })).toBe(true);
    expect(isBotAuthor({ login: "Other[BOT]", bot: false })).toBe(true);
    expect(isBotAuthor(null)).toBe(true);
  });
});

describe("cachePermissions", () => {
  it("asks once per repository and login, and asks again after a failure", async () => {
    const asked: string[] = [];
    let fail = true;
    const answers: Record<string, Permission> = { alice: "write", bob: "read", carol: "maintain" };
    const canWrite = cachePermissions(async (ref, login) => {
      asked.push(`${ref.owner}/${ref.repo}:${login}`);
      if (login === "dave" && fail) {
        fail = false;
        throw new Error("GitHub is down");
      }
      return answers[login] ?? "none";
    });
    const ref = { owner: "acme", repo: "widgets" };
    expect(await Promise.all([canWrite(ref, "alice"), canWrite(ref, "ALICE"), canWrite(ref, "bob"), canWrite(ref, "carol")])).toEqual([true, true, false, true]);
    expect(await canWrite({ owner: "acme", repo: "other" }, "alice")).toBe(true);
    await expect(canWrite(ref, "dave")).rejects.toThrow("GitHub is down");
    expect(await canWrite(ref, "dave")).toBe(false);
    expect(asked).toEqual(["acme/widgets:alice", "acme/widgets:bob", "acme/widgets:carol", "acme/other:alice", "acme/widgets:dave", "acme/widgets:dave"]);
  });
});
