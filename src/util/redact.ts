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
}

export const MASK = "****";

const PEM_LABEL = String.raw`(?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?`;

/** Ordered: specific formats first, generic ones (URL credentials, Authorization headers) last. */
export const SECRET_PATTERNS: readonly SecretPattern[] = [
  {
    id: "private-key",
    description: "private key (PEM block)",
    regex: new RegExp(
      String.raw`(?<keep>-----BEGIN ${PEM_LABEL}-----)[\s\S]*?(?<tail>-----END ${PEM_LABEL}-----)`,
      "g",
    ),
    severity: "critical",
  },
  {
    id: "private-key-unterminated",
    description: "private key (PEM header without its END line)",
    regex: new RegExp(
      String.raw`(?<keep>-----BEGIN ${PEM_LABEL}-----)(?!\*{4})(?:(?:\r?\n|\\n)(?:[A-Za-z-]+: [^\r\n]*|[A-Za-z0-9+/=]{16,}))*`,
      "g",
    ),
    severity: "critical",
  },
  {
    id: "github-token",
    description: "GitHub token",
    regex: /\b(?<keep>gh[pousr]_)[A-Za-z0-9]{36,251}\b/g,
    severity: "critical",
  },
  {
    id: "github-pat",
    description: "GitHub fine-grained personal access token",
    regex: /\b(?<keep>github_pat_)[A-Za-z0-9_]{22,255}\b/g,
    severity: "critical",
  },
  {
    id: "gitlab-token",
    description: "GitLab personal access token",
    regex: /\b(?<keep>glpat-)[A-Za-z0-9_-]{20,}/g,
    severity: "critical",
  },
  {
    id: "npm-token",
    description: "npm access token",
    regex: /\b(?<keep>npm_)[A-Za-z0-9]{36}\b/g,
    severity: "critical",
  },
  {
    id: "anthropic-key",
    description: "Anthropic API key",
    regex: /\b(?<keep>sk-ant-)[A-Za-z0-9_-]{20,}/g,
    severity: "critical",
  },
  {
    id: "openai-key",
    description: "OpenAI API key",
    regex: /\b(?<keep>sk-(?:proj-|svcacct-|admin-)?)(?=[A-Za-z0-9_-]*[0-9])(?=[A-Za-z0-9_-]*[A-Za-z])[A-Za-z0-9_-]{20,}/g,
    severity: "critical",
  },
  {
    id: "stripe-key",
    description: "Stripe live secret or restricted key",
    regex: /\b(?<keep>(?:sk|rk)_live_)[A-Za-z0-9]{16,}/g,
    severity: "critical",
  },
  {
    id: "aws-access-key",
    description: "AWS access key id",
    regex: /\b(?<keep>AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|APKA|AROA)[A-Z0-9]{16}\b/g,
    severity: "critical",
  },
  {
    id: "aws-secret-key",
    description: "AWS secret access key",
    regex: /(?<keep>\baws_?secret_?access_?key["']?\s*[:=]\s*["']?)[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])/gi,
    severity: "critical",
  },
  {
    id: "slack-token",
    description: "Slack token",
    regex: /\b(?<keep>xox[abposre]-)[A-Za-z0-9-]{10,}/g,
    severity: "critical",
  },
  {
    id: "slack-webhook",
    description: "Slack incoming webhook URL",
    regex: /(?<keep>https:\/\/hooks\.slack\.com\/services\/)[A-Za-z0-9/_-]{20,}/g,
    severity: "high",
  },
  {
    id: "google-api-key",
    description: "Google API key",
    regex: /\b(?<keep>AIza)[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])/g,
    severity: "high",
  },
  {
    id: "jwt",
    description: "JSON Web Token",
    regex: /\b(?<keep>eyJ)[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g,
    severity: "high",
  },
  {
    id: "x-access-token",
    description: "GitHub App token in a git URL (x-access-token)",
    regex: /(?<keep>x-access-token:)(?![^\s@/]{0,1024}\*{4}@)[^\s@/]{1,1024}(?=@)/g,
    severity: "critical",
  },
  {
    id: "url-credentials",
    description: "password in a URL",
    regex: /(?<keep>\b[a-zA-Z][a-zA-Z0-9+.-]{0,30}:\/\/[^\s:/@]{1,256}:)(?![^\s@/]{0,256}\*{4}@)[^\s@/]{1,256}(?=@)/g,
    severity: "high",
  },
  {
    id: "authorization-header",
    description: "Authorization header credentials",
    regex: /(?<keep>\bauthorization["']?\s*[:=]\s*["']?(?:bearer|basic|token|bot)\s+)[\w.~+/=-]+(?![\w.~+/=*-])/gi,
    severity: "high",
  },
];

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

function applyPatterns(text: string): string {
  let out = text;
  for (const pattern of SECRET_PATTERNS) out = out.replace(pattern.regex, maskMatch);
  return out;
}

/** Replacement callback shared with the secrets analyzer: keep + MASK + tail. */
function maskMatch(...args: unknown[]): string {
  const groups = args.at(-1) as { keep?: string; tail?: string } | undefined;
  return `${groups?.keep ?? ""}${MASK}${groups?.tail ?? ""}`;
}
