import { MASK, SECRET_PATTERNS, redactSecrets } from "../../util/redact.ts";
import type { Analyzer, AnalyzerInput } from "../analyzer.ts";
import { classifyPath } from "../classify-path.ts";
import { createFinding } from "../create-finding.ts";
import type { Finding, Severity } from "../finding.ts";
import { addedLines } from "../parse-diff.ts";

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

/** Quoted literal assigned to a name: `apiKey = "…"`, `"api_key": "…"`, `token := "…"`, `secret => '…'`. */
const QUOTED_ASSIGNMENT =
  /(?<name>[A-Za-z_$][\w$.-]{0,80})["']?\s*(?::=|=>|[:=])\s*(?:[rbuRB]{1,2})?(?<q>["'`])(?<value>[^"'`\s\\]{8,})\k<q>/g;
/** Unquoted value in config-like files: `API_KEY=abc…` in .env, `password: abc…` in YAML. */
const BARE_ASSIGNMENT = /^\s*(?:export\s+)?(?<name>[A-Za-z_][\w.-]*)\s*[:=]\s*(?<value>[^\s"'#`]{8,})\s*(?:#.*)?$/;
const CONFIG_EXTENSIONS = new Set(["env", "yml", "yaml", "ini", "properties", "cfg", "conf", "toml"]);

/** Values that are obviously not real secrets. */
const PLACEHOLDER =
  /^(?:\$\{?[\w.:-]+\}?|%[\w]+%|<[^>]*>|\{\{[^}]*\}\}|x+|\*+|\.{3}|changeme|change[-_]?me|password\d*|passwd|secret|pass|token|test|testing|postgres|root|admin|user|redacted|none|null|undefined|todo)$/i;
const EXAMPLE_HINT = /example|sample|dummy|fake|placeholder|your[_-]|xxxx|changeme|lorem|not[_-]?a[_-]?real|insert[_-]/i;
/** Local development hosts: credentials for them are rarely real secrets. */
const LOCAL_URL = /:\/\/[^\s:/@]+:[^\s@/]*@(?:localhost|127\.0\.0\.1|0\.0\.0\.0|\[::1\]|db|postgres|mysql|redis|mongo)\b/i;

export const secretsHardcoded: Analyzer = {
  id: RULE,
  doc: "Added lines containing credentials: known token formats, private keys, or a long random literal assigned to a key/secret/token/password name.",
  analyze(input: AnalyzerInput): Finding[] {
    const findings: Finding[] = [];
    for (const file of input.files) {
      if (file.status === "deleted" || file.binary) continue;
      const info = classifyPath(file.path);
      const base = file.path.split("/").at(-1) ?? "";
      const configLike = CONFIG_EXTENSIONS.has(info.ext) || base.startsWith(".env");
      for (const line of addedLines(file)) {
        const spans: Array<[number, number]> = [];
        for (const pattern of SECRET_PATTERNS) {
          for (const match of line.text.matchAll(pattern.regex)) {
            const start = match.index;
            const end = start + match[0].length;
            if (spans.some(([s, e]) => start < e && end > s)) continue;
            const keep = match.groups?.keep ?? "";
            const tail = match.groups?.tail ?? "";
            const secret = match[0].slice(keep.length, match[0].length - tail.length);
            const generic = pattern.id === "url-credentials" || pattern.id === "authorization-header";
            if (secret.includes(MASK)) continue;
            if (generic && (PLACEHOLDER.test(secret) || /^[A-Z][A-Z0-9_]*$/.test(secret) || secret.length < 6)) continue;
            spans.push([start, end]);
            let confidence = 0.9;
            if (EXAMPLE_HINT.test(secret) || EXAMPLE_HINT.test(line.text)) confidence = 0.3;
            else if (pattern.id === "url-credentials" && LOCAL_URL.test(line.text)) confidence = 0.3;
            else if (info.isTest) confidence = 0.5;
            findings.push(
              secretFinding({
                path: file.path,
                line: line.newLine,
                severity: pattern.severity,
                confidence,
                what: pattern.description,
                shown: redactSecrets(line.text),
                trigger: `${pattern.id}\u0000${redactSecrets(line.text)}`,
              }),
            );
            break;
          }
        }
        if (spans.length > 0) continue;
        const assignment = findSecretAssignment(line.text, configLike);
        if (!assignment) continue;
        const shown = redactSecrets(
          line.text.slice(0, assignment.valueStart) + MASK + line.text.slice(assignment.valueStart + assignment.value.length),
        );
        findings.push(
          secretFinding({
            path: file.path,
            line: line.newLine,
            severity: "high",
            confidence: info.isTest ? 0.4 : 0.7,
            what: `credential assigned to \`${assignment.name}\``,
            shown,
            trigger: `assignment\u0000${shown}`,
          }),
        );
      }
    }
    return findings;
  },
};

function secretFinding(args: {
  path: string;
  line: number;
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
    title: `Hardcoded ${args.what}`,
    message:
      `This added line contains what looks like a ${args.what}: \`${snippet}\`. ` +
      "Anyone who can read the repository or its history can use it.",
    suggestion:
      "Remove the value from the code, revoke/rotate it (it is already in the branch history), " +
      "and read it at runtime from an environment variable or a secret store.",
    trigger: args.trigger,
  });
}

interface SecretAssignment {
  name: string;
  value: string;
  valueStart: number;
}

function findSecretAssignment(text: string, configLike: boolean): SecretAssignment | undefined {
  for (const match of text.matchAll(QUOTED_ASSIGNMENT)) {
    const name = match.groups?.name ?? "";
    const value = match.groups?.value ?? "";
    const valueStart = match.index + match[0].length - 1 - value.length;
    if (isSecretName(name) && isSecretValue(name, value)) return { name, value, valueStart };
  }
  if (configLike) {
    const match = BARE_ASSIGNMENT.exec(text);
    const name = match?.groups?.name ?? "";
    const value = match?.groups?.value ?? "";
    if (match && isSecretName(name) && isSecretValue(name, value)) {
      return { name, value, valueStart: text.indexOf(value, text.indexOf(name) + name.length) };
    }
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
  if (PLACEHOLDER.test(value) || EXAMPLE_HINT.test(value)) return false;
  if (/^[$%{<]/.test(value) || value.includes("://") || value.startsWith("/") || value.startsWith("./")) return false;
  if (/^(?:true|false|\d+(?:\.\d+)?)$/i.test(value)) return false;
  const isPassword = nameWords(name).some((w) => PASSWORD_WORDS.has(w));
  if (isPassword) return value.length >= 8 && shannonEntropy(value) >= 2.5;
  // Keys and tokens: long, random-looking, mixing letters and digits (identifiers like "user-token-name" are not).
  return value.length >= 16 && /[0-9]/.test(value) && /[A-Za-z]/.test(value) && shannonEntropy(value) >= 3.5;
}

/** Bits per character of the string's character distribution. */
function shannonEntropy(value: string): number {
  const counts = new Map<string, number>();
  for (const ch of value) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bits = 0;
  for (const count of counts.values()) {
    const p = count / value.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}
