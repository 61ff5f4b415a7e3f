import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { MAINTAINER, OWNER, REPO, scriptedAgentYaml, startHarness, type Harness } from "../support/moderator-harness.ts";
import { issueLabeled } from "../support/payloads.ts";

const CLI = path.resolve(import.meta.dirname, "../../dist/src/cli/main.js");

/** "Billion laughs": nine aliases of the level before, eight levels deep. */
function aliasBomb(key: string): string {
  const lines = ["x0: &x0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"];
  for (let i = 1; i <= 8; i++) lines.push(`x${i}: &x${i} [${Array.from({ length: 9 }, () => `*x${i - 1}`).join(", ")}]`);
  lines.push(`${key}: *x8`);
  return `${lines.join("\n")}\n`;
}

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe("YAML alias bombs", () => {
  it("in .github/moderator.yml: the webhook answers 200, one comment quotes the problem, nothing runs", async () => {
    h = await startHarness({ operatorYaml: scriptedAgentYaml("clean") });
    h.fake.setFile(OWNER, REPO, ".github/moderator.yml", aliasBomb("paths"));
    h.fake.addIssue(OWNER, REPO, { number: 61, title: "Bomb" });
    const { status } = await h.send("issues", issueLabeled({ number: 61, title: "Bomb", sender: MAINTAINER }));
    expect(status).toBe(202);
    const comments = h.repo.issueComments.filter((c) => c.issue_url.endsWith("/issues/61"));
    expect(comments).toHaveLength(1);
    expect(comments[0]?.body).toContain("too many aliases");
    expect(await h.moderator.db.prisma.execution.count()).toBe(0);
  });

  it("in moderator.config.yml: start-up ends with the problem and exit code 2, no stack trace", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "moderator-bomb-"));
    try {
      const config = path.join(dir, "moderator.config.yml");
      writeFileSync(config, aliasBomb("backends"));
      const r = await new Promise<{ code: number; stderr: string }>((resolve) => {
        execFile(process.execPath, [CLI, "backends"], { cwd: dir, env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", HOME: dir, MODERATOR_CONFIG: config, MODERATOR_DATA_DIR: dir }, timeout: 60_000 }, (err, _stdout, stderr) =>
          resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stderr }),
        );
      });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`${config} is invalid:`);
      expect(r.stderr).toContain("(yaml): too many aliases");
      expect(r.stderr).not.toMatch(/ReferenceError|\n\s+at /);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
