/**
 * Entropy helpers for secret detection. Pure.
 *
 * A random credential (an API key, a signing secret) has close to the highest Shannon entropy its
 * length and alphabet allow; an identifier, a word or a version string does not. The check is charset
 * aware: hex strings can only reach 4 bits per character, base64 strings 6.
 */

/** The alphabet a candidate value is written in. */
export type SecretCharset = "hex" | "base64";

const HEX = /^[0-9a-fA-F]+$/;
/** Standard and URL-safe base64 (with optional padding); a few tokens also use "." as a separator. */
const BASE64 = /^[A-Za-z0-9+/_.-]+={0,2}$/;

/** Bits per character of the string's character distribution (0 for the empty string). */
export function shannonEntropy(value: string): number {
  if (value.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const ch of value) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  const length = [...value].length;
  let bits = 0;
  for (const count of counts.values()) {
    const p = count / length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/** "hex" for hex digits only, "base64" for the (URL-safe) base64 alphabet, undefined for anything else. */
export function detectCharset(value: string): SecretCharset | undefined {
  if (HEX.test(value)) return "hex";
  if (BASE64.test(value)) return "base64";
  return undefined;
}

export interface HighEntropyOptions {
  /** Shorter values are never high-entropy (default 20). */
  minLength?: number;
  /**
   * Fraction of the highest entropy the length and charset allow that the value must reach
   * (default 0.75; random values reach 0.85-0.95, identifiers and words stay lower).
   */
  ratio?: number;
}

/**
 * Whether `value` looks like random key material: written in the hex or base64 alphabet, at least
 * `minLength` characters, with letters and digits (hex), or letters and digits or both cases (base64),
 * an entropy close to the maximum for its length and charset, and not made of words: identifiers such
 * as "ProductionDatabaseReplica" or "my-app-production-secret" are mostly pronounceable runs of letters.
 */
export function isHighEntropyString(value: string, options: HighEntropyOptions = {}): boolean {
  const minLength = options.minLength ?? 20;
  const ratio = options.ratio ?? 0.75;
  if (typeof value !== "string" || value.length < minLength) return false;
  const charset = detectCharset(value);
  if (!charset) return false;
  const body = value.replace(/=+$/, "");
  const hasDigit = /[0-9]/.test(body);
  const hasLetter = /[A-Za-z]/.test(body);
  if (charset === "hex") {
    if (!hasDigit || !hasLetter) return false;
  } else {
    const mixedCase = /[a-z]/.test(body) && /[A-Z]/.test(body);
    if (!(hasDigit && hasLetter) && !mixedCase) return false;
    if (wordCoverage(body) >= 0.6) return false;
  }
  const alphabet = charset === "hex" ? 16 : 64;
  // Short samples of a small alphabet fall below its maximum (4 bits for hex) even when random: allow for it.
  const ceiling = Math.log2(Math.min(body.length, alphabet)) - (charset === "hex" ? 8 / body.length : 0);
  return shannonEntropy(body) >= ratio * ceiling;
}

/**
 * Fraction of the characters that sit in word-like runs: an optional capital and at least three more
 * lower-case letters, a quarter or more of them vowels ("Production", "secret", "settings"). Runs in
 * random base64 rarely look like that; identifiers are made of them.
 */
function wordCoverage(value: string): number {
  let covered = 0;
  for (const run of value.matchAll(/[A-Z]?[a-z]+/g)) {
    const word = run[0].toLowerCase();
    if (word.length < 4) continue;
    const vowels = word.match(/[aeiouy]/g)?.length ?? 0;
    if (vowels / word.length >= 0.25) covered += word.length;
  }
  return value.length === 0 ? 0 : covered / value.length;
}
