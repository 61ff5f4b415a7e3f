import { describe, expect, it } from "vitest";
import {
  KNOWN_EXAMPLE_SECRETS,
  SecretAllowlistConfig,
  checkSecretAllowlist,
  hasInlineAllow,
  isAllowedPath,
  isLockfilePath,
} from "../../../../src/qa/secret-allowlist.ts";

const join = (...parts: string[]): string => parts.join("");
const random = "Zx8Qw3Er5Ty7Ui9Op1AsDf2Gh4Jk6Lm";

describe("checkSecretAllowlist", () => {
  it("allows vendors' documented example credentials, also inside a longer match", () => {
    expect(KNOWN_EXAMPLE_SECRETS.length).toBeGreaterThanOrEqual(8);
    const awsExample = join("AKIA", "IOSFODNN7", "EXAMPLE");
    expect(checkSecretAllowlist(awsExample, { kind: "format" })).toBe("known-example");
    expect(checkSecretAllowlist(join("wJalrXUtnFEMI", "/K7MDENG/", "bPxRfiCYEXAMPLEKEY"))).toBe("known-example");
    expect(checkSecretAllowlist(random, { kind: "format" })).toBeUndefined();
  });

  it("allows a line carrying an inline marker, or a comment line with one just above", () => {
    expect(checkSecretAllowlist(random, { line: `key = "${random}"  # moderator:allow-secret`, kind: "format" })).toBe("inline-allow");
    expect(checkSecretAllowlist(random, { line: `key = "${random}"`, previousLine: "  // moderator:allow-secret test fixture" })).toBe(
      "inline-allow",
    );
    // A marker at the end of a code line above covers only that line.
    expect(checkSecretAllowlist(random, { line: `key = "${random}"`, previousLine: 'a = 1 // moderator:allow-secret' })).toBeUndefined();
    expect(hasInlineAllow(`token = "${random}" // gitleaks:allow`)).toBe(true);
    expect(hasInlineAllow(`token = "${random}" # pragma: allowlist secret`)).toBe(true);
    expect(hasInlineAllow(`token = "${random}"`)).toBe(false);
  });

  it("for generic detections, allows placeholders, template references and sequences", () => {
    for (const value of [
      "${API_TOKEN}",
      "$API_TOKEN",
      "{{ secrets.token }}",
      "<your-api-key>",
      "[TOKEN]",
      "xxxxxxxxxxxxxxxxxxxx",
      "********",
      "your_api_key_here",
      "REPLACE_ME_WITH_A_REAL_KEY",
      "sk-example-not-a-real-key-1234",
      "1234567890abcdefghij",
      "aaaaaaaaaaaaaaaa",
    ]) {
      expect(checkSecretAllowlist(value), value).toBe("placeholder");
    }
  });

  it("does not apply the generic allow-list to provider formats", () => {
    expect(checkSecretAllowlist("xxxxxxxxxxxxxxxxxxxx", { kind: "format" })).toBeUndefined();
  });

  it("allows UUIDs, git shas and digests in their context, SRI integrity strings and data URIs", () => {
    expect(checkSecretAllowlist("3f2a9c1e-7b4d-4e8f-9a6b-2c5d8e1f0a7b")).toBe("uuid");
    const sha = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";
    expect(checkSecretAllowlist(sha, { line: `commit_sha = "${sha}"`, index: 14 })).toBe("git-sha");
    expect(checkSecretAllowlist(sha, { line: `uses: actions/checkout@${sha}`, index: 23 })).toBe("git-sha");
    // The same 40 hex characters assigned to a token are not a sha.
    expect(checkSecretAllowlist(sha, { line: `GITHUB_TOKEN = "${sha}"`, index: 16 })).toBeUndefined();
    const digest = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    expect(checkSecretAllowlist(digest, { line: `image_digest: "${digest}"`, index: 15 })).toBe("digest");
    expect(checkSecretAllowlist(digest, { line: `FROM node@sha256:${digest}`, index: 17 })).toBe("digest");
    expect(checkSecretAllowlist(`sha512-${random}==`)).toBe("digest");
    const integrity = "Z8h5w3e1Q2r4T6y8U0i9O7p5A3s1D2f4G6h8J0k2L4z6";
    expect(checkSecretAllowlist(integrity, { line: `<script integrity="sha384-${integrity}"`, index: 26 })).toBe("digest");
    expect(checkSecretAllowlist(integrity, { line: `"integrity": "${integrity}"`, index: 14 })).toBe("integrity");
    const line = `const icon = "data:image/png;base64,${random}";`;
    expect(checkSecretAllowlist(random, { line, index: line.indexOf(random) })).toBe("data-uri");
  });

  it("allows every hash of a lockfile or checksum list", () => {
    for (const path of ["package-lock.json", "web/yarn.lock", "pnpm-lock.yaml", "poetry.lock", "Cargo.lock", "go.sum", "Gemfile.lock", "composer.lock", "SHA256SUMS"]) {
      expect(isLockfilePath(path), path).toBe(true);
      expect(checkSecretAllowlist(random, { path }), path).toBe("lockfile");
    }
    expect(isLockfilePath("src/lock.ts")).toBe(false);
    expect(checkSecretAllowlist(random, { path: "src/config.ts" })).toBeUndefined();
  });

  it("applies the repository's configured values, patterns and paths", () => {
    const config = SecretAllowlistConfig.parse({ values: [random], patterns: ["^test-key-[0-9a-f]+$"], paths: ["test/fixtures/**"] });
    expect(checkSecretAllowlist(random, { config, kind: "format" })).toBe("configured");
    expect(checkSecretAllowlist("test-key-0a1b2c3d4e5f", { config })).toBe("configured");
    expect(checkSecretAllowlist("Qq8Ww3Ee5Rr7Tt9Yy1Uu", { config })).toBeUndefined();
    expect(isAllowedPath("test/fixtures/keys/a.json", config)).toBe(true);
    expect(isAllowedPath("src/a.json", config)).toBe(false);
    expect(isAllowedPath("src/a.json", undefined)).toBe(false);
  });

  it("rejects an invalid configured pattern with a clear error and defaults every list", () => {
    const bad = SecretAllowlistConfig.safeParse({ patterns: ["(unclosed"] });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues[0]!.path).toEqual(["patterns", 0]);
    expect(bad.error!.issues[0]!.message).toBe("must be a valid JavaScript regular expression");
    expect(SecretAllowlistConfig.parse({})).toEqual({ values: [], patterns: [], paths: [] });
    expect(SecretAllowlistConfig.safeParse({ unknown: 1 }).success).toBe(false);
  });
});
