import { MASK, findSecrets, multilineCandidates, redactSecrets, secretLineScanner, type SecretMatch } from "../../util/redact.ts";
import type { Analyzer, AnalyzerInput } from "../analyzer.ts";
import { classifyPath, type Language } from "../classify-path.ts";
import { createFinding } from "../create-finding.ts";
import { detectCharset, isHighEntropyString, shannonEntropy } from "../entropy.ts";
import { addedText, lineIndexAt } from "../file-text.ts";
import type { Finding, Severity } from "../finding.ts";
import type { DiffFile, DiffLine } from "../parse-diff.ts";
import {
  checkSecretAllowlist,
  hasInlineAllow,
  isAllowedPath,
  mayHoldInlineAllow,
  isLockfilePath,
  isPaddedPlaceholder,
  type SecretAllowlistConfig,
} from "../secret-allowlist.ts";

const RULE = "secrets/hardcoded";

/** Last word of a name that makes an assigned literal a credential (apiKey, AUTH_TOKEN, db_password). */
const SECRET_LAST_WORDS = new Set([
  "key",
  "apikey",
  "secret",
  "token",
  "password",
  "passwd",
  "pwd",
  "pass",
  "passphrase",
  "credential",
  "credentials",
  "auth",
]);
/** Words that make any name a credential, unless the last word says it is only about one (secretName). */
const STRONG_WORDS = new Set(["secret", "password", "passwd", "passphrase", "credential", "credentials"]);
const NOT_A_VALUE_SUFFIX = new Set([
  "name",
  "names",
  "path",
  "file",
  "dir",
  "url",
  "uri",
  "type",
  "id",
  "ids",
  "length",
  "size",
  "header",
  "field",
  "env",
  "var",
  "prefix",
  "format",
  "ref",
  "arn",
  "version",
  "count",
  "label",
  "hint",
  "pattern",
  "regex",
]);
const PUBLIC_WORDS = new Set(["public", "pub", "publishable"]);
const PASSWORD_WORDS = new Set(["password", "passwd", "pwd", "pass", "passphrase"]);
/** Words in a function's name that make a literal argument a credential: setApiKey("…"), login(user, "…"). */
const CALL_WORDS = new Set([
  ...SECRET_LAST_WORDS,
  "login",
  "authenticate",
  "signin",
  "sign",
  "hmac",
  "bearer",
  "encrypt",
  "decrypt",
]);
/** Words in a function's name that make its arguments names, not values: getenv("…_TOKEN"), headers.get("x-api-key"). */
const LOOKUP_WORDS = new Set(["get", "getenv", "env", "environ", "has", "delete", "remove", "unset", "lookup", "read", "load", "fetch"]);

/** Quoted literal assigned to a name: `apiKey = "…"`, `"api_key": "…"`, `token := "…"`, `secret => '…'`. */
const QUOTED_ASSIGNMENT =
  /(?<name>[A-Za-z_$][\w$.-]{0,80})["']?\s*(?::=|=>|[:=])\s*(?:[rbuRB]{1,2})?(?<q>["'`])(?<value>[^"'`\s\\]{8,})\k<q>/g;
/** A quoted key assigned through a subscript: `app.config["JWT_SECRET_KEY"] = "…"`, `os.environ['API_KEY'] = '…'`. */
const SUBSCRIPT_ASSIGNMENT =
  /\[\s*(?<q1>["'])(?<name>[A-Za-z_][\w.-]{0,80})\k<q1>\s*\]\s*(?::=|=)\s*(?:[rbuRB]{1,2})?(?<q>["'`])(?<value>[^"'`\s\\]{8,})\k<q>/g;
/** Unquoted value in config-like files: `API_KEY=abc…` in .env, `password: abc…` in YAML. */
const BARE_ASSIGNMENT = /^\s*(?:export\s+)?(?<name>[A-Za-z_][\w.-]*)\s*[:=]\s*(?<value>[^\s"'#`]{8,})\s*(?:#.*)?$/;
/** A literal passed to a function: `stripe.setApiKey("…")`, `client.login(user, "…")`. */
const CALL_ARGUMENT =
  /(?<fn>[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*)\s*\(\s*(?<before>[^()]*?)(?:[rbuRB]{1,2})?(?<q>["'`])(?<value>[A-Za-z0-9+/=_.-]{20,})\k<q>/g;
/** A secret-like name passed next to its value: `config.set("api_key", "…")`, `setdefault("TOKEN", "…")`. */
const NAMED_ARGUMENT = /(?<q1>["'])(?<name>[A-Za-z_][\w.-]{1,60})\k<q1>\s*,\s*(?:[rbuRB]{1,2})?(?<q>["'`])(?<value>[^"'`\s\\]{16,})\k<q>/g;
/** Every secret-like name (SECRET_LAST_WORDS, STRONG_WORDS) holds one of these: lines without one skip the assignment checks. */
const SECRET_NAME_WORDS = ["key", "secret", "token", "pass", "pwd", "credential", "auth"];
/** Function names of CALL_WORDS beyond the secret words. */
const CALL_NAME_WORDS = ["login", "sign", "hmac", "bearer", "crypt"];
/**
 * The secret patterns' keywords and both lists of words, in one automaton: one pass over a file's added text gives
 * each line's candidate patterns and whether it holds a word of each list.
 */
const scanLines = secretLineScanner([SECRET_NAME_WORDS, CALL_NAME_WORDS]);
/** What QUOTED_ASSIGNMENT, SUBSCRIPT_ASSIGNMENT and NAMED_ARGUMENT all need: a quoted value of 8+ characters (tested on lines holding a credential word only). */
const QUOTED_VALUE = /(["'`])[^"'`\s\\]{8,}\1/;
/** What CALL_ARGUMENT needs: a quoted value of 20+ characters of its alphabet. */
const LONG_QUOTED_VALUE = /(["'`])[A-Za-z0-9+/=_.-]{20,}\1/;
const CONFIG_EXTENSIONS = new Set(["env", "yml", "yaml", "ini", "properties", "cfg", "conf", "toml"]);

/** Values that are obviously not real secrets. */
const PLACEHOLDER =
  /^(?:\$\{?[\w.:-]+\}?|%[\w]+%|<[^>]*>|\{\{[^}]*\}\}|x+|\*+|\.{3}|changeme|change[-_]?me|password\d*|passwd|secret|pass|token|test|testing|postgres|root|admin|user|redacted|none|null|undefined|todo)$/i;
/** A value that names its own role (somepassword, mysecretpassword, secret_key): written to stand for one. */
const ROLE_NAMED = /^(?:my|some|your|the|a|new|old|default|dummy)?(?:[-_]?(?:secret|password|passwd|pass|token|key|api))+[-_]?\d{0,4}$/i;
/** An e-mail address is an identity (anonymous FTP's password by convention), not a secret. */
const EMAIL = /^[^@\s]+@[\w-]+(?:\.[\w-]+)+$/;
/** Documentation files: everything in them is prose or a documented example. */
const DOC_EXTENSIONS = new Set(["md", "markdown", "mdx", "rst", "adoc", "asciidoc", "txt"]);
/** Confidence of a credential found only in documentation (a docs file, a docstring, a block comment). */
const DOCUMENTED_CONFIDENCE = 0.3;
const EXAMPLE_HINT = /example|sample|dummy|fake|placeholder|your[_-]|xxxx|changeme|lorem|not[_-]?a[_-]?real|insert[_-]/i;
/** Local development hosts: credentials for them are rarely real secrets. */
const LOCAL_URL = /:\/\/[^\s:/@]+:[^\s@/]*@(?:localhost|127\.0\.0\.1|0\.0\.0\.0|\[::1\]|db|database|postgres|mysql|redis|mongo)(?=[:/\s"'`]|$)/i;

export interface SecretsHardcodedOptions {
  /** The repository's additions to the allow-list (`qa.secrets` in .github/moderator.yml). */
  allowlist?: SecretAllowlistConfig;
}

/**
 * The `secrets/hardcoded` analyzer, with the repository's allow-list. `secretsHardcoded` is the
 * instance with the built-in allow-list only.
 */
export function createSecretsHardcoded(options: SecretsHardcodedOptions = {}): Analyzer {
  const config = options.allowlist;
  return {
    id: RULE,
    doc: "Added lines containing credentials: provider token formats, private keys, URL passwords, or a random-looking literal assigned or passed to a key/secret/token/password name.",
    analyze(input: AnalyzerInput): Finding[] {
      const findings: Finding[] = [];
      for (const file of input.files) {
        if (file.status === "deleted" || file.binary) continue;
        findings.push(...analyzeFile(file, config));
      }
      return findings;
    },
  };
}

export const secretsHardcoded: Analyzer = createSecretsHardcoded();

function analyzeFile(file: DiffFile, config: SecretAllowlistConfig | undefined): Finding[] {
  const findings: Finding[] = [];
  const info = classifyPath(file.path);
  const base = file.path.split("/").at(-1) ?? "";
  const configLike = CONFIG_EXTENSIONS.has(info.ext) || base.startsWith(".env");
  // Lockfiles and checksum lists hold hashes: only provider formats and URL passwords are looked for there.
  const contextual = !isLockfilePath(file.path) && !isAllowedPath(file.path, config);
  const hcl = info.ext === "tf" || info.ext === "hcl" || info.ext === "tfvars";
  // Prefilters, one automaton scan each over the file's added text: the secret patterns' keywords (which patterns
  // each line may match), and the credential words of names and functions (only lines holding one are tested for
  // the quoted values the contextual checks need).
  const view = addedText(file);
  const {
    candidates,
    flags: [names, calls],
  } = scanLines(view.text, view.starts);
  // Multi-line secrets start at a `-----BEGIN` line: files without one skip that search.
  const pem = view.text.includes("-----BEGIN");
  // Inline allow markers, on an added line or on the (added or context) line above one: most files have none.
  const allowMarkers =
    mayHoldInlineAllow(view.text) || file.hunks.some((h) => h.lines.some((l) => l.kind === "context" && mayHoldInlineAllow(l.text)));
  let addIndex = -1;
  const docFile = DOC_EXTENSIONS.has(info.ext);
  for (const hunk of file.hunks) {
    const documented = docFile ? undefined : documentedLines(hunk.lines, info.language);
    const isDocumented = (newLine: number): boolean => docFile || documented!.has(newLine);
    // Multi-line secrets (PEM blocks) are matched over each run of added lines; the lines they cover are done.
    const covered = new Set<number>();
    if (pem) findings.push(...findMultilineSecrets(file.path, hunk.lines, info.isTest, config, covered));
    let previous: string | undefined;
    /** The Terraform `variable "name" {` block the line is in, if the hunk shows it. */
    let hclVariable: string | undefined;
    for (const line of hunk.lines) {
      if (line.kind === "del") continue;
      // The line's index among the added lines (addedLines' order), for the prefilters' answers.
      if (line.kind === "add" && line.newLine !== undefined) addIndex++;
      const previousLine = previous;
      previous = line.text;
      if (hcl) {
        const opened = /^\s*variable\s+"([^"]+)"\s*\{/.exec(line.text);
        if (opened) hclVariable = opened[1];
        else if (/^\}/.test(line.text)) hclVariable = undefined;
      }
      if (line.kind !== "add" || line.newLine === undefined || covered.has(line.newLine)) continue;
      if (allowMarkers && hasInlineAllow(line.text, previousLine)) continue;
      const at = { path: file.path, line: line.newLine };

      const match = findSecrets(line.text, candidates[addIndex]!).find((m) => isReportable(m, line.text, previousLine, config));
      if (match) {
        let confidence = 0.9;
        const secret = match.keep + match.secret;
        if (EXAMPLE_HINT.test(secret) || EXAMPLE_HINT.test(line.text)) confidence = 0.3;
        else if (match.pattern.id === "url-credentials" && LOCAL_URL.test(line.text)) confidence = 0.3;
        else if (info.isTest) confidence = 0.5;
        // In documentation, a generic match (URL credentials, an Authorization header) is an example; a provider's token format is not excused.
        if (match.pattern.generic && isDocumented(line.newLine)) confidence = Math.min(confidence, DOCUMENTED_CONFIDENCE);
        const shown = redactSecrets(line.text);
        findings.push(
          secretFinding({
            ...at,
            severity: match.pattern.severity,
            confidence,
            what: match.pattern.description,
            shown,
            trigger: `${match.pattern.id}\u0000${shown}`,
          }),
        );
        continue;
      }
      if (!contextual) continue;

      // Prefilters: a name must hold a credential word for an assignment, a function name one for an argument.
      // Assignments and named arguments hold a quoted value of 8+ characters (except bare ones in config files),
      // arguments one of 20+.
      const nameWord = names![addIndex] === 1;
      const hit =
        (nameWord && (configLike || QUOTED_VALUE.test(line.text))
          ? findSecretAssignment(line.text, configLike, file.path, previousLine, config)
          : undefined) ??
        ((nameWord || calls![addIndex] === 1) && LONG_QUOTED_VALUE.test(line.text)
          ? findSecretArgument(line.text, file.path, previousLine, config)
          : undefined) ??
        (hclVariable !== undefined ? findVariableDefault(line.text, hclVariable, file.path, previousLine, config) : undefined);
      if (!hit) continue;
      const shown = redactSecrets(
        line.text.slice(0, hit.valueStart) + MASK + line.text.slice(hit.valueStart + hit.value.length),
      );
      findings.push(
        secretFinding({
          ...at,
          severity: "high",
          confidence: isDocumented(line.newLine) ? DOCUMENTED_CONFIDENCE : info.isTest ? 0.4 : 0.7,
          what: hit.what,
          shown,
          trigger: `assignment\u0000${shown}`,
        }),
      );
    }
  }
  return findings;
}

/**
 * PEM blocks and other multi-line secrets, matched over each run of consecutive added lines of a hunk (only runs
 * that hold a `-----BEGIN` line are joined). A finding spans the block (line..endLine) and adds the lines it
 * covers to `covered`, so the line-by-line pass does not report them again.
 */
function findMultilineSecrets(
  path: string,
  lines: readonly DiffLine[],
  isTest: boolean,
  config: SecretAllowlistConfig | undefined,
  covered: Set<number>,
): Finding[] {
  const findings: Finding[] = [];
  // Runs are only gathered in hunks that hold a `-----BEGIN` line at all (few).
  if (!lines.some((l) => l.kind === "add" && l.text.includes("-----BEGIN"))) return findings;
  let run: Array<DiffLine & { newLine: number }> = [];
  let hasBegin = false;
  const flush = (): void => {
    if (hasBegin && run.length > 1) findings.push(...matchRun(path, run, isTest, config, covered));
    run = [];
    hasBegin = false;
  };
  for (const line of lines) {
    if (line.kind === "add" && line.newLine !== undefined) {
      run.push(line as DiffLine & { newLine: number });
      if (!hasBegin && line.text.includes("-----BEGIN")) hasBegin = true;
    } else flush();
  }
  flush();
  return findings;
}

function matchRun(
  path: string,
  run: ReadonlyArray<DiffLine & { newLine: number }>,
  isTest: boolean,
  config: SecretAllowlistConfig | undefined,
  covered: Set<number>,
): Finding[] {
  const text = run.map((l) => l.text).join("\n");
  const starts: number[] = [];
  let offset = 0;
  for (const l of run) {
    starts.push(offset);
    offset += l.text.length + 1;
  }
  const lineAt = (index: number): number => lineIndexAt(starts, index);
  const findings: Finding[] = [];
  // Only the multi-line patterns (and those before them, whose spans win) matter over a run.
  for (const match of findSecrets(text, multilineCandidates(text))) {
    if (!match.pattern.multiline) continue;
    const first = lineAt(match.start);
    const last = lineAt(Math.max(match.start, match.end - 1));
    if (first === last) continue; // a one-line block is the line-by-line pass's
    const firstLine = run[first]!;
    const previousLine = first > 0 ? run[first - 1]!.text : undefined;
    if (hasInlineAllow(firstLine.text, previousLine)) continue;
    if (!isReportable(match, text, previousLine, config)) continue;
    for (let i = first; i <= last; i++) covered.add(run[i]!.newLine);
    const header = /-----BEGIN [A-Z0-9 ]+-----/.exec(match.keep)?.[0] ?? match.keep;
    const shown = `${header} … (${last - first + 1} lines)`;
    findings.push(
      secretFinding({
        path,
        line: firstLine.newLine,
        endLine: run[last]!.newLine,
        severity: match.pattern.severity,
        confidence: isTest ? 0.5 : 0.9,
        what: match.pattern.description,
        shown,
        trigger: `${match.pattern.id}\u0000${shown}`,
      }),
    );
  }
  return findings;
}

/** Passwords that only stand for one in docs and examples. */
const DUMMY_PASSWORD = /^(?:pass(?:word)?|passwd|pwd|secret|test|passw0rd|p@ssw0rd|hunter2|admin|letmein)$/i;

/**
 * Whether a Basic Authorization value encodes placeholder credentials: it decodes to `user:password` and the
 * password is a dummy or a placeholder (`user:password`, `id:1234567890abcdef…`). A value that does not decode
 * to printable `user:password` text is judged as it is.
 */
function isPlaceholderBasicAuth(encoded: string): boolean {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) return false;
  const decoded = Buffer.from(encoded, "base64").toString("latin1");
  const colon = decoded.indexOf(":");
  if (colon < 0 || !/^[\x20-\x7e]+$/.test(decoded)) return false;
  const password = decoded.slice(colon + 1);
  return password.length === 0 || DUMMY_PASSWORD.test(password) || checkSecretAllowlist(password, { kind: "generic" }) !== undefined;
}

/** Whether a pattern match is worth a finding: not a placeholder, not allow-listed. */
function isReportable(
  match: SecretMatch,
  line: string,
  previousLine: string | undefined,
  config: SecretAllowlistConfig | undefined,
): boolean {
  // Key-like assignments are reported by findSecretAssignment, which names the variable.
  if (match.pattern.id === "secret-assignment") return false;
  const secret = match.secret;
  // A Basic Authorization value (the generic header rule, gitleaks' curl rule): judged by the credentials it encodes.
  const basic = /\bbasic\s+([A-Za-z0-9+/]{6,}={0,2})/i.exec(line.slice(match.start, match.end));
  if (basic && isPlaceholderBasicAuth(basic[1]!)) return false;
  const context = { line, previousLine, index: match.start + match.keep.length, ...(config ? { config } : {}) };
  if (match.pattern.generic) {
    if (PLACEHOLDER.test(secret) || ROLE_NAMED.test(secret) || /^[A-Z][A-Z0-9_]*$/.test(secret) || secret.length < 6) return false;
    return checkSecretAllowlist(secret, { ...context, kind: "generic" }) === undefined;
  }
  const whole = line.slice(match.start, match.end - match.tail.length);
  // A provider's format padded to length in docs (keys and certificates aside: their bodies hold runs).
  if (!/private-key|pem|certificate|service-account/i.test(match.pattern.id) && isPaddedPlaceholder(secret)) return false;
  return (
    checkSecretAllowlist(whole, { ...context, kind: "format" }) === undefined &&
    checkSecretAllowlist(secret, { ...context, kind: "format" }) === undefined
  );
}

function secretFinding(args: {
  path: string;
  line: number;
  endLine?: number;
  severity: Severity;
  confidence: number;
  what: string;
  shown: string;
  trigger: string;
}): Finding {
  const snippet = args.shown.trim().slice(0, 200).replaceAll("`", "'");
  return createFinding({
    ruleId: RULE,
    severity: args.severity,
    confidence: args.confidence,
    path: args.path,
    line: args.line,
    ...(args.endLine !== undefined && args.endLine > args.line ? { endLine: args.endLine } : {}),
    title: `Hardcoded ${args.what}`,
    message:
      `This added line contains a hardcoded credential (${args.what}): \`${snippet}\`. ` +
      "Anyone who can read the repository or its history can use it.",
    suggestion:
      "Remove the value from the code, revoke/rotate it (it is already in the branch history), " +
      "and read it at runtime from an environment variable or a secret store. If it is not a secret, " +
      "add a `moderator:allow-secret` comment on the line.",
    trigger: args.trigger,
  });
}

interface SecretHit {
  what: string;
  value: string;
  valueStart: number;
}

function findSecretAssignment(
  text: string,
  configLike: boolean,
  path: string,
  previousLine: string | undefined,
  config: SecretAllowlistConfig | undefined,
): SecretHit | undefined {
  const allowed = (value: string, index: number): boolean =>
    checkSecretAllowlist(value, { line: text, index, path, ...(previousLine !== undefined ? { previousLine } : {}), ...(config ? { config } : {}) }) !== undefined;
  for (const match of text.matchAll(QUOTED_ASSIGNMENT)) {
    const name = match.groups?.name ?? "";
    const value = match.groups?.value ?? "";
    const valueStart = match.index + match[0].length - 1 - value.length;
    if (isSecretName(name) && isSecretValue(name, value) && !allowed(value, valueStart)) {
      return { what: `credential assigned to \`${name}\``, value, valueStart };
    }
  }
  for (const match of text.matchAll(SUBSCRIPT_ASSIGNMENT)) {
    const name = match.groups?.name ?? "";
    const value = match.groups?.value ?? "";
    const valueStart = match.index + match[0].length - 1 - value.length;
    if (isSecretName(name) && isSecretValue(name, value) && !allowed(value, valueStart)) {
      return { what: `credential assigned to \`${name}\``, value, valueStart };
    }
  }
  for (const match of text.matchAll(NAMED_ARGUMENT)) {
    const name = match.groups?.name ?? "";
    const value = match.groups?.value ?? "";
    const valueStart = match.index + match[0].length - 1 - value.length;
    if (isSecretName(name) && isSecretValue(name, value) && !allowed(value, valueStart)) {
      return { what: `credential set for \`${name}\``, value, valueStart };
    }
  }
  if (configLike) {
    const match = BARE_ASSIGNMENT.exec(text);
    const name = match?.groups?.name ?? "";
    const value = match?.groups?.value ?? "";
    if (match && isSecretName(name) && isSecretValue(name, value)) {
      const valueStart = text.indexOf(value, text.indexOf(name) + name.length);
      if (!allowed(value, valueStart)) return { what: `credential assigned to \`${name}\``, value, valueStart };
    }
  }
  return undefined;
}

/** A Terraform variable's literal `default` when the variable's name is a secret's (`variable "db_password"`). */
function findVariableDefault(
  text: string,
  variable: string,
  path: string,
  previousLine: string | undefined,
  config: SecretAllowlistConfig | undefined,
): SecretHit | undefined {
  const match = /^\s*default\s*=\s*"(?<value>[^"\s\\]{8,})"/.exec(text);
  const value = match?.groups?.value;
  if (!match || value === undefined || !isSecretName(variable) || !isSecretValue(variable, value)) return undefined;
  const valueStart = match.index + match[0].length - 1 - value.length;
  const context = { line: text, index: valueStart, path, ...(previousLine !== undefined ? { previousLine } : {}), ...(config ? { config } : {}) };
  if (checkSecretAllowlist(value, context) !== undefined) return undefined;
  return { what: `default value of the \`${variable}\` variable`, value, valueStart };
}

/** A high-entropy literal (>= 20 characters, base64 or hex) passed to a function whose name is about credentials. */
function findSecretArgument(
  text: string,
  path: string,
  previousLine: string | undefined,
  config: SecretAllowlistConfig | undefined,
): SecretHit | undefined {
  for (const match of text.matchAll(CALL_ARGUMENT)) {
    const fn = match.groups?.fn ?? "";
    const value = match.groups?.value ?? "";
    const words = nameWords(fn.split(".").at(-1) ?? fn);
    if (!words.some((w) => CALL_WORDS.has(w)) || words.some((w) => LOOKUP_WORDS.has(w))) continue;
    if (words.some((w) => PUBLIC_WORDS.has(w))) continue;
    if (!isHighEntropyString(value)) continue;
    const valueStart = match.index + match[0].length - 1 - value.length;
    const context = { line: text, index: valueStart, path, ...(previousLine !== undefined ? { previousLine } : {}), ...(config ? { config } : {}) };
    if (checkSecretAllowlist(value, context) !== undefined) continue;
    return { what: `credential passed to \`${fn}()\``, value, valueStart };
  }
  return undefined;
}

/** Split a name into lower-case words: apiKey -> api,key; AWS_SECRET_KEY -> aws,secret,key; x.auth-token -> x,auth,token. */
function nameWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
    .split(/[^A-Za-z0-9]+/)
    .filter((w) => w.length > 0)
    .map((w) => w.toLowerCase());
}

function isSecretName(name: string): boolean {
  const words = nameWords(name);
  const last = words.at(-1);
  if (!last || words.some((w) => PUBLIC_WORDS.has(w))) return false;
  if (SECRET_LAST_WORDS.has(last)) return true;
  return words.some((w) => STRONG_WORDS.has(w)) && !NOT_A_VALUE_SUFFIX.has(last);
}

function isSecretValue(name: string, value: string): boolean {
  if (PLACEHOLDER.test(value) || EXAMPLE_HINT.test(value) || ROLE_NAMED.test(value) || EMAIL.test(value)) return false;
  if (/^[$%{<]/.test(value) || value.includes("://") || value.startsWith("/") || value.startsWith("./")) return false;
  if (/^(?:true|false|\d+(?:\.\d+)?)$/i.test(value)) return false;
  const isPassword = nameWords(name).some((w) => PASSWORD_WORDS.has(w));
  if (isPassword) return value.length >= 8 && shannonEntropy(value) >= 2.5;
  // Keys and tokens: long and random-looking (identifiers like "user-token-name" are not).
  if (isHighEntropyString(value, { minLength: 16 })) return true;
  return (
    detectCharset(value) === undefined &&
    value.length >= 16 &&
    /[0-9]/.test(value) &&
    /[A-Za-z]/.test(value) &&
    shannonEntropy(value) >= 3.5
  );
}

/**
 * New line numbers of the hunk's lines that are documentation inside code: Python docstrings (a line opening with
 * triple quotes, through its closing line) and block comments (`/* … *\/`, JSDoc) in the other languages. The
 * examples written there (RFC requests, option samples) stand for credentials; a hunk that starts inside a
 * docstring or comment cannot tell, and is judged as code.
 */
function documentedLines(lines: DiffLine[], language: Language): Set<number> {
  const out = new Set<number>();
  let open: string | undefined;
  for (const line of lines) {
    if (line.kind === "del" || line.newLine === undefined) continue;
    const text = line.text;
    if (language === "python") {
      const opening = open === undefined ? /^\s*[rRuUbB]{0,2}("""|\'\'\')/.exec(text) : null;
      if (open === undefined && !opening) continue;
      out.add(line.newLine);
      const delimiter = open ?? opening![1]!;
      const from = open === undefined ? text.indexOf(delimiter) + 3 : 0;
      open = text.indexOf(delimiter, from) >= 0 ? undefined : delimiter;
    } else if (language !== "ruby" && language !== "other") {
      if (open === undefined && !/^\s*\/\*/.test(text)) continue;
      out.add(line.newLine);
      const from = open === undefined ? text.indexOf("/*") + 2 : 0;
      open = text.indexOf("*/", from) >= 0 ? undefined : "*/";
    }
  }
  return out;
}
