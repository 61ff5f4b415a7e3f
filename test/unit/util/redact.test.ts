import { describe, expect, it } from "vitest";
import { SECRET_PATTERNS, findSecrets, redactSecrets, secretCandidates, secretCandidatesByLine, secretLineScanner } from "../../../src/util/redact.ts";

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
  { id: "gitlab-token", secret: join("gl", "ptt-", chars(40)), expected: "glptt-****" },
  { id: "pypi-token", secret: join("py", "pi-", "AgEIcHlwaS5vcmc", chars(60)), expected: "pypi-****" },
  { id: "sendgrid-key", secret: join("S", "G.", chars(22), ".", chars(43)), expected: "SG.****" },
  { id: "twilio-api-key", secret: join("S", "K", chars(32, "0123456789abcdef")), expected: "SK****" },
  {
    id: "twilio-credentials",
    secret: join("A", "C", chars(32, "0123456789abcdef"), ":", chars(32, "fedcba9876543210")),
    expected: join("A", "C", chars(32, "0123456789abcdef"), ":****"),
  },
  { id: "mailgun-key", secret: join("ke", "y-", chars(32, "0123456789abcdefghijklmnopqrstuvwxyz")), expected: "key-****" },
  { id: "azure-storage-key", secret: join("AccountKey", "=", chars(86), "=="), expected: "AccountKey=****" },
  { id: "azure-shared-access-key", secret: join("SharedAccessKey", "=", chars(43), "="), expected: "SharedAccessKey=****" },
  { id: "heroku-key", secret: join("HRKU", "-AA", chars(58)), expected: "HRKU-AA****" },
  { id: "digitalocean-token", secret: join("do", "p_v1_", chars(64, "0123456789abcdef")), expected: "dop_v1_****" },
  { id: "shopify-token", secret: join("shp", "at_", chars(32, "0123456789abcdef")), expected: "shpat_****" },
  { id: "square-token", secret: join("sq0", "atp-", chars(22)), expected: "sq0atp-****" },
  { id: "square-token", secret: join("EA", "AA", chars(60)), expected: "EAAA****" },
  { id: "telegram-bot-token", secret: join("123456789", ":AA", chars(33)), expected: "123456789:****" },
  { id: "discord-bot-token", secret: join("MT", chars(22), ".", chars(6), ".", chars(30)), expected: "****" },
  { id: "databricks-token", secret: join("da", "pi", chars(32, "0123456789abcdef")), expected: "dapi****" },
  { id: "vault-token", secret: join("hv", "s.", chars(95)), expected: "hvs.****" },
  { id: "terraform-cloud-token", secret: join(chars(14), ".atlas", "v1.", chars(64)), expected: "****" },
  { id: "huggingface-token", secret: join("h", "f_", chars(34, "abcdefghijklmnopqrstuvwxyzABCDEF")), expected: "hf_****" },
  { id: "sentry-token", secret: join("sntry", "u_", chars(64, "0123456789abcdef")), expected: "sntryu_****" },
  { id: "doppler-token", secret: join("dp", ".pt.", chars(43)), expected: "dp.pt.****" },
  { id: "linear-key", secret: join("lin", "_api_", chars(40)), expected: "lin_api_****" },
  { id: "postman-key", secret: join("PM", "AK-", chars(24, "0123456789abcdef"), "-", chars(34, "0123456789abcdef")), expected: "PMAK-****" },
  { id: "pulumi-token", secret: join("pu", "l-", chars(40, "0123456789abcdef")), expected: "pul-****" },
  { id: "grafana-token", secret: join("gl", "sa_", chars(32), "_", chars(8, "0123456789abcdef")), expected: "glsa_****" },
  { id: "age-secret-key", secret: join("AGE-SECRET", "-KEY-1", chars(58, "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L")), expected: "AGE-SECRET-KEY-1****" },
  { id: "stripe-key", secret: join("wh", "sec_", chars(32)), expected: "whsec_****" },
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

  it("masks context-bound formats: Twilio, Heroku and Datadog keys by their names, npmrc credentials, Discord webhooks, SAS URLs", () => {
    const hex32 = chars(32, "0123456789abcdef");
    expect(redactSecrets(`TWILIO_AUTH_TOKEN=${hex32}`)).toBe("TWILIO_AUTH_TOKEN=****");
    const uuid = "3f2a9c1e-7b4d-4e8f-9a6b-2c5d8e1f0a7b";
    expect(redactSecrets(`heroku_api_key = "${uuid}"`)).toBe('heroku_api_key = "****"');
    expect(redactSecrets(`DD_API_KEY: ${hex32}`)).toBe("DD_API_KEY: ****");
    expect(redactSecrets(`datadog_app_key='${chars(40, "0123456789abcdef")}'`)).toBe("datadog_app_key='****'");
    expect(redactSecrets(`//registry.example.com/:_authToken=${chars(36)}`)).toBe("//registry.example.com/:_authToken=****");
    expect(redactSecrets("//registry.npmjs.org/:_authToken=${NPM_TOKEN}")).toBe("//registry.npmjs.org/:_authToken=${NPM_TOKEN}");
    const hook = `https://discord.com/api/webhooks/112233445566778899/${chars(68)}`;
    expect(redactSecrets(hook)).toBe("https://discord.com/api/webhooks/112233445566778899/****");
    const sas = `https://acct.blob.core.windows.net/c/f.txt?sv=2022-11-02&ss=b&sp=r&sig=${chars(44)}%3D`;
    expect(redactSecrets(sas)).toBe("https://acct.blob.core.windows.net/c/f.txt?sv=2022-11-02&ss=b&sp=r&sig=****");
  });

  it("masks a Google Cloud service account key in its JSON, and Sentry DSNs that carry a secret", () => {
    const pem = `-----BEGIN PRIVATE KEY-----\\n${chars(64)}\\n${chars(40)}\\n-----END PRIVATE KEY-----\\n`;
    const json = `{"type": "service_account", "private_key_id": "abc", "private_key": "${pem}", "client_email": "x@p.iam.gserviceaccount.com"}`;
    const out = redactSecrets(json);
    expect(out).toBe('{"type": "service_account", "private_key_id": "abc", "private_key": "****", "client_email": "x@p.iam.gserviceaccount.com"}');
    expect(redactSecrets(`https://${chars(32, "0123456789abcdef")}:${chars(32, "fedcba9876543210")}@o1.ingest.sentry.io/42`)).toBe(
      `https://${chars(32, "0123456789abcdef")}:****@o1.ingest.sentry.io/42`,
    );
    // A modern DSN has only the public key: nothing to mask.
    const dsn = `https://${chars(32, "0123456789abcdef")}@o1.ingest.sentry.io/42`;
    expect(redactSecrets(dsn)).toBe(dsn);
  });

  it("masks high-entropy values assigned to secret-like names, and passwords, but not identifiers or references", () => {
    const random = chars(32, "Zx8Qw3Er5Ty7Ui9Op1AsDf2Gh4Jk6Lm");
    expect(redactSecrets(`const clientSecret = "${random}";`)).toBe('const clientSecret = "****";');
    expect(redactSecrets(`SIGNING_KEY=${random}`)).toBe("SIGNING_KEY=****");
    expect(redactSecrets(`db_password: "Tr0ub4dor&3x"`)).toBe('db_password: "****"');
    expect(redactSecrets(`app.config["JWT_SECRET_KEY"] = "${random}"`)).toBe('app.config["JWT_SECRET_KEY"] = "****"');
    const untouched = [
      'secret_name = "prod-db-credentials"',
      "api_key = os.environ['API_KEY']",
      "token: ${{ secrets.GITHUB_TOKEN }}",
      'const password = getPassword();',
      "password = changeme",
      'access_token_url = "https://example.com/oauth/token"',
    ];
    for (const line of untouched) expect(redactSecrets(line)).toBe(line);
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

describe("redactSecrets: lookalikes of the provider formats", () => {
  it("leaves identifiers, digests and prose that resemble tokens alone", () => {
    const text = [
      "the key-value store keeps key-cache-for-session-ids-2024",
      "SKU-12345 ships in 2 days; see docs/SK-guide.md",
      "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
      "commit 4b825dc642cb6eb9a060e54bf8d69288fbee4904",
      "uuid 3f2a9c1e-7b4d-4e8f-9a6b-2c5d8e1f0a7b",
      "integrity sha512-Z8h5w3e1Q2r4T6y8U0i9O7p5A3s1D2f4G6h8J0k2L4z6X8c0V2b4N6m8Q0w2E4r6T8y0U2i4O6p8A0s2D4f6==",
      "Module.Component.render(props)",
      "dapi is the Databricks prefix; hf_ the Hugging Face one",
      "error at 12:34 in AA-batch",
    ].join("\n");
    expect(redactSecrets(text)).toBe(text);
  });
});

describe("redactSecrets: URL credentials with unusual characters", () => {
  it("masks a URL password that contains '*', and does not re-mask an already masked one", () => {
    expect(redactSecrets("mysql://root:pa*ss*word@db.example.com/app")).toBe("mysql://root:****@db.example.com/app");
    expect(redactSecrets("mysql://root:****@db.example.com/app")).toBe("mysql://root:****@db.example.com/app");
  });
});

describe("gitleaks' rules (vendored)", () => {
  // Assembled at runtime: the file holds no credential-shaped literal.
  const planetscale = ["pscale", "_pw_", "Zx8Qw3Er5Ty7Ui9Op1AsDf2Gh4Jk6LmNb"].join("");
  const shippo = ["shippo", "_live_", "0123456789abcdef0123456789abcdef01234567".split("").reverse().join("")].join("");
  it("detects and redacts formats only gitleaks knows, with one rule set for both", () => {
    const text = `DATABASE_PASSWORD=${planetscale}\nconst client = shippo("${shippo}");\n`;
    const found = findSecrets(text).map((m) => m.pattern.id);
    expect(found).toEqual(["planetscale-password", "shippo-api-token"]);
    const redacted = redactSecrets(text);
    expect(redacted).not.toContain(planetscale);
    expect(redacted).not.toContain(shippo);
    expect(redacted).toContain("DATABASE_PASSWORD=****");
  });
  it("keeps gitleaks' entropy floor: a low-entropy value in a secret's shape is not a secret", () => {
    expect(findSecrets(`${["pscale", "_pw_"].join("")}${"a".repeat(40)}`)).toEqual([]);
  });
});

describe("secret candidates: the keyword prefilter", () => {
  const idOf = (i: number): string => SECRET_PATTERNS[i]!.id;
  const discord = join("MT", chars(22), ".", chars(6), ".", chars(30));
  const github = join("gh", "p_", chars(36));
  it("runs a rule without keywords on every text long enough for it", () => {
    const rule = SECRET_PATTERNS.find((p) => p.keywords === undefined)!;
    expect(rule.id).toBe("discord-bot-token");
    expect(secretCandidates(`token: ${discord}`).map(idOf)).toContain(rule.id);
    expect(findSecrets(`token: ${discord}`).map((m) => m.pattern.id)).toEqual([rule.id]);
    // Shorter than any match can be: not tried.
    expect(secretCandidates("x".repeat(rule.minLength! - 1))).toEqual([]);
  });
  it("matches a keyword in another case", () => {
    expect(secretCandidates("X-GITHUB_PAT_ABC").map(idOf)).toContain("github-pat");
    // A case-insensitive rule whose keyword ("adafruit") is written in upper case.
    const line = `ADAFRUIT_API_KEY = "${chars(32, "abcdefghijklmnopqrstuvwxyz0123456789")}"`;
    expect(secretCandidates(line).map(idOf)).toContain("adafruit-api-key");
    expect(findSecrets(line).map((m) => m.pattern.id)).toContain("adafruit-api-key");
  });
  it("gives nothing for a line that holds a keyword but no match", () => {
    expect(secretCandidates("the ghp_ prefix marks a GitHub token").map(idOf)).toContain("github-token");
    expect(findSecrets("the ghp_ prefix marks a GitHub token")).toEqual([]);
    expect(secretCandidates("const a = 1;")).toEqual([]);
  });
  it("gives each line of a joined text the candidates a scan of the line alone gives", () => {
    const lines = ["const a = 1;", `gh = "${github}"`, "", `x = ${discord} and sk-${chars(30)}`, "KEY= AKIA"];
    const starts: number[] = [];
    let offset = 0;
    for (const l of lines) {
      starts.push(offset);
      offset += l.length + 1;
    }
    expect(secretCandidatesByLine(lines.join("\n"), starts)).toEqual(lines.map((l) => secretCandidates(l)));
  });
  it("flags, in the same pass, the lines holding a word of each group (any case), next to the same candidates", () => {
    const lines = ["const a = 1;", `gh = "${github}"`, "DB_PASSWORD = x", "", "doLogin(pass)", "KEY= AKIA", "signature"];
    const starts: number[] = [];
    let offset = 0;
    for (const l of lines) {
      starts.push(offset);
      offset += l.length + 1;
    }
    const scan = secretLineScanner([["key", "pass"], ["login", "sign"]]);
    const { candidates, flags } = scan(lines.join("\n"), starts);
    expect(candidates).toEqual(lines.map((l) => secretCandidates(l)));
    expect([...flags[0]!]).toEqual([0, 0, 1, 0, 1, 1, 0]);
    expect([...flags[1]!]).toEqual([0, 0, 0, 0, 1, 0, 1]);
  });
});
