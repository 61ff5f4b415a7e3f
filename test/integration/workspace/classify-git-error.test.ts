import { describe, expect, it } from "vitest";
import { CancelledError, ModeratorError, type Phase } from "../../../src/util/errors.ts";
import { classifyGitError } from "../../../src/workspace/classify-git-error.ts";

const ctx = {
  action: "clone branch main of",
  url: "https://github.com/octo/demo.git",
  phase: "prepare" as Phase,
  redact: (t: string) => t.split("s3cret").join("***"),
};

function classify(message: string, extra: Partial<typeof ctx> & { aborted?: boolean } = {}): ModeratorError {
  const err = classifyGitError(new Error(message), { ...ctx, ...extra });
  expect(err).toBeInstanceOf(ModeratorError);
  return err as ModeratorError;
}

describe("classifyGitError", () => {
  it("treats rejected credentials as a non-transient infrastructure error", () => {
    for (const msg of [
      "fatal: could not read Username for 'https://github.com': terminal prompts disabled",
      "remote: Invalid username or password.\nfatal: Authentication failed for 'https://github.com/octo/demo.git/'",
      "fatal: unable to access 'https://github.com/octo/demo.git/': The requested URL returned error: 403",
      "remote: Permission to octo/demo.git denied to moderator[bot].",
    ]) {
      const err = classify(msg);
      expect(err).toMatchObject({ transient: false, infrastructure: true, phase: "prepare" });
      expect(err.message).toMatch(/^could not clone branch main of https:\/\/github.com\/octo\/demo.git: the server rejected the credentials/);
      expect(err.hint).toMatch(/installed on this repository/);
    }
  });

  it("treats network trouble and 5xx/429 as transient", () => {
    for (const msg of [
      "fatal: unable to access 'x': Failed to connect to github.com port 443 after 2 ms: Couldn't connect to server",
      "fatal: unable to access 'x': Could not resolve host: github.com",
      "fatal: unable to access 'x': The requested URL returned error: 502",
      "fatal: unable to access 'x': The requested URL returned error: 429",
      "error: RPC failed; curl 56 GnuTLS recv error (-9)\nfatal: early EOF",
      "fatal: unable to access 'x': Recv failure: Connection reset by peer",
      "fatal: unable to access 'x': Operation too slow. Less than 1000 bytes/sec transferred the last 60 seconds",
    ]) {
      expect(classify(msg), msg).toMatchObject({ transient: true, phase: "prepare" });
    }
  });

  it("says when the repository or the branch is missing", () => {
    expect(classify("remote: Repository not found.\nfatal: repository 'https://github.com/octo/demo.git/' not found")).toMatchObject({
      transient: false,
      infrastructure: true,
      message: expect.stringMatching(/the repository was not found/),
    });
    expect(classify("fatal: couldn't find remote ref refs/heads/develop")).toMatchObject({
      transient: false,
      infrastructure: false,
      message: expect.stringMatching(/the branch does not exist on the remote/),
    });
  });

  it("quotes git's last lines, redacted, without hints", () => {
    const err = classify("hint: try this\nwarning: meh\nerror: something odd with s3cret\nfatal: giving up", { phase: "publish", action: "push branch x to" });
    expect(err.message).toBe("could not push branch x to https://github.com/octo/demo.git. git said: error: something odd with *** | fatal: giving up");
    expect(err).toMatchObject({ phase: "publish", transient: false });
    expect((err.cause as Error).message).not.toContain("s3cret");
  });

  it("turns an abort into a CancelledError", () => {
    const err = classifyGitError(new Error("Abort signal received"), { ...ctx, aborted: true });
    expect(err).toBeInstanceOf(CancelledError);
    expect(err.message).toBe("clone branch main of https://github.com/octo/demo.git was cancelled");
  });
});
