import { describe, expect, it } from "vitest";
import { SECRET_PATTERNS, redactSecrets } from "../../../src/util/redact.ts";

/**
 * Secret-shaped values are assembled at runtime so this file never contains a literal that looks
 * like a real credential (secret scanners and push protection would flag it).
 */
const chars = (n: number, alphabet = "aB3dE5fG7hJ9kL2mN4pQ6rS8tU0vW1xY"): string =>
  Array.from({ length: n }, (_, i) => alphabet[(i * 7 + 3) % alphabet.length]).join("");
const join = (...parts: string[]): string => parts.join("");

const samples: Array<{ id: string; secret: string; expected: string }> = [
  { id: "github-token", secret: join("gh", "p_", chars(36)), expected: "ghp_****" },
  { id: "github-token", secret: join("gh", "o_", chars(36)), expected: "gho_****" },
  { id: "github-token", secret: join("gh", "u_", chars(36)), expected: "ghu_****" },
  { id: "github-token", secret: join("gh", "s_", chars(36)), expected: "ghs_****" },
  { id: "github-token", secret: join("gh", "r_", chars(36)), expected: "ghr_****" },
  { id: "github-pat", secret: join("github", "_pat_", chars(22), "_", chars(59)), expected: "github_pat_****" },
  { id: "gitlab-token", secret: join("glp", "at-", chars(20)), expected: "glpat-****" },
  { id: "npm-token", secret: join("np", "m_", chars(36)), expected: "npm_****" },
  { id: "aws-access-key", secret: join("AK", "IA", chars(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")), expected: "AKIA****" },
  { id: "aws-access-key", secret: join("AS", "IA", chars(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")), expected: "ASIA****" },
  { id: "anthropic-key", secret: join("sk-", "ant-", "api03-", chars(40)), expected: "sk-ant-****" },
  { id: "openai-key", secret: join("sk-", chars(48)), expected: "sk-****" },
  { id: "openai-key", secret: join("sk-", "proj-", chars(40)), expected: "sk-proj-****" },
  { id: "slack-token", secret: join("xo", "xb-", "1234567890-", chars(24)), expected: "xoxb-****" },
  { id: "google-api-key", secret: join("AI", "za", chars(35)), expected: "AIza****" },
  { id: "stripe-key", secret: join("sk", "_live_", chars(24)), expected: "sk_live_****" },
  { id: "stripe-key", secret: join("rk", "_live_", chars(24)), expected: "rk_live_****" },
  {
    id: "jwt",
    secret: join("ey", "JhbGciOiJIUzI1NiJ9", ".", "ey", "JzdWIiOiIxMjM0NTY3ODkwIn0", ".", chars(43)),
    expected: "eyJ****",
  },
];

describe("redactSecrets: secret formats", () => {
  for (const sample of samples) {
    it(`masks a ${sample.id} (${sample.expected})`, () => {
      const text = `before ${sample.secret} after`;
      const out = redactSecrets(text);
      expect(out).toBe(`before ${sample.expected} after`);
      expect(out).not.toContain(sample.secret);
    });
  }

  it("masks the token in x-access-token URLs", () => {
    const token = join("gh", "s_", chars(36));
    const url = `https://x-access-token:${token}@github.com/o/r.git`;
    const out = redactSecrets(`fatal: unable to access '${url}'`);
    expect(out).toBe("fatal: unable to access 'https://x-access-token:ghs_****@github.com/o/r.git'");
    expect(redactSecrets("https://x-access-token:v1.abcdef0123456789@github.com/x")).toBe(
      "https://x-access-token:****@github.com/x",
    );
  });

  it("masks passwords in URLs but keeps the user and host", () => {
    expect(redactSecrets("postgres://app:s3cr3tPassw0rd@db.internal:5432/prod")).toBe("postgres://app:****@db.internal:5432/prod");
  });

  it("masks Authorization headers (Bearer, Basic, token)", () => {
    expect(redactSecrets(`Authorization: Bearer ${chars(40)}`)).toBe("Authorization: Bearer ****");
    expect(redactSecrets(`curl -H "authorization: Basic ${chars(24)}=="`)).toBe('curl -H "authorization: Basic ****"');
    expect(redactSecrets(`{"Authorization": "token ${chars(30)}"}`)).toBe('{"Authorization": "token ****"}');
    // A token that has its own format keeps its own hint.
    const token = join("gh", "p_", chars(36));
    expect(redactSecrets(`Authorization: Bearer ${token}`)).toBe("Authorization: Bearer ghp_****");
  });

  it("masks private key PEM blocks, whole or unterminated", () => {
    const body = Array.from({ length: 4 }, (_, i) => chars(64, `ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef${i}`)).join("\n");
    const pem = `-----BEGIN RSA PRIVATE KEY-----\n${body}\n-----END RSA PRIVATE KEY-----`;
    const out = redactSecrets(`key:\n${pem}\ndone`);
    expect(out).toBe("key:\n-----BEGIN RSA PRIVATE KEY-----****-----END RSA PRIVATE KEY-----\ndone");
    const openssh = `-----BEGIN OPENSSH PRIVATE KEY-----\n${body}\n`;
    expect(redactSecrets(openssh)).toBe("-----BEGIN OPENSSH PRIVATE KEY-----****\n");
    const escaped = `"-----BEGIN PRIVATE KEY-----\\n${chars(64)}\\n${chars(20)}"`;
    expect(redactSecrets(escaped)).toBe('"-----BEGIN PRIVATE KEY-----****"');
  });

  it("masks an AWS secret access key assignment", () => {
    const secret = chars(40, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456789/+");
    expect(redactSecrets(`aws_secret_access_key = ${secret}`)).toBe("aws_secret_access_key = ****");
  });
});

describe("redactSecrets: known values and safety properties", () => {
  it("masks known values exactly, longest first, including their URL-encoded form", () => {
    const known = ["hunter2-is-my-password", "p@ss/word!"];
    const text = "login hunter2-is-my-password then p@ss/word! and p%40ss%2Fword! in a URL";
    expect(redactSecrets(text, known)).toBe("login **** then **** and **** in a URL");
  });

  it("ignores known values that are too short to mask safely", () => {
    expect(redactSecrets("the test passed", ["test"])).toBe("the test passed");
  });

  it("keeps the hint of a known value that is also secret-shaped", () => {
    const token = join("gh", "s_", chars(36));
    expect(redactSecrets(`token=${token}`, [token])).toBe("token=ghs_****");
  });

  it("is idempotent", () => {
    const token = join("gh", "p_", chars(36));
    const text = [
      `a ${token}`,
      `Authorization: Bearer ${token}`,
      `Authorization: Bearer ${chars(40)}`,
      `https://user:${chars(12)}@example.com/x`,
      `-----BEGIN EC PRIVATE KEY-----\n${chars(64)}\n-----END EC PRIVATE KEY-----`,
      `-----BEGIN EC PRIVATE KEY-----\n${chars(64)}`,
      `known: my-known-secret-value`,
      ...samples.map((s) => s.secret),
    ].join("\n");
    const once = redactSecrets(text, ["my-known-secret-value"]);
    expect(redactSecrets(once, ["my-known-secret-value"])).toBe(once);
    expect(redactSecrets(once)).toBe(once);
  });

  it("leaves ordinary text alone", () => {
    const text = [
      "const task = 'sk-learn'; // not a key",
      "ghp_short",
      "Authorization: Bearer ${token}",
      "see https://github.com/owner/repo/pull/1",
      "eyJ alone is not a JWT",
      "AKIA_NOT_A_KEY",
    ].join("\n");
    expect(redactSecrets(text)).toBe(text);
    expect(redactSecrets("")).toBe("");
  });

  it("exports a documented pattern list with unique ids", () => {
    const ids = SECRET_PATTERNS.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of SECRET_PATTERNS) {
      expect(p.regex.flags).toContain("g");
      expect(p.description.length).toBeGreaterThan(3);
      expect(["critical", "high"]).toContain(p.severity);
    }
    for (const s of samples) expect(ids).toContain(s.id);
  });
});

describe("redactSecrets: URL credentials with unusual characters", () => {
  it("masks a URL password that contains '*', and does not re-mask an already masked one", () => {
    expect(redactSecrets("mysql://root:pa*ss*word@db.example.com/app")).toBe("mysql://root:****@db.example.com/app");
    expect(redactSecrets("mysql://root:****@db.example.com/app")).toBe("mysql://root:****@db.example.com/app");
  });
});
