import { ProbotOctokit } from "probot";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { fetchRepoConfig } from "../../../src/app/fetch-repo-config.ts";
import type { GitHubClient } from "../../../src/app/github-client.ts";
import { startFakeGitHub, type FakeGitHub } from "../../support/fake-github.ts";

// .github/moderator.yml as Probot's context.config reads it: the repository's file, else the organization's
// `.github` repository, each following `_extends`; merged before validation, problems naming their file.
const Octo = ProbotOctokit.defaults((o: any) => ({ ...o, retry: { enabled: false }, throttle: { ...o.throttle, enabled: false } }));
const CFG = ".github/moderator.yml";

let fake: FakeGitHub;
let octokit: GitHubClient;
let n = 0;
let owner: string;
beforeAll(async () => {
  fake = await startFakeGitHub();
  octokit = new Octo({ auth: { token: "t" }, baseUrl: fake.apiUrl }) as GitHubClient;
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  owner = `org${++n}`;
});
const repo = (name: string, files: Record<string, string> = {}) => fake.addRepo({ owner, name, id: 1000 * n + name.length, defaultBranch: "main", files });

describe("fetchRepoConfig", () => {
  it("the repository's own file, validated; no file anywhere = defaults", async () => {
    repo("app", { [CFG]: "label: fix-me\n" });
    const own = await fetchRepoConfig(octokit, owner, "app");
    expect(own.ok && own.config.label).toBe("fix-me");
    repo("bare");
    const none = await fetchRepoConfig(octokit, owner, "bare");
    expect(none.ok && none.config.label).toBe("moderator");
  });

  it("without a file of its own, a repository takes the organization's defaults from its .github repository", async () => {
    repo(".github", { [CFG]: "label: org-label\ndraft: true\n" });
    repo("app");
    const r = await fetchRepoConfig(octokit, owner, "app");
    expect(r.ok).toBe(true);
    if (r.ok) expect([r.config.label, r.config.draft]).toEqual(["org-label", true]);
  });

  it("_extends: .github layers the repository's file over the organization's, deep-merged, arrays replaced", async () => {
    repo(".github", { [CFG]: "label: org-label\nqa:\n  commands: [npm test]\n  maxComments: 3\nignorePaths: [dist/**]\n" });
    repo("app", { [CFG]: "_extends: .github\nqa:\n  maxComments: 7\nignorePaths: [vendor/**]\n" });
    const r = await fetchRepoConfig(octokit, owner, "app");
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.config.label).toBe("org-label");
    expect(r.config.qa.commands.map((c) => c.run)).toEqual(["npm test"]);
    expect(r.config.qa.maxComments).toBe(7);
    expect(r.config.ignorePaths).toEqual(["vendor/**"]);
  });

  it("_extends: owner/repo:path reads that file (chains too); the repo's ref is used for its own file only", async () => {
    fake.addRepo({ owner: `${owner}-shared`, name: "presets", id: 9000 + n, defaultBranch: "main", files: { "moderator/base.yml": "draft: true\nlabel: base\n", "moderator/strict.yml": "_extends: presets:moderator/base.yml\nqa:\n  failOn: medium\n" } });
    repo("app", { [CFG]: `_extends: ${owner}-shared/presets:moderator/strict.yml\nlabel: mine\n` });
    const r = await fetchRepoConfig(octokit, owner, "app", "feature");
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect([r.config.label, r.config.draft, r.config.qa.failOn]).toEqual(["mine", true, "medium"]);
    const reads = fake.requests.filter((q) => q.path.includes("/contents/") && q.path.includes(owner));
    expect(reads.map((q) => [decodeURIComponent(q.path), q.query["ref"]])).toEqual([
      [`/repos/${owner}/app/contents/${CFG}`, "feature"],
      [`/repos/${owner}-shared/presets/contents/moderator/strict.yml`, undefined],
      [`/repos/${owner}-shared/presets/contents/moderator/base.yml`, undefined],
    ]);
  });

  it("problems name the file they come from", async () => {
    repo(".github", { [CFG]: "label: ''\nqa:\n  maxComments: 500\n" });
    repo("app", { [CFG]: "_extends: .github\ndraft: maybe\n" });
    const r = await fetchRepoConfig(octokit, owner, "app");
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems).toEqual(
      expect.arrayContaining([
        `label (in ${owner}/.github:${CFG}): Too small: expected string to have >=1 characters`,
        expect.stringMatching(new RegExp(`^qa\\.maxComments \\(in ${owner}/\\.github:\\.github/moderator\\.yml\\): `)),
        expect.stringMatching(/^draft: /),
      ]),
    );
    expect(r.problems).toHaveLength(3);
  });

  it("a YAML error, a missing _extends target, a bad _extends value and a loop are named problems, never a crash", async () => {
    repo(".github", { [CFG]: "label: [unclosed\n" });
    repo("app", { [CFG]: "_extends: .github\n" });
    const yamlError = await fetchRepoConfig(octokit, owner, "app");
    expect(yamlError).toMatchObject({ ok: false, problems: [expect.stringMatching(new RegExp(`^line \\d+, column \\d+ \\(in ${owner}/\\.github:\\.github/moderator\\.yml\\): `))] });

    repo("gone", { [CFG]: "_extends: nowhere\n" });
    expect(await fetchRepoConfig(octokit, owner, "gone")).toEqual({ ok: false, problems: [`_extends: ${owner}/nowhere:${CFG} does not exist (or the App cannot read it)`] });

    repo("weird", { [CFG]: "_extends: [a, b]\n" });
    expect(await fetchRepoConfig(octokit, owner, "weird")).toMatchObject({ ok: false, problems: [expect.stringMatching(/^_extends: must be "repo", "owner\/repo" or "owner\/repo:path\.yml"/)] });

    repo("a", { [CFG]: "_extends: b\n" });
    repo("b", { [CFG]: "_extends: a\n" });
    const loop = await fetchRepoConfig(octokit, owner, "a");
    expect(loop).toMatchObject({ ok: false, problems: [expect.stringContaining(`_extends (in ${owner}/b:${CFG}): ${owner}/a:${CFG} is already part of this configuration (a loop)`)] });
  });
});
