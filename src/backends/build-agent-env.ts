const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Names that never reach an agent, even when the operator allow-lists them: GitHub credentials and
 * Moderator's own secrets (the App's private key, the webhook secret, database and Redis URLs).
 */
const DENIED: RegExp[] = [
  /^GITHUB_TOKEN$/,
  /^GH_TOKEN$/,
  /^GITHUB_.*TOKEN/,
  /GITHUB.*TOKEN/,
  /^(GH|GITHUB)_.*(TOKEN|SECRET|PASSWORD|KEY)/,
  /^(GH|GITHUB)_(.*_)?PAT(_|$)/,
  /PRIVATE_KEY/,
  /WEBHOOK_SECRET/,
  /^DATABASE_URL$/,
  /^REDIS_URL$/,
];

/** True for names that look like a GitHub credential or one of Moderator's own secrets. */
function isDenied(name: string): boolean {
  const upper = name.toUpperCase();
  return DENIED.some((re) => re.test(upper));
}

/**
 * The environment an agent gets: the allow-listed names that are set in `source`, then `extra`
 * (Moderator's own values such as MODERATOR_TASK_FILE and HOME, which win). Anything that looks like a
 * GitHub credential or a Moderator secret is dropped from both, whatever the allow-list says.
 * Throws when an allow-list entry is not a valid variable name.
 */
export function buildAgentEnv(
  passThrough: string[],
  source: Record<string, string | undefined>,
  extra: Record<string, string>,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [i, name] of passThrough.entries()) {
    if (typeof name !== "string" || !ENV_NAME.test(name)) {
      throw new Error(`env pass-through list entry ${i} (${JSON.stringify(name)}) is not a valid environment variable name`);
    }
    if (isDenied(name)) continue;
    const value = source[name];
    if (typeof value === "string") env[name] = value;
  }
  for (const [name, value] of Object.entries(extra)) {
    if (!ENV_NAME.test(name)) throw new Error(`extra environment variable name ${JSON.stringify(name)} is not valid`);
    if (isDenied(name)) continue;
    env[name] = value;
  }
  return env;
}
