import { z } from "zod";
import { matchGlob } from "./match-glob.ts";

/**
 * What `secrets/hardcoded` must not report: documented example credentials, placeholders, values that
 * are identifiers or digests rather than secrets, lockfile hashes, and lines a maintainer marked with
 * an inline `moderator:allow-secret` comment. Pure.
 */

/** Why a value was allowed (shown in tests and debug output). */
export type AllowReason =
  | "inline-allow"
  | "known-example"
  | "configured"
  | "placeholder"
  | "uuid"
  | "git-sha"
  | "digest"
  | "integrity"
  | "data-uri"
  | "lockfile";

/**
 * Repository-level additions to the allow-list (`.github/moderator.yml`, `qa.secrets`).
 * `values`: exact values that are not secrets (test fixtures); `patterns`: regular expressions
 * (JavaScript syntax) matched against the value; `paths`: globs of files whose key-like assignments
 * are not reported (provider-format tokens are still reported there).
 */
export const SecretAllowlistConfig = z.strictObject({
  values: z.array(z.string().min(1)).default([]),
  patterns: z
    .array(
      z.string().min(1).refine((source) => compiles(source), {
        message: "must be a valid JavaScript regular expression",
      }),
    )
    .default([]),
  paths: z.array(z.string().min(1)).default([]),
});
export type SecretAllowlistConfig = z.infer<typeof SecretAllowlistConfig>;

function compiles(source: string): boolean {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
}

/** The inline markers that silence the secrets rule on their line (ours, gitleaks', detect-secrets'). */
export const INLINE_ALLOW_MARKERS: readonly string[] = ["moderator:allow-secret", "gitleaks:allow", "pragma: allowlist secret"];

/** A word every inline marker holds (checked when the module loads). */
const MARKER_WORD = "allow";
if (!INLINE_ALLOW_MARKERS.every((m) => m.includes(MARKER_WORD))) throw new Error(`secret-allowlist: every inline marker must hold "${MARKER_WORD}"`);

/**
 * Credentials published in vendors' documentation as examples. They are assembled from parts so
 * this file does not itself look like it holds credentials to other scanners.
 */
export const KNOWN_EXAMPLE_SECRETS: readonly string[] = [
  // AWS documentation
  ["AKIA", "IOSFODNN7", "EXAMPLE"].join(""),
  ["AKIA", "I44QH8DHB", "EXAMPLE"].join(""),
  ["wJalrXUtnFEMI", "/K7MDENG/", "bPxRfiCYEXAMPLEKEY"].join(""),
  ["je7MtGbClwBF", "/2Zp9Utk/", "h3yCo8nvbEXAMPLEKEY"].join(""),
  // Stripe documentation
  ["sk_", "test_", "4eC39HqLyjWDarjtT1zdp7dc"].join(""),
  ["pk_", "test_", "TYooMQauvdEDq54NiTphI7jx"].join(""),
  // jwt.io's default token
  [
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9",
    "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ",
    "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
  ].join("."),
  // GitHub documentation
  ["ghp_", "16C7e42F292c6912E7710c838347Ae178B4a"].join(""),
  // Slack documentation
  ["xoxb-", "not-a-real-token-this-will-not-work"].join(""),
];

const KNOWN = new Set(KNOWN_EXAMPLE_SECRETS);

/** Placeholders and template references rather than values. */
const PLACEHOLDER = new RegExp(
  [
    String.raw`^\$\{?[\w.:-]+\}?$`, // ${VAR} $VAR
    String.raw`^%\(?[\w.]+\)?s?%?$`, // %VAR% %(var)s
    String.raw`^\{\{.*\}\}$`, // {{ secret }}
    String.raw`^<[^>]*>$`, // <your-token>
    String.raw`^\[[^\]]*\]$`, // [TOKEN]
    String.raw`^(?:x+|X+|\*+|\.{3,}|#+|-+|_+|0+)$`,
    String.raw`^(.)\1{5,}$`,
  ].join("|"),
);
const PLACEHOLDER_WORDS =
  /(?:^|[^a-z])(?:example|sample|dummy|fake|placeholder|changeme|change[-_]me|replace[-_]?me|your[-_]|my[-_]?(?:api[-_]?)?(?:key|token|secret)|insert[-_]|lorem|redacted|not[-_]?a[-_]?real|xxxx|todo|fixme)/i;
const SEQUENTIAL = /^(?:0123456789|1234567890|abcdefghij|ABCDEFGHIJ|qwertyuiop)/;
/** Eight or more of one character in a row: no random token holds that (one in ~10^12). */
const PADDING_RUN = /([A-Za-z0-9])\1{7,}/;

/**
 * Whether a token-like value is padded with a run of one character, as docs placeholders are
 * (`ghp_PersonalAccessToken01245678900000000`). Only for values up to 200 characters: key and certificate
 * bodies legitimately hold runs (`AAAAAAAA` in OpenSSH keys).
 */
export const isPaddedPlaceholder = (value: string): boolean => value.length <= 200 && PADDING_RUN.test(value);

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const HEX_DIGEST = /^(?:[0-9a-f]{40}|[0-9a-f]{64}|[0-9A-F]{40}|[0-9A-F]{64})$/;
const DIGEST_WORDS = new Set(
  "sha sha1 sha256 sha512 commit commits rev revision ref head digest hash hashes checksum etag fingerprint integrity md5 oid tree blob".split(" "),
);
const ALGO_PREFIX = /^(?:sha(?:1|224|256|384|512)|md5|blake2b|h1)[-:]/i;
const INTEGRITY_LINE = /\bintegrity\b|\bsha(?:256|384|512)-[A-Za-z0-9+/]{20,}={0,2}/;
const DATA_URI = /data:[\w.+-]+\/[\w.+-]+(?:;[\w-]+=[\w.-]+)*;base64,$/;

/** Lockfiles and checksum lists: every hash in them is a digest, not a credential. */
const LOCKFILE =
  /(?:^|\/)(?:package-lock\.json|npm-shrinkwrap\.json|yarn\.lock|pnpm-lock\.yaml|bun\.lockb?|poetry\.lock|Pipfile\.lock|uv\.lock|pdm\.lock|Cargo\.lock|go\.sum|go\.work\.sum|Gemfile\.lock|composer\.lock|mix\.lock|pubspec\.lock|Package\.resolved|packages\.lock\.json|gradle\.lockfile|[^/]*\.lock|SHA\d*SUMS|[^/]*checksums?\.txt)$/i;

/** Whether `path` is a lockfile or checksum list (hashes only). */
export const isLockfilePath = (path: string): boolean => LOCKFILE.test(path);

export interface AllowContext {
  /** The whole line the value is on. */
  line?: string;
  /** Where the value starts in `line` (for context before it: "@", "data:...;base64,", "sha256:"). */
  index?: number;
  /** The line above (an inline marker on a comment line of its own covers the next line). */
  previousLine?: string;
  /** Repository-relative path of the file. */
  path?: string;
  /** The repository's own additions. */
  config?: SecretAllowlistConfig;
  /**
   * "format": the value matched a provider's token format (only inline markers, documented examples and
   * configured values apply). "generic": it was found by context or entropy (everything applies).
   */
  kind?: "format" | "generic";
}

/** Whether `text` (a line, or many joined) may hold an inline allow marker: false rules out every line of it. */
export const mayHoldInlineAllow = (text: string): boolean => text.includes(MARKER_WORD);

/** Whether the line (or a comment line of its own just above) carries an inline allow marker. */
export function hasInlineAllow(line: string, previousLine?: string): boolean {
  // Every marker holds MARKER_WORD: one search rules out most lines.
  if (!line.includes(MARKER_WORD) && (previousLine === undefined || !previousLine.includes(MARKER_WORD))) return false;
  if (INLINE_ALLOW_MARKERS.some((m) => line.includes(m))) return true;
  if (previousLine === undefined || !INLINE_ALLOW_MARKERS.some((m) => previousLine.includes(m))) return false;
  const trimmed = previousLine.trim();
  const commentOnly = /^(?:\/\/|#|\/\*|\*|--|<!--|;)/.test(trimmed);
  return commentOnly && INLINE_ALLOW_MARKERS.some((m) => trimmed.includes(m));
}

/**
 * Why `value` is not to be reported as a secret, or undefined when it may be one.
 * Order: inline marker, documented example, configured value/pattern/path, then (generic findings
 * only) placeholders, UUIDs, git shas and digests, SRI integrity strings, data URIs and lockfiles.
 */
export function checkSecretAllowlist(value: string, context: AllowContext = {}): AllowReason | undefined {
  const line = context.line ?? "";
  if (hasInlineAllow(line, context.previousLine)) return "inline-allow";
  if (KNOWN.has(value) || [...KNOWN].some((k) => k.length >= 16 && value.includes(k))) return "known-example";
  const config = context.config;
  if (config) {
    if (config.values.includes(value)) return "configured";
    if (config.patterns.some((p) => safeTest(p, value))) return "configured";
  }
  if ((context.kind ?? "generic") === "format") return undefined;

  if (PLACEHOLDER.test(value) || PLACEHOLDER_WORDS.test(value) || SEQUENTIAL.test(value) || isPaddedPlaceholder(value)) return "placeholder";
  if (UUID.test(value)) return "uuid";
  const before = context.index === undefined ? "" : line.slice(0, context.index);
  if (ALGO_PREFIX.test(value) || /(?:sha\d*|md5|h1)[-:]\s*$/i.test(before)) return "digest";
  if (HEX_DIGEST.test(value) && (/@\s*$/.test(before) || contextWords(before).some((w) => DIGEST_WORDS.has(w)))) {
    return value.length === 40 ? "git-sha" : "digest";
  }
  if (INTEGRITY_LINE.test(line) && /^[A-Za-z0-9+/]{20,}={0,2}$/.test(value.replace(/^sha\d+-/, ""))) return "integrity";
  if (DATA_URI.test(before) || /^data:[\w.+-]+\/[\w.+-]+(?:;[\w-]+=[\w.-]+)*;base64,/.test(value)) return "data-uri";
  if (context.path !== undefined && isLockfilePath(context.path)) return "lockfile";
  return undefined;
}

/** Whether the repository's configured path globs cover `path` (see matchGlob for the syntax). */
export function isAllowedPath(path: string, config: SecretAllowlistConfig | undefined): boolean {
  return config !== undefined && config.paths.some((glob) => matchGlob(path, glob));
}

/** Lower-case words of the text just before a value: `commitSha = "` -> commit, sha. */
function contextWords(before: string): string[] {
  return before
    .slice(-80)
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .split(/[^A-Za-z0-9]+/)
    .filter((w) => w.length > 0)
    .map((w) => w.toLowerCase());
}

function safeTest(source: string, value: string): boolean {
  try {
    return new RegExp(source).test(value);
  } catch {
    return false;
  }
}
