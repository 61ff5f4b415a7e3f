import { describe, expect, it } from "vitest";
import { createSecretsHardcoded, secretsHardcoded } from "../../../../src/qa/analyzers/secrets-hardcoded.ts";
import { parseDiff } from "../../../../src/qa/parse-diff.ts";
import { SecretAllowlistConfig } from "../../../../src/qa/secret-allowlist.ts";
import { hunkDiff, newFileDiff } from "../diff-text.ts";

// Secret-shaped values are assembled at runtime so this file holds no credential-looking literal.
const githubToken = ["gh", "p_", "aB3dE5fG7hJ9kL2mN4pQ6rS8tU0vW1xY", "aB3d"].join("");
const awsKey = ["AK", "IA", "QWERTY234567ASDF"].join("");
const run = (diff: string) => secretsHardcoded.analyze({ files: parseDiff(diff), fileSizes: {} });
const chars = (n: number, alphabet = "aB3dE5fG7hJ9kL2mN4pQ6rS8tU0vW1xY"): string =>
  Array.from({ length: n }, (_, i) => alphabet[(i * 7 + 3) % alphabet.length]).join("");
const hex = (n: number): string => chars(n, "0123456789abcdef");
const random = "Zx8Qw3Er5Ty7Ui9Op1AsDf2Gh4Jk6Lm";
/** One 64-character base64 line of a (made-up) PEM body. */
const pemBody = (seed: number): string => chars(64, `MIIEvAIBADANBgkqhkiG9w0BAQEFAASC${seed}Kcwgg+/Sj`);

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
        newFileDiff("certs/server.key", ["-----BEGIN RSA PRIVATE KEY-----", pemBody(0), pemBody(1), pemBody(2), "-----END RSA PRIVATE KEY-----"]),
    );
    expect(findings.map((f) => [f.path, f.line, f.endLine, f.title, f.severity])).toEqual([
      ["deploy/config.yml", 1, undefined, "Hardcoded AWS access key id", "critical"],
      ["certs/server.key", 1, 5, "Hardcoded private key (PEM block)", "critical"],
    ]);
    expect(JSON.stringify(findings)).not.toContain(awsKey);
    expect(JSON.stringify(findings)).not.toContain(pemBody(1));
  });

  it("titles a complete PEM key spread over added lines (a template literal in source) as a key, over the whole block", () => {
    const findings = run(
      newFileDiff("src/app-key.js", [
        "const KEY = `-----BEGIN PRIVATE KEY-----",
        pemBody(3),
        pemBody(4),
        "-----END PRIVATE KEY-----`;",
        "export default KEY;",
      ]),
    );
    expect(findings.map((f) => [f.line, f.endLine, f.title, f.confidence])).toEqual([[1, 4, "Hardcoded private key (PEM block)", 0.9]]);
  });

  it("still reports a key whose END line is not in the change, when it has a body", () => {
    const findings = run(newFileDiff("id_rsa", ["-----BEGIN OPENSSH PRIVATE KEY-----", pemBody(5), pemBody(6)]));
    expect(findings.map((f) => [f.line, f.title])).toEqual([[1, "Hardcoded private key (PEM header without its END line)"]]);
  });

  it("does not report PEM header constants, header checks or placeholder key blocks in docs", () => {
    const findings = run(
      newFileDiff("src/get-private-key.js", [
        'const pkcs1Begin = "-----BEGIN RSA PRIVATE KEY-----";',
        'const pkcs1End = "-----END RSA PRIVATE KEY-----";',
        'if (privateKey === "-----BEGIN RSA PRIVATE KEY-----") throw new Error("only the first line");',
        '  return privateKey.includes("-----BEGIN OPENSSH PRIVATE KEY-----");',
      ]) +
        newFileDiff("README.md", [
          'privateKey: "-----BEGIN PRIVATE KEY-----\\n...",',
          'PRIVATE_KEY="-----BEGIN RSA PRIVATE KEY-----',
          "...",
          "Kh9NV...",
          "...",
          '-----END RSA PRIVATE KEY-----"',
          'PRIVATE_KEY="-----BEGIN RSA PRIVATE KEY-----\\nKh9NV...\\n-----END RSA PRIVATE KEY-----\\n"',
          "Supports PKCS1 (`-----BEGIN RSA PRIVATE KEY-----`) and PKCS8 (`-----BEGIN PRIVATE KEY-----`).",
        ]),
    );
    expect(findings).toEqual([]);
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

  it("decodes a Basic Authorization header: placeholder credentials are not reported, real-looking ones are", () => {
    const basic = (userPass: string): string => Buffer.from(userPass, "utf8").toString("base64");
    const findings = run(
      newFileDiff("README.md", [
        `    "authorization": "basic ${basic("lv1.1234567890abcdef:1234567890abcdef1234567890abcdef12345678")}"`,
        `curl -H "Authorization: Basic ${basic("user:password")}" https://api.example.com`,
        `Authorization: Basic ${basic(`deploy:${random}`)}`,
      ]),
    );
    expect(findings.map((f) => f.line)).toEqual([3]);
  });

  it("does not report a token in a provider's format whose body is padded with a run of one character (a docs placeholder)", () => {
    const padded = ["gh", "p_", "PersonalAccessToken0124567890", "0000000"].join("");
    const installation = ["gh", "s_", "InstallationOrActionToken", "00000000000"].join("");
    const findings = run(newFileDiff("README.md", [`createTokenAuth("${padded}");`, `//   token: '${installation}',`, `const TOKEN = "${githubToken}";`]));
    expect(findings.map((f) => f.line)).toEqual([3]);
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
    const example = run(newFileDiff("docs/setup.md", [`export STRIPE_KEY=${["sk", "_live_", "EXAMPLE", chars(20)].join("")}`]));
    expect(example).toHaveLength(1);
    expect(example[0]!.confidence).toBeLessThan(0.5);
    // Vendors' documented example credentials are not reported at all.
    expect(run(newFileDiff("docs/setup.md", [`export AWS_KEY=${["AK", "IA", "IOSFODNN7EXAMPLE"].join("")}`]))).toEqual([]);
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

  it("flags every major provider's token format, with its description, never showing the value", () => {
    const cases: Array<[string, string]> = [
      [["gl", "pat-", chars(20)].join(""), "GitLab token"],
      [["np", "m_", chars(36)].join(""), "npm access token"],
      [["py", "pi-", "AgEIcHlwaS5vcmc", chars(60)].join(""), "PyPI upload token"],
      [["S", "G.", chars(22), ".", chars(43)].join(""), "SendGrid API key"],
      [["S", "K", hex(32)].join(""), "Twilio API key"],
      [["ke", "y-", chars(32, "0123456789abcdefghijklmnopqrstuvwxyz")].join(""), "Mailgun API key"],
      [["DefaultEndpointsProtocol=https;AccountName=acct;", "AccountKey=", chars(86), "==;EndpointSuffix=core.windows.net"].join(""), "Azure storage account key"],
      [["HRKU", "-AA", chars(58)].join(""), "Heroku API key"],
      [["do", "p_v1_", hex(64)].join(""), "DigitalOcean token"],
      [["shp", "at_", hex(32)].join(""), "Shopify access token or shared secret"],
      [["sq0", "csp-", chars(43)].join(""), "Square access token or OAuth secret"],
      [["5566778899", ":AA", chars(33)].join(""), "Telegram bot token"],
      [["MT", chars(22), ".", chars(6), ".", chars(30)].join(""), "Discord bot token"],
      [["da", "pi", hex(32)].join(""), "Databricks personal access token"],
      [["hv", "s.", chars(95)].join(""), "HashiCorp Vault token"],
      [["h", "f_", chars(34, "abcdefghijklmnopqrstuvwxyzABCDEF")].join(""), "Hugging Face access token"],
      [["DD_API_KEY=", hex(32)].join(""), "Datadog API or application key"],
      [["https://", hex(32), ":", hex(32).toUpperCase().toLowerCase().split("").reverse().join(""), "@o1.ingest.sentry.io/42"].join(""), "password in a URL"],
      [["postgres://app:", "s3cr3t-Passw0rd", "@db.prod.internal:5432/app"].join(""), "password in a URL"],
    ];
    for (const [secret, description] of cases) {
      const findings = run(newFileDiff("src/settings.ts", [`const value = "${secret}";`]));
      expect(findings.map((f) => f.title), description).toEqual([`Hardcoded ${description}`]);
      expect(findings[0]!.confidence, description).toBeGreaterThanOrEqual(0.8);
      const shown = JSON.stringify(findings);
      // Every long run of the value is hidden, except the parts that are not secret (names, hosts, a DSN's public key).
      const visible = secret.startsWith("https://") ? secret.slice(8, secret.indexOf(":", 8)) : "";
      for (const part of secret.match(/[A-Za-z0-9_-]{16,}/g) ?? []) {
        if (part !== visible && !/windows|internal|DefaultEndpoints/.test(part)) expect(shown, description).not.toContain(part);
      }
    }
  });

  it("flags a Google Cloud service account key file", () => {
    const pem = `-----BEGIN PRIVATE KEY-----\\n${chars(64)}\\n-----END PRIVATE KEY-----\\n`;
    const findings = run(
      newFileDiff("deploy/sa.json", ["{", '  "type": "service_account",', `  "private_key": "${pem}",`, '  "client_email": "ci@proj.iam.gserviceaccount.com"', "}"]),
    );
    expect(findings.map((f) => [f.line, f.title, f.severity])).toEqual([[3, "Hardcoded Google Cloud service account private key", "critical"]]);
    expect(findings[0]!.message).toContain('"private_key": "****"');
  });

  it("flags a high-entropy literal passed to a credential function or set under a secret name", () => {
    const findings = run(
      newFileDiff("src/billing.js", [
        `stripe.setApiKey("${random}");`,
        `client.login("deploy-bot", "${random}Q");`,
        `config.set("api_key", "${random}R");`,
        `os.environ.setdefault("SERVICE_TOKEN", "${random}S")`,
      ]),
    );
    expect(findings.map((f) => [f.line, f.title])).toEqual([
      [1, "Hardcoded credential passed to `stripe.setApiKey()`"],
      [2, "Hardcoded credential passed to `client.login()`"],
      [3, "Hardcoded credential set for `api_key`"],
      [4, "Hardcoded credential set for `SERVICE_TOKEN`"],
    ]);
    expect(JSON.stringify(findings)).not.toContain(random);
  });

  it("does not flag lookups, low-entropy arguments, digests or identifiers in credential-like calls", () => {
    const findings = run(
      newFileDiff("src/client.py", [
        'token = os.getenv("SERVICE_ACCOUNT_TOKEN_FOR_PROD")',
        'headers.get("x-api-key-header-name-value")',
        'login("administrator", "correct-horse-battery-staple")',
        'sign(payload, "3f2a9c1e-7b4d-4e8f-9a6b-2c5d8e1f0a7b")',
        'set_token("ProductionDatabaseReplica")',
      ]),
    );
    expect(findings).toEqual([]);
  });

  it("honours the allow-list: inline markers, UUIDs, git shas, lockfile hashes, integrity strings and data URIs", () => {
    const sha = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";
    const findings = run(
      newFileDiff("src/fixtures.ts", [
        `const apiKey = "${random}"; // moderator:allow-secret: public test fixture`,
        "// moderator:allow-secret (documented sandbox key)",
        `const sandboxToken = "${random}A";`,
        'const api_key = "3f2a9c1e-7b4d-4e8f-9a6b-2c5d8e1f0a7b";',
        `const commitShaToken = "${sha}";`,
        `const icon = { token: "data:image/png;base64,${random}" };`,
      ]) +
        newFileDiff("package-lock.json", [`      "integrity": "sha512-${chars(86)}==",`, `      "token": "${random}"`]) +
        newFileDiff("go.sum", [`github.com/pkg/errors v0.9.1 h1:${chars(43)}=`]),
    );
    expect(findings.map((f) => [f.path, f.line, f.title])).toEqual([]);
  });

  it("still reports provider formats and URL passwords inside lockfiles", () => {
    const token = ["np", "m_", chars(36)].join("");
    const findings = run(
      newFileDiff("yarn.lock", [`  resolved "https://ci:${token}@registry.example.com/left-pad/-/left-pad-1.3.0.tgz"`]),
    );
    expect(findings.map((f) => f.title)).toEqual(["Hardcoded npm access token"]);
  });

  it("applies the repository's allow-list configuration", () => {
    const analyzer = createSecretsHardcoded({
      allowlist: SecretAllowlistConfig.parse({ values: [random], paths: ["test/fixtures/**"] }),
    });
    const other = `${random.slice(0, 20)}Pp0Oo9Ii8Uu7`;
    const findings = analyzer.analyze({
      files: parseDiff(
        newFileDiff("src/a.ts", [`const apiKey = "${random}";`, `const secretKey = "${other}";`]) +
          newFileDiff("test/fixtures/keys.ts", [`export const apiKey = "${other}";`, `export const gh = "${githubToken}";`]),
      ),
      fileSizes: {},
    });
    expect(findings.map((f) => [f.path, f.line])).toEqual([
      ["src/a.ts", 2],
      ["test/fixtures/keys.ts", 2],
    ]);
    expect(analyzer.id).toBe("secrets/hardcoded");
  });

  it("flags a literal default of a Terraform variable named like a secret", () => {
    const findings = run(
      newFileDiff("infra/variables.tf", [
        'variable "db_password" {',
        "  type      = string",
        "  sensitive = true",
        `  default   = "${random}"`,
        "}",
        'variable "region" {',
        '  default = "eu-central-1"',
        "}",
      ]),
    );
    expect(findings.map((f) => [f.line, f.title])).toEqual([[4, "Hardcoded default value of the `db_password` variable"]]);
    expect(JSON.stringify(findings)).not.toContain(random);
  });

  it("flags a secret assigned through a subscript (app.config[...], os.environ[...])", () => {
    const findings = run(
      newFileDiff("app/__init__.py", [`app.config["JWT_SECRET_KEY"] = "${random}"`, 'app.config["JWT_ACCESS_TOKEN_EXPIRES"] = 3600', `os.environ['API_TOKEN'] = '${random}B'`]),
    );
    expect(findings.map((f) => [f.line, f.title])).toEqual([
      [1, "Hardcoded credential assigned to `JWT_SECRET_KEY`"],
      [3, "Hardcoded credential assigned to `API_TOKEN`"],
    ]);
    expect(JSON.stringify(findings)).not.toContain(random);
  });
});

describe("secrets/hardcoded: prefilters over the file's added text", () => {
  it("checks each added line with its own candidates, across deleted and context lines and hunks", () => {
    const diff =
      hunkDiff("src/a.ts", 10, [
        " const keep = 1;",
        `-const old = "${githubToken}";`,
        "+// the ghp_ prefix marks a GitHub token",
        ` const mid = 2;`,
        `+const token = "${githubToken}";`,
      ]) + newFileDiff("src/b.ts", ["const x = 1;", `const API_KEY = "${random}";`, `  AWS = "${awsKey}"`]);
    const found = run(diff).map((f) => [f.path, f.line, f.title]);
    expect(found).toEqual([
      ["src/a.ts", 13, "Hardcoded GitHub token"],
      ["src/b.ts", 2, "Hardcoded credential assigned to `API_KEY`"],
      ["src/b.ts", 3, "Hardcoded AWS access key id"],
    ]);
  });

  it("honours an inline marker on the unchanged line above an added secret (the only marker in the file)", () => {
    const diff = hunkDiff("src/c.ts", 5, [" // moderator:allow-secret (sandbox key)", `+const token = "${githubToken}";`, `+const other = "${githubToken}";`]);
    expect(run(diff).map((f) => f.line)).toEqual([7]);
  });
});

describe("secrets/hardcoded: documented examples and placeholders", () => {
  const confidences = (diff: string) => run(diff).map((f) => [f.line, f.confidence]);

  it("lists credentials in a Python docstring's example under the threshold, and reports them in code", () => {
    const doc = newFileDiff("oauth/parameters.py", [
      "def prepare_headers(params):",
      '    """Prepare the Authorization header.',
      "",
      "    For example::",
      "",
      `        oauth_token="${random.slice(0, 16)}",`,
      `        access_token=${random.slice(2, 14)}`,
      "        Authorization: Bearer " + random.slice(0, 24),
      '    """',
      `    oauth_token = "${random.slice(0, 16)}"`,
    ]);
    expect(confidences(doc)).toEqual([
      [6, 0.3],
      [8, 0.3],
      [10, 0.7],
    ]);
  });

  it("lists credentials in Markdown and JSDoc examples under the threshold, but not a provider's token format", () => {
    const md = newFileDiff("docs/transports.md", [
      "```js",
      `botToken: '${random}',`,
      "const db = 'postgres://someuser:" + random.slice(0, 12) + "@somehost:381/db'",
      `const gh = '${githubToken}'`,
      "```",
    ]);
    expect(confidences(md)).toEqual([
      [2, 0.3],
      [3, 0.3],
      [4, 0.9],
    ]);
    const jsdoc = newFileDiff("src/client.js", ["/**", " * @example", ` *   client({ apiSecret: '${random}' })`, " */", "function client() {}"]);
    expect(confidences(jsdoc)).toEqual([[3, 0.3]]);
  });

  it("does not take an e-mail address or a value naming its own role for a password", () => {
    expect(run(newFileDiff("examples/ftp.sh", ['passwd="anonymous@domain.org"']))).toEqual([]);
    expect(run(newFileDiff("src/db.js", ["const password = 'somepassword'", "const db_password = 'mysecretpassword'"]))).toEqual([]);
    expect(run(newFileDiff("src/db.js", [`const password = '${random.slice(0, 14)}'`]))).toHaveLength(1);
  });
});
