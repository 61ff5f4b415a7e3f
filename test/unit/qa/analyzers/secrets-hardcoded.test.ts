import { describe, expect, it } from "vitest";
import { secretsHardcoded } from "../../../../src/qa/analyzers/secrets-hardcoded.ts";
import { parseDiff } from "../../../../src/qa/parse-diff.ts";
import { hunkDiff, newFileDiff } from "../diff-text.ts";

// Secret-shaped values are assembled at runtime so this file holds no credential-looking literal.
const githubToken = ["gh", "p_", "aB3dE5fG7hJ9kL2mN4pQ6rS8tU0vW1xY", "aB3d"].join("");
const awsKey = ["AK", "IA", "QWERTY234567ASDF"].join("");
const run = (diff: string) => secretsHardcoded.analyze({ files: parseDiff(diff), fileSizes: {} });

describe("secrets/hardcoded", () => {
  it("flags a known token format on an added line, critical, and never shows the value", () => {
    const findings = run(newFileDiff("src/client.ts", ["const a = 1;", `const token = "${githubToken}";`]));
    expect(findings).toHaveLength(1);
    const [f] = findings;
    expect(f).toMatchObject({
      ruleId: "secrets/hardcoded",
      source: "analyzer",
      severity: "critical",
      path: "src/client.ts",
      line: 2,
      title: "Hardcoded GitHub token",
    });
    expect(f!.confidence).toBeGreaterThanOrEqual(0.8);
    expect(f!.message).toContain("ghp_****");
    expect(JSON.stringify(f)).not.toContain(githubToken);
    expect(f!.fingerprint).toMatch(/^[0-9a-f]{16}$/);
  });

  it("flags AWS keys in config files and private key headers", () => {
    const findings = run(
      newFileDiff("deploy/config.yml", [`aws_access_key_id: ${awsKey}`]) +
        newFileDiff("certs/server.key", ["-----BEGIN RSA PRIVATE KEY-----", "MIIEowIBAAKCAQEAx7", "-----END RSA PRIVATE KEY-----"]),
    );
    expect(findings.map((f) => [f.path, f.line, f.title, f.severity])).toEqual([
      ["deploy/config.yml", 1, "Hardcoded AWS access key id", "critical"],
      ["certs/server.key", 1, "Hardcoded private key (PEM header without its END line)", "critical"],
    ]);
    expect(JSON.stringify(findings)).not.toContain(awsKey);
  });

  it("flags a long random literal assigned to a key/secret/token/password name (value redacted)", () => {
    const value = "Zx8Qw3Er5Ty7Ui9Op1As";
    const findings = run(
      newFileDiff("src/settings.py", [`STRIPE_API_KEY = "${value}"`, `db_password = 'Tr0ub4dor&3x'`]) +
        newFileDiff(".env.production", [`SESSION_SECRET=${value}Qq`]),
    );
    expect(findings.map((f) => [f.path, f.line, f.severity])).toEqual([
      ["src/settings.py", 1, "high"],
      ["src/settings.py", 2, "high"],
      [".env.production", 1, "high"],
    ]);
    expect(findings[0]!.title).toBe("Hardcoded credential assigned to `STRIPE_API_KEY`");
    expect(findings[0]!.message).toContain('STRIPE_API_KEY = "****"');
    const all = JSON.stringify(findings);
    expect(all).not.toContain(value);
    expect(all).not.toContain("Tr0ub4dor");
  });

  it("ignores placeholders, references, public keys, non-secret names and low-entropy values", () => {
    const findings = run(
      newFileDiff("src/config.ts", [
        "const apiKey = process.env.API_KEY;",
        'const token = "${GITHUB_TOKEN}";',
        'const password = "changeme";',
        'const publicKey = "Zx8Qw3Er5Ty7Ui9Op1As";',
        'const tokenizer = "Zx8Qw3Er5Ty7Ui9Op1As";',
        'const secretName = "my-app-production-secret-9";',
        'const keyName = "user-profile-settings-v2";',
        'const cacheKey = "aaaaaaaaaaaaaaaaaaaa1";',
        'const tokenUrl = "https://example.com/oauth/token";',
        'const headers = { Authorization: "Bearer YOUR_TOKEN" };',
        'const dsn = "postgres://user:${DB_PASSWORD}@localhost/app";',
      ]),
    );
    expect(findings).toEqual([]);
  });

  it("only looks at added lines: deleted and context lines are ignored", () => {
    const findings = run(
      hunkDiff("src/old.ts", 10, [` const keep = "${githubToken}";`, `-const gone = "${githubToken}";`, "+const fine = 1;"]),
    );
    expect(findings).toEqual([]);
  });

  it("lowers confidence for test files and example-looking values", () => {
    const inTest = run(newFileDiff("test/client.test.ts", [`const token = "${githubToken}";`]));
    expect(inTest[0]!.confidence).toBeLessThan(0.8);
    const example = run(newFileDiff("docs/setup.md", [`export AWS_KEY=${["AK", "IA", "IOSFODNN7EXAMPLE"].join("")}`]));
    expect(example).toHaveLength(1);
    expect(example[0]!.confidence).toBeLessThan(0.5);
  });

  it("keeps the fingerprint when the line moves, and changes it for another file", () => {
    const line = `const token = "${githubToken}";`;
    const a = run(newFileDiff("src/a.ts", [line]))[0]!;
    const moved = run(newFileDiff("src/a.ts", ["// header", "", line]))[0]!;
    const other = run(newFileDiff("src/b.ts", [line]))[0]!;
    expect(moved.line).toBe(3);
    expect(moved.fingerprint).toBe(a.fingerprint);
    expect(other.fingerprint).not.toBe(a.fingerprint);
  });

  it("skips binary and deleted files", () => {
    expect(run(`diff --git a/x.bin b/x.bin\nindex 1..2 100644\nBinary files a/x.bin and b/x.bin differ\n`)).toEqual([]);
  });
});
