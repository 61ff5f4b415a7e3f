import { z } from "zod";
import { formatZodIssues } from "../config/format-zod-issues.ts";
import { NetworkSetting } from "./resolve-backend-network.ts";

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name");
const absolutePath = z.string().startsWith("/", "must be an absolute path");

/**
 * The operator-config fields every CLI agent backend shares (claude-code, codex, gemini, aider).
 * Spread into each adapter's `z.strictObject({ type: z.literal(...), ...cliBackendFields("claude"), ... })`.
 *
 * - binary: the CLI, a program name looked up on the agent's PATH or an absolute path (default: its usual name).
 * - model: passed to the CLI's model flag; the CLI's own default when absent.
 * - args: extra argv the operator adds (inserted after the adapter's flags, before a positional prompt).
 * - timeoutSeconds: the whole run's budget, start-up recovery included. Always set: some CLIs wait
 *   forever when they cannot reach their model.
 * - env: names of variables passed through to the CLI (its API key, its base URL, PATH when the CLI is
 *   installed outside the default PATH). GitHub credentials and Moderator's secrets never pass.
 * - network: the CLI calls its model's API. true (default) = the adapter's hosts (resolve-backend-network.ts),
 *   `{ allow: [...] }` = exactly those; either way through the egress proxy, plus passed-through base URLs.
 * - mounts: host folders the CLI may read inside the sandbox (its install folder, e.g. ~/.local/share/pipx
 *   or an nvm prefix); they must exist.
 */
export function cliBackendFields(defaultBinary: string) {
  return {
    binary: z
      .string()
      .min(1)
      .refine((b) => !b.includes("/") || b.startsWith("/"), "must be a program name on PATH or an absolute path")
      .default(defaultBinary),
    model: z.string().min(1).optional(),
    args: z.array(z.string()).default(() => []),
    timeoutSeconds: z.number().int().positive().max(24 * 3600).default(1800),
    env: z.array(envName).default(() => []),
    network: NetworkSetting.default(true),
    mounts: z.array(absolutePath).default(() => []),
  };
}

/** An absolute host path (for adapter options such as gemini's includeDirectories). */
export const AbsolutePath = absolutePath;

/**
 * Re-validates a backend definition (callers may build one by hand) and returns the parsed value.
 * Throws an Error naming the backend and every problem with its path.
 */
export function validateCliBackendConfig<T extends z.ZodType>(schema: T, def: unknown, where: string): z.output<T> {
  const parsed = schema.safeParse(def);
  if (!parsed.success) throw new Error(`${where}: invalid configuration: ${formatZodIssues(parsed.error).join("; ")}`);
  return parsed.data;
}
