import { isHighEntropyString, shannonEntropy } from "../qa/entropy.ts";
import { buildKeywordMatcher, type KeywordMatcher } from "./build-keyword-matcher.ts";
import { GITLEAKS_RULES, type GitleaksRule } from "./gitleaks-rules.ts";

/**
 * Secret redaction for everything Moderator posts or stores (comments, check runs, logs, findings).
 * Pure. A masked secret keeps a short non-secret hint (its well-known prefix) followed by `****`,
 * e.g. `ghp_****`, `Authorization: Bearer ****`. Redaction is idempotent.
 */

export interface SecretPattern {
  /** Stable id, used in finding titles and tests (e.g. "github-token"). */
  id: string;
  /** One line, human readable ("GitHub token"). */
  description: string;
  /**
   * Global regex. The named group `keep` (always present, may be empty) is kept as the hint,
   * the optional named group `tail` is kept after the mask; everything else in the match is masked.
   */
  regex: RegExp;
  /** How bad a leak of this kind is, for the secrets analyzer. */
  severity: "critical" | "high";
  /**
   * Found by its context (a key-like name, a URL, a header) rather than a provider's token format:
   * the secrets analyzer applies its placeholder and allow-list checks to it.
   */
  generic?: boolean;
  /**
   * Lower-case substrings one of which every match contains (a prefilter: the regex runs only on texts that hold
   * one). Absent: the regex always runs.
   */
  keywords?: readonly string[];
  /**
   * The shortest text a match can be (a prefilter for patterns without keywords: shorter texts are not tried).
   * Absent: 0.
   */
  minLength?: number;
  /** Spans lines (a PEM block): the secrets analyzer also matches it over each run of added lines, not only line by line. */
  multiline?: boolean;
  /** The capture group that holds the secret (gitleaks rules), instead of the `keep`/`tail` groups around it. */
  secretGroup?: number;
  /** Extra check on the masked part (`secret`) of a match (`match` is the whole match); false leaves it alone. */
  accept?: (secret: string, match: string) => boolean;
}

export const MASK = "****";

const PEM_LABEL = String.raw`(?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?`;

/** Ordered: specific formats first, generic ones (URL credentials, Authorization headers) last. */
export const SECRET_PATTERNS: readonly SecretPattern[] = [
  {
    id: "gcp-service-account-key",
    keywords: ["private_key"],
    description: "Google Cloud service account private key",
    regex: /(?<keep>"private_key"\s*:\s*")-----BEGIN [A-Z ]*PRIVATE KEY-----[^"]*(?<tail>")/g,
    severity: "critical",
  },
  {
    id: "private-key",
    keywords: ["-----begin"],
    description: "private key (PEM block)",
    regex: new RegExp(
      String.raw`(?<keep>-----BEGIN ${PEM_LABEL}-----)[\s\S]*?(?<tail>-----END ${PEM_LABEL}-----)`,
      "g",
    ),
    severity: "critical",
    multiline: true,
    accept: (secret) => hasKeyBody(secret),
  },
  {
    id: "private-key-unterminated",
    keywords: ["-----begin"],
    description: "private key (PEM header without its END line)",
    regex: new RegExp(
      String.raw`(?<keep>-----BEGIN ${PEM_LABEL}-----)(?!\*{4})(?:(?:\r?\n|\\n)(?:[A-Za-z-]+: [^\r\n]*|[A-Za-z0-9+/=]{16,}))*`,
      "g",
    ),
    severity: "critical",
    multiline: true,
    accept: (secret) => hasKeyBody(secret),
  },
  {
    id: "github-token",
    keywords: ["ghp_", "gho_", "ghu_", "ghs_", "ghr_"],
    description: "GitHub token",
    regex: /\b(?<keep>gh[pousr]_)[A-Za-z0-9]{36,251}\b/g,
    severity: "critical",
  },
  {
    id: "github-pat",
    keywords: ["github_pat_"],
    description: "GitHub fine-grained personal access token",
    regex: /\b(?<keep>github_pat_)[A-Za-z0-9_]{22,255}\b/g,
    severity: "critical",
  },
  {
    id: "gitlab-token",
    keywords: ["glpat-", "glptt-", "gldt-", "glrt-", "glcbt-", "glft-", "glsoat-", "gloas-", "glagent-"],
    description: "GitLab token",
    regex: /\b(?<keep>gl(?:pat|ptt|dt|rt|cbt|ft|soat|oas|agent)-)[A-Za-z0-9_-]{20,}/g,
    severity: "critical",
  },
  {
    id: "npm-token",
    keywords: ["npm_"],
    description: "npm access token",
    regex: /\b(?<keep>npm_)[A-Za-z0-9]{36}\b/g,
    severity: "critical",
  },
  {
    id: "pypi-token",
    keywords: ["pypi-"],
    description: "PyPI upload token",
    regex: /\b(?<keep>pypi-)AgE[A-Za-z0-9_-]{50,}/g,
    severity: "critical",
  },
  {
    id: "sendgrid-key",
    keywords: ["sg."],
    description: "SendGrid API key",
    regex: /\b(?<keep>SG\.)[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/g,
    severity: "critical",
  },
  {
    id: "twilio-api-key",
    keywords: ["sk"],
        description: "Twilio API key",
    regex: /\b(?<keep>SK)[0-9a-fA-F]{32}\b/g,
    severity: "high",
  },
  {
    id: "twilio-credentials",
    keywords: ["ac"],
    description: "Twilio account SID with its auth token",
    regex: /\b(?<keep>AC[0-9a-f]{32}:)[0-9a-f]{32}\b/g,
    severity: "critical",
  },
  {
    id: "twilio-auth-token",
    keywords: ["twilio"],
    description: "Twilio auth token",
    regex: /(?<keep>\btwilio[\w.-]{0,30}?(?:auth)?[\w.-]{0,10}?token["']?\s*(?::=|=>|[:=])\s*["']?)[0-9a-f]{32}\b/gi,
    severity: "critical",
  },
  {
    id: "mailgun-key",
    keywords: ["key-"],
    description: "Mailgun API key",
    regex: /\b(?<keep>key-)(?=[0-9a-z]{0,31}[0-9])(?=[0-9a-z]{0,31}[a-z])[0-9a-z]{32}\b/g,
    severity: "high",
  },
  {
    id: "azure-storage-key",
    keywords: ["accountkey="],
    description: "Azure storage account key",
    regex: /(?<keep>\bAccountKey=)[A-Za-z0-9+/]{86}==/g,
    severity: "critical",
  },
  {
    id: "azure-shared-access-key",
    keywords: ["sharedaccesskey="],
    description: "Azure shared access key (Service Bus, Event Hubs, IoT Hub)",
    regex: /(?<keep>\bSharedAccessKey=)[A-Za-z0-9+/]{40,}={0,2}/g,
    severity: "critical",
  },
  {
    id: "heroku-key",
    keywords: ["hrku-"],
    description: "Heroku API key",
    regex: /\b(?<keep>HRKU-AA)[0-9a-zA-Z_-]{58}(?![0-9a-zA-Z_-])/g,
    severity: "critical",
  },
  {
    id: "heroku-legacy-key",
    keywords: ["heroku"],
    description: "Heroku API key",
    regex:
      /(?<keep>\bheroku[\w.-]{0,20}?(?:key|token)["']?\s*(?::=|=>|[:=])\s*["']?)[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi,
    severity: "critical",
  },
  {
    id: "digitalocean-token",
    keywords: ["doo_v1_", "dop_v1_", "dor_v1_"],
    description: "DigitalOcean token",
    regex: /\b(?<keep>do[opr]_v1_)[a-f0-9]{64}\b/g,
    severity: "critical",
  },
  {
    id: "shopify-token",
    keywords: ["shpat_", "shpca_", "shppa_", "shpss_"],
    description: "Shopify access token or shared secret",
    regex: /\b(?<keep>shp(?:at|ca|pa|ss)_)[a-fA-F0-9]{32}\b/g,
    severity: "critical",
  },
  {
    id: "square-token",
    keywords: ["sq0atp-", "sq0csp-", "eaaa"],
    description: "Square access token or OAuth secret",
    regex: /\b(?<keep>sq0(?:atp|csp)-)[0-9A-Za-z_-]{22,43}|\b(?<keep2>EAAA)[A-Za-z0-9_-]{60}(?![A-Za-z0-9_-])/g,
    severity: "critical",
  },
  {
    id: "telegram-bot-token",
    keywords: [":aa"],
    description: "Telegram bot token",
    regex: /\b(?<keep>\d{6,12}:)AA[A-Za-z0-9_-]{33}(?![A-Za-z0-9_-])/g,
    severity: "critical",
  },
  {
    id: "discord-bot-token",
    description: "Discord bot token",
    minLength: 59,
    regex: /\b(?<keep>)[MNO][A-Za-z0-9_-]{23,25}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27,38}(?![A-Za-z0-9_-])/g,
    severity: "critical",
    // The first part is a base64 user id: it always holds digits (identifiers with two dots rarely do).
    accept: (secret) => /[0-9]/.test(secret.slice(0, 26)),
  },
  {
    id: "discord-webhook",
    keywords: ["discord"],
    description: "Discord webhook URL",
    regex: /(?<keep>https:\/\/(?:ptb\.|canary\.)?discord(?:app)?\.com\/api\/webhooks\/\d+\/)[A-Za-z0-9_-]{60,68}/g,
    severity: "high",
  },
  {
    id: "databricks-token",
    keywords: ["dapi"],
    description: "Databricks personal access token",
    regex: /\b(?<keep>dapi)[a-f0-9]{32}(?:-\d+)?\b/g,
    severity: "critical",
  },
  {
    id: "vault-token",
    keywords: ["hvs.", "hvb."],
    description: "HashiCorp Vault token",
    regex: /\b(?<keep>hv[sb]\.)[A-Za-z0-9_-]{90,300}/g,
    severity: "critical",
  },
  {
    id: "terraform-cloud-token",
    keywords: [".atlasv1."],
    description: "HashiCorp Terraform Cloud token",
    regex: /\b(?<keep>)[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_=-]{60,70}/g,
    severity: "critical",
  },
  {
    id: "huggingface-token",
    keywords: ["hf_", "api_org_"],
    description: "Hugging Face access token",
    regex: /\b(?<keep>hf_|api_org_)[A-Za-z]{34}\b/g,
    severity: "critical",
  },
  {
    id: "datadog-key",
    keywords: ["key"],
    description: "Datadog API or application key",
    regex:
      /(?<keep>\b(?:datadog|dd)[\w.-]{0,20}?(?:api|app|application)[\w.-]{0,10}?key["']?\s*(?::=|=>|[:=])\s*["']?)(?:[a-f0-9]{40}|[a-f0-9]{32})\b/gi,
    severity: "critical",
  },
  {
    id: "sentry-token",
    keywords: ["sntrys_", "sntryu_"],
    description: "Sentry auth token",
    regex: /\b(?<keep>sntrys_)eyJ[A-Za-z0-9+/=_-]{30,}|\b(?<keep2>sntryu_)[a-f0-9]{64}\b/g,
    severity: "critical",
  },
  {
    id: "doppler-token",
    keywords: ["dp."],
    description: "Doppler token",
    regex: /\b(?<keep>dp\.(?:pt|st|sa|ct|scim|audit)\.)[A-Za-z0-9]{40,44}\b/g,
    severity: "critical",
  },
  {
    id: "linear-key",
    keywords: ["lin_api_"],
    description: "Linear API key",
    regex: /\b(?<keep>lin_api_)[A-Za-z0-9]{40}\b/g,
    severity: "high",
  },
  {
    id: "postman-key",
    keywords: ["pmak-"],
    description: "Postman API key",
    regex: /\b(?<keep>PMAK-)[a-f0-9]{24}-[a-f0-9]{34}\b/g,
    severity: "high",
  },
  {
    id: "pulumi-token",
    keywords: ["pul-"],
    description: "Pulumi access token",
    regex: /\b(?<keep>pul-)[a-f0-9]{40}\b/g,
    severity: "critical",
  },
  {
    id: "grafana-token",
    keywords: ["glsa_", "glc_"],
    description: "Grafana service account or cloud token",
    regex: /\b(?<keep>glsa_)[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}\b|\b(?<keep2>glc_)eyJ[A-Za-z0-9+/=_-]{32,}/g,
    severity: "high",
  },
  {
    id: "age-secret-key",
    keywords: ["age-secret-key-1"],
    description: "age encryption secret key",
    regex: /\b(?<keep>AGE-SECRET-KEY-1)[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}\b/g,
    severity: "critical",
  },
  {
    id: "npmrc-auth",
    keywords: ["_auth", "_password"],
    description: "npm registry credentials (.npmrc _authToken/_auth/_password)",
    regex: /(?<keep>(?<![\w-])_(?:authToken|auth|password)\s*=\s*)(?![$"'{])(?![^\s"']*\*{4})[^\s"']{16,}/g,
    severity: "critical",
  },
  {
    id: "anthropic-key",
    keywords: ["sk-ant-"],
    description: "Anthropic API key",
    regex: /\b(?<keep>sk-ant-)[A-Za-z0-9_-]{20,}/g,
    severity: "critical",
  },
  {
    id: "openai-key",
    keywords: ["sk-"],
    description: "OpenAI API key",
    regex: /\b(?<keep>sk-(?:proj-|svcacct-|admin-)?)(?=[A-Za-z0-9_-]*[0-9])(?=[A-Za-z0-9_-]*[A-Za-z])[A-Za-z0-9_-]{20,}/g,
    severity: "critical",
  },
  {
    id: "stripe-key",
    keywords: ["sk_live_", "rk_live_", "whsec_"],
    description: "Stripe live secret, restricted or webhook signing key",
    regex: /\b(?<keep>(?:sk|rk)_live_|whsec_)[A-Za-z0-9]{16,}/g,
    severity: "critical",
  },
  {
    id: "aws-access-key",
    keywords: ["akia", "asia", "abia", "acca", "agpa", "aida", "aipa", "anpa", "anva", "apka", "aroa"],
    description: "AWS access key id",
    regex: /\b(?<keep>AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|APKA|AROA)[A-Z0-9]{16}\b/g,
    severity: "critical",
  },
  {
    id: "aws-secret-key",
    keywords: ["awssecret", "aws_secret", "aws-secret"],
    description: "AWS secret access key",
    regex: /(?<keep>\baws_?secret_?access_?key["']?\s*[:=]\s*["']?)[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])/gi,
    severity: "critical",
  },
  {
    id: "slack-token",
    keywords: ["xox"],
    description: "Slack token",
    regex: /\b(?<keep>xox[abposre]-)[A-Za-z0-9-]{10,}/g,
    severity: "critical",
  },
  {
    id: "slack-webhook",
    keywords: ["hooks.slack.com"],
    description: "Slack incoming webhook URL",
    regex: /(?<keep>https:\/\/hooks\.slack\.com\/services\/)[A-Za-z0-9/_-]{20,}/g,
    severity: "high",
  },
  {
    id: "google-api-key",
    keywords: ["aiza"],
    description: "Google API key",
    regex: /\b(?<keep>AIza)[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])/g,
    severity: "high",
  },
  {
    id: "jwt",
    keywords: ["eyj"],
    description: "JSON Web Token",
    regex: /\b(?<keep>eyJ)[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g,
    severity: "high",
  },
  {
    id: "x-access-token",
    keywords: ["x-access-token:"],
    description: "GitHub App token in a git URL (x-access-token)",
    regex: /(?<keep>x-access-token:)(?![^\s@/]{0,1024}\*{4}@)[^\s@/]{1,1024}(?=@)/g,
    severity: "critical",
  },
  // gitleaks' rules (vendored by scripts/refresh-gitleaks-rules.mjs), after the hand-kept formats, before the generic ones.
  ...GITLEAKS_RULES.map(fromGitleaks),
  {
    id: "url-credentials",
    keywords: ["://"],
    description: "password in a URL",
    generic: true,
    regex: /(?<keep>\b[a-zA-Z][a-zA-Z0-9+.-]{0,30}:\/\/[^\s:/@]{1,256}:)(?![^\s@/]{0,256}\*{4}@)[^\s@/]{1,256}(?=@)/g,
    severity: "high",
  },
  {
    id: "authorization-header",
    keywords: ["authorization"],
    description: "Authorization header credentials",
    generic: true,
    regex: /(?<keep>\bauthorization["']?\s*[:=]\s*["']?(?:bearer|basic|token|bot)\s+)[\w.~+/=-]+(?![\w.~+/=*-])/gi,
    severity: "high",
  },
  {
    id: "azure-sas-signature",
    keywords: ["sig="],
    description: "Azure shared access signature (sig= in a SAS URL)",
    regex: /(?<keep>[?&]sv=\d{4}-\d{2}-\d{2}[^\s"'<>]*?[?&]sig=)(?![^\s&"']*\*{4})[A-Za-z0-9%+/]{30,}(?:%3D|=){0,2}/gi,
    severity: "high",
  },
  {
    id: "secret-assignment",
    keywords: ["secret", "token", "passw", "passphrase", "api_key", "api-key", "apikey", "access_key", "access-key", "accesskey", "private_key", "private-key", "privatekey", "signing", "encryption", "credential"],
    description: "high-entropy value assigned to a secret-like name",
    regex: new RegExp(
      String.raw`(?<keep>(?<![\w.-])(?:[A-Za-z_][\w.-]{0,60}?)?(?:secret|token|passw(?:or)?d|passphrase|api[_-]?key|access[_-]?key|private[_-]?key|signing[_-]?key|encryption[_-]?key|credentials?)(?:[_-]?key)?["']?\]?\s*(?::=|=>|[:=])\s*["'\x60]?)(?<value>[^\s"'\x60,;<>(){}\[\]*]{8,512})(?![^\s"'\x60,;<>(){}\[\]])`,
      "gi",
    ),
    severity: "high",
    generic: true,
    accept: (secret, match) => acceptAssignedSecret(secret, match),
  },
];

/**
 * A PEM private key needs a body: at least 64 base64 characters between its header and its end, once line breaks
 * (real or escaped), quotes, string concatenation and RFC 1421 headers (`Proc-Type: …`) are removed. A header
 * alone (a constant, a prefix check) and a placeholder body (`...`, `…`, `<key>`) are not keys.
 */
export function hasKeyBody(body: string): boolean {
  if (/\.\.\.|…|<[^>]*>|\$\{|x{6,}|X{6,}/.test(body)) return false;
  const stripped = body
    .replace(/^[A-Za-z-]+: [^\r\n]*$/gm, "")
    .replace(/\\[nr]|["'`+,\s]/g, "");
  if (stripped.length < 64) return false;
  let base64 = 0;
  for (let i = 0; i < stripped.length; i++) {
    const c = stripped.charCodeAt(i);
    if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 43 || c === 47 || c === 61) base64++;
  }
  return base64 >= 64 && base64 / stripped.length >= 0.95;
}

/** A gitleaks rule as a SecretPattern: its keywords, its secret group, its minimum entropy. */
function fromGitleaks(rule: GitleaksRule): SecretPattern {
  const regex = new RegExp(rule.source, `${rule.flags}g`);
  const groups = new RegExp(`${rule.source}|`, rule.flags).exec("")!.length - 1;
  const secretGroup = rule.secretGroup ?? (groups > 0 ? 1 : 0);
  const entropy = rule.entropy;
  return {
    id: rule.id,
    description: `${rule.id.replace(/-/g, " ")} (gitleaks rule)`,
    regex,
    severity: "high",
    ...(rule.keywords.length > 0 ? { keywords: rule.keywords } : {}),
    secretGroup,
    ...(entropy !== undefined ? { accept: (secret: string) => shannonEntropy(secret) >= entropy } : {}),
  };
}

/** A value assigned to a secret-like name is masked when it looks random (or, for a password, non-trivial). */
function acceptAssignedSecret(secret: string, match: string): boolean {
  if (/^(?:true|false|null|none|undefined|\d+)$/i.test(secret) || /^[$%{<]/.test(secret)) return false;
  if (isHighEntropyString(secret, { minLength: 16 })) return true;
  const password = /passw(?:or)?d|passphrase/i.test(match.slice(0, match.length - secret.length));
  return password && secret.length >= 8 && /[0-9]/.test(secret) && /[A-Za-z]/.test(secret) && shannonEntropy(secret) >= 2.5;
}

/** Known values shorter than this are not masked: masking e.g. "test" everywhere would destroy output. */
export const MIN_KNOWN_SECRET_LENGTH = 6;

/**
 * Mask known secret values (exact matches, also their URL-encoded form) and secret-shaped strings.
 * Known values shorter than MIN_KNOWN_SECRET_LENGTH are ignored. Idempotent.
 */
export function redactSecrets(text: string, known: readonly string[] = []): string {
  if (typeof text !== "string" || text.length === 0) return typeof text === "string" ? text : "";
  let out = text;
  const values = new Set<string>();
  for (const value of known) {
    if (typeof value !== "string" || value.length < MIN_KNOWN_SECRET_LENGTH || value.includes(MASK)) continue;
    values.add(value);
    const encoded = encodeURIComponent(value);
    if (encoded !== value) values.add(encoded);
  }
  for (const value of [...values].sort((a, b) => b.length - a.length)) {
    if (!out.includes(value)) continue;
    const shaped = applyPatterns(value);
    out = out.split(value).join(shaped !== value ? shaped : MASK);
  }
  return applyPatterns(out);
}

/**
 * Non-global copies of the patterns, to test a text cheaply before running the global regex over it
 * (most texts match none). Regexes without the g/y flags keep no state between calls.
 */
const PROBES: readonly RegExp[] = SECRET_PATTERNS.map((p) => new RegExp(p.regex.source, p.regex.flags.replace(/[gy]/g, "")));

/** Every keyword, longest first. */
const KEYWORDS: readonly string[] = [...new Set(SECRET_PATTERNS.flatMap((p) => p.keywords ?? []))].sort((a, b) => b.length - a.length);
/** Every keyword, in one automaton: one pass over a text finds all the keywords it holds. */
const KEYWORD_MATCHER = buildKeywordMatcher(KEYWORDS);
/** For each keyword (by index in KEYWORDS), the patterns it belongs to. */
const PATTERNS_OF_KEYWORD: ReadonlyArray<readonly number[]> = KEYWORDS.map((k) =>
  SECRET_PATTERNS.flatMap((p, i) => ((p.keywords ?? []).includes(k) ? [i] : [])),
);
/** Patterns without keywords (few): they run on every text at least their `minLength` long. */
const ALWAYS: readonly number[] = SECRET_PATTERNS.flatMap((p, i) => (p.keywords ? [] : [i]));
const NONE: readonly number[] = [];
/** For each distinct minLength of the ALWAYS patterns (ascending), those a text of at least that length gets. */
const ALWAYS_STEPS: ReadonlyArray<{ minLength: number; patterns: readonly number[] }> = [
  ...new Set(ALWAYS.map((i) => SECRET_PATTERNS[i]!.minLength ?? 0)),
]
  .sort((a, b) => a - b)
  .map((minLength) => ({ minLength, patterns: ALWAYS.filter((i) => (SECRET_PATTERNS[i]!.minLength ?? 0) <= minLength) }));

/** The ALWAYS patterns a text of `length` characters gets (shared arrays: no allocation). */
function alwaysFor(length: number): readonly number[] {
  let out = NONE;
  for (const step of ALWAYS_STEPS) {
    if (length < step.minLength) break;
    out = step.patterns;
  }
  return out;
}
/** Patterns that can affect a multi-line pattern's matches: the multi-line ones and those before them (earlier spans win). */
const LAST_MULTILINE = SECRET_PATTERNS.reduce((last, p, i) => (p.multiline ? i : last), -1);

/**
 * The patterns worth trying on `text` (indexes into SECRET_PATTERNS, in order): those without keywords (when
 * `text` is at least their `minLength` long), and those whose keyword `text` holds, found in one pass by a keyword
 * automaton. A text that holds no keyword costs one scan and no allocation.
 */
export function secretCandidates(text: string): readonly number[] {
  const always = alwaysFor(text.length);
  let hit: Set<number> | undefined;
  KEYWORD_MATCHER.forEach(text, (k) => {
    hit ??= new Set(always);
    for (const i of PATTERNS_OF_KEYWORD[k]!) hit.add(i);
  });
  if (hit === undefined) return always;
  return [...(hit as Set<number>)].sort((a, b) => a - b);
}

/**
 * secretCandidates for every line of a text made of lines joined by "\n" (`starts`: where each line starts), from one
 * scan of the whole text (keywords hold no line break, so each occurrence lies in one line). Cheaper than a scan per
 * line: one pass over one flat string.
 */
export function secretCandidatesByLine(text: string, starts: readonly number[]): Array<readonly number[]> {
  return candidatesByLine(text, starts, KEYWORD_MATCHER, PATTERNS_OF_KEYWORD, undefined, []);
}

/**
 * A scanner giving secretCandidatesByLine and, from the same automaton pass, one flag per line for each group of
 * `groups` (lower-case words, matched case-insensitively for A-Z, like the keywords): 1 where the line holds one of
 * the group's words. For callers that prefilter lines by their own words: one scan instead of two.
 */
export function secretLineScanner(
  groups: ReadonlyArray<readonly string[]>,
): (text: string, starts: readonly number[]) => { candidates: Array<readonly number[]>; flags: Uint8Array[] } {
  const words = [...KEYWORDS, ...new Set(groups.flat())].filter((w, i, all) => all.indexOf(w) === i);
  const matcher = buildKeywordMatcher(words);
  const patternsOf = words.map((_, k) => PATTERNS_OF_KEYWORD[k] ?? NONE);
  const groupsOf = words.map((w) => groups.flatMap((g, i) => (g.includes(w) ? [i] : [])));
  return (text, starts) => {
    const flags = groups.map(() => new Uint8Array(starts.length));
    return { candidates: candidatesByLine(text, starts, matcher, patternsOf, groupsOf, flags), flags };
  };
}

function candidatesByLine(
  text: string,
  starts: readonly number[],
  matcher: KeywordMatcher,
  patternsOf: ReadonlyArray<readonly number[]>,
  groupsOf: ReadonlyArray<readonly number[]> | undefined,
  flags: Uint8Array[],
): Array<readonly number[]> {
  const out: Array<readonly number[]> = [];
  const lengthOf = (l: number): number => (l + 1 < starts.length ? starts[l + 1]! - 1 : text.length) - starts[l]!;
  /** The line the keywords are being collected for, and its patterns so far (deduplicated by SEEN). */
  let line = 0;
  let list: number[] | undefined;
  const finish = (): void => {
    // Lines before `line` without keywords get their shared ALWAYS array; `line` gets its own, sorted.
    for (let l = out.length; l < line; l++) out.push(alwaysFor(lengthOf(l)));
    if (list === undefined) return;
    for (const i of alwaysFor(lengthOf(line))) if (SEEN[i] !== seenStamp) list.push(i);
    out.push(list.sort((x, y) => x - y));
    list = undefined;
  };
  matcher.forEach(text, (k, end) => {
    if (line + 1 < starts.length && starts[line + 1]! < end) {
      finish();
      while (line + 1 < starts.length && starts[line + 1]! < end) line++;
    }
    if (groupsOf !== undefined) for (const g of groupsOf[k]!) flags[g]![line] = 1;
    const patterns = patternsOf[k]!;
    if (patterns.length === 0) return;
    if (list === undefined) {
      list = [];
      nextSeenStamp();
    }
    for (const i of patterns) {
      if (SEEN[i] === seenStamp) continue;
      SEEN[i] = seenStamp;
      list.push(i);
    }
  });
  finish();
  for (let l = out.length; l < starts.length; l++) out.push(alwaysFor(lengthOf(l)));
  return out;
}

/** Which patterns a line's list already holds: SEEN[i] === seenStamp (a new stamp per line, no set to allocate). */
const SEEN = new Int32Array(SECRET_PATTERNS.length);
let seenStamp = 0;
function nextSeenStamp(): void {
  if (seenStamp === 0x7fffffff) {
    SEEN.fill(0);
    seenStamp = 0;
  }
  seenStamp++;
}

/**
 * The candidates (see secretCandidates) that matter for the multi-line patterns over a text of many lines: the
 * multi-line patterns and the ones before them, whose spans win over theirs.
 */
export function multilineCandidates(text: string): readonly number[] {
  return secretCandidates(text).filter((i) => i <= LAST_MULTILINE);
}

function applyPatterns(text: string): string {
  let out = text;
  for (const i of secretCandidates(text)) {
    const pattern = SECRET_PATTERNS[i]!;
    if (!PROBES[i]!.test(out)) continue;
    out = out.replace(pattern.regex, (...args: unknown[]) => {
      const hit = pattern.secretGroup !== undefined ? splitAtGroup(String(args[0]), args[pattern.secretGroup]) : splitMatch(String(args[0]), args.at(-1));
      if (pattern.accept && !pattern.accept(hit.secret, hit.match)) return hit.match;
      return `${hit.keep}${MASK}${hit.tail}`;
    });
  }
  return out;
}

/** One secret found in a text by `findSecrets`. */
export interface SecretMatch {
  pattern: SecretPattern;
  /** Offsets of the whole match in the text (end exclusive). */
  start: number;
  end: number;
  /** The kept hint, the masked part and the kept tail; keep + secret + tail is the match. */
  keep: string;
  secret: string;
  tail: string;
}

/**
 * Every secret-shaped span of `text`, pattern by pattern in SECRET_PATTERNS order (only `candidates`, by default
 * those `secretCandidates(text)` names: pass a larger text's candidates to check many lines of it cheaply); a span that overlaps
 * an earlier (more specific) pattern's span is left out. Already masked values are not reported.
 */
export function findSecrets(text: string, candidates: readonly number[] = secretCandidates(text)): SecretMatch[] {
  const found: SecretMatch[] = [];
  if (typeof text !== "string" || text.length === 0 || candidates.length === 0) return found;
  for (const i of candidates) {
    const pattern = SECRET_PATTERNS[i]!;
    if (!PROBES[i]!.test(text)) continue;
    for (const m of text.matchAll(pattern.regex)) {
      const start = m.index;
      const end = start + m[0].length;
      if (found.some((f) => start < f.end && end > f.start)) continue;
      const hit = pattern.secretGroup !== undefined ? splitAtGroup(m[0], m[pattern.secretGroup]) : splitMatch(m[0], m.groups);
      if (hit.secret.includes(MASK)) continue;
      if (pattern.accept && !pattern.accept(hit.secret, hit.match)) continue;
      found.push({ pattern, start, end, keep: hit.keep, secret: hit.secret, tail: hit.tail });
    }
  }
  return found.sort((a, b) => a.start - b.start);
}

/** A match split into keep (hint: group `keep` or `keep2`), the secret, and tail. */
/** A match split around its secret group's text (the whole match when the group is empty or absent). */
function splitAtGroup(match: string, group: unknown): { match: string; keep: string; secret: string; tail: string } {
  const secret = typeof group === "string" && group.length > 0 ? group : match;
  const at = Math.max(0, match.indexOf(secret));
  return { match, keep: match.slice(0, at), secret, tail: match.slice(at + secret.length) };
}

function splitMatch(match: string, rawGroups: unknown): { match: string; keep: string; secret: string; tail: string } {
  const groups = (rawGroups ?? {}) as { keep?: string; keep2?: string; tail?: string };
  const keep = groups.keep ?? groups.keep2 ?? "";
  const tail = groups.tail ?? "";
  return { match, keep, secret: match.slice(keep.length, match.length - tail.length), tail };
}

/**
 * A run of the (URL-safe) base64 alphabet at least 32 characters long, standing alone (not part of a longer
 * word, path segment joined by ".", or URL): the shape of a bare secret key (an AWS secret access key is 40) or
 * of a line of a PEM body (64).
 */
const BARE_TOKEN = /(?<![A-Za-z0-9+/=_.-])[A-Za-z0-9+/_-]{32,}={0,2}(?![A-Za-z0-9+/=_.-])/g;
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

/**
 * Whether a bare token looks like key material rather than an identifier: upper and lower case letters and
 * digits (commit ids and digests are hex: kept), no UUID in it, and the same high-entropy test the secrets
 * analyzer applies to literals in files (`isHighEntropyString`, which also keeps words, paths and identifiers).
 */
function isBareSecret(token: string): boolean {
  if (/^[0-9a-fA-F]+$/.test(token) || UUID.test(token)) return false;
  if (!/[a-z]/.test(token) || !/[A-Z]/.test(token) || !/[0-9]/.test(token)) return false;
  return isHighEntropyString(token, { minLength: 32 });
}

/**
 * Redaction for text an agent (or any tool) printed that Moderator quotes in a comment, the PR, a check run or
 * the database: `redactSecrets` (known values and secret formats) plus the high-entropy check files get, so a
 * bare secret with no recognizable prefix or name (an AWS secret access key, a PEM body without its BEGIN line)
 * is masked too. Idempotent.
 */
export function redactQuotedText(text: string, known: readonly string[] = []): string {
  const out = redactSecrets(text, known);
  return out.replace(BARE_TOKEN, (token) => (isBareSecret(token) ? MASK : token));
}
