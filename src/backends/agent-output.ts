/** Shared handling of an agent process's output: a bounded tail and the masking of the secrets it was given. */

const SECRET_NAME = /KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|AUTH/i;
const MIN_SECRET_LENGTH = 6;

/** The last ~maxChars of the output, as lines in arrival order. */
export function createLineTail(maxChars: number): { push(line: string): void; text(): string } {
  const lines: string[] = [];
  let size = 0;
  return {
    push(line: string): void {
      const kept = line.length > maxChars ? line.slice(line.length - maxChars) : line;
      lines.push(kept);
      size += kept.length + 1;
      while (size > maxChars && lines.length > 1) size -= (lines.shift() ?? "").length + 1;
    },
    text: () => lines.join("\n"),
  };
}

/**
 * Replaces the values of the secret-looking variables the agent was given (its API key) with a marker.
 * Cheap: it runs on every output line.
 */
export function createKnownValueRedactor(env: Record<string, string>): (text: string) => string {
  const secrets = Object.entries(env)
    .filter(([name, value]) => SECRET_NAME.test(name) && value.length >= MIN_SECRET_LENGTH)
    .sort((a, b) => b[1].length - a[1].length);
  if (secrets.length === 0) return (text) => text;
  return (text) => {
    let out = text;
    for (const [name, value] of secrets) if (out.includes(value)) out = out.split(value).join(`[redacted ${name}]`);
    return out;
  };
}
