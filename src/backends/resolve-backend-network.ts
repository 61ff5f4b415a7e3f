import { z } from "zod";
import type { NetworkAccess } from "../sandbox/process-runner.ts";
import { parseAllowEntry } from "../sandbox/egress-policy.ts";

/** One `network.allow` entry: `host`, `*.domain`, `host:port`, an IP address or `ip:port` (see egress-policy.ts). */
export const NetworkAllowEntry = z.string().superRefine((value, ctx) => {
  try {
    parseAllowEntry(value);
  } catch (err) {
    ctx.addIssue({ code: "custom", message: (err as Error).message });
  }
});

/**
 * `network` of a backend in moderator.config.yml: false (none), true (the adapter's default list, with a
 * start-up warning that lists it) or `{ allow: [...] }` (exactly these, plus the hosts of passed-through base URLs).
 */
export const NetworkSetting = z.union([z.boolean(), z.strictObject({ allow: z.array(NetworkAllowEntry) })]);
export type NetworkSetting = z.infer<typeof NetworkSetting>;

/** The model API hosts each CLI needs. */
export const DEFAULT_ALLOW_BY_TYPE: Record<string, readonly string[]> = {
  "claude-code": ["api.anthropic.com"],
  codex: ["api.openai.com", "auth.openai.com", "chatgpt.com"],
  gemini: ["generativelanguage.googleapis.com", "cloudcode-pa.googleapis.com", "oauth2.googleapis.com"],
  command: [],
};

/** aider: the provider follows the model name (`anthropic/...`, `gpt-4o`, `gemini/...`); no model = OpenAI or Anthropic. */
const AIDER_PROVIDERS: Array<[RegExp, string[]]> = [
  [/^(anthropic\/|claude)/, ["api.anthropic.com"]],
  [/^(openai\/|gpt|o\d|chatgpt)/, ["api.openai.com"]],
  [/^(gemini\/|vertex_ai\/)/, ["generativelanguage.googleapis.com"]],
  [/^openrouter\//, ["openrouter.ai"]],
  [/^deepseek\//, ["api.deepseek.com"]],
  [/^groq\//, ["api.groq.com"]],
  [/^mistral\//, ["api.mistral.ai"]],
  [/^(ollama|ollama_chat)\//, []],
];

function aiderDefaults(model: string | undefined): string[] {
  if (!model) return ["api.openai.com", "api.anthropic.com"];
  const m = model.toLowerCase();
  for (const [re, hosts] of AIDER_PROVIDERS) if (re.test(m)) return hosts;
  return ["api.openai.com", "api.anthropic.com"];
}

/** The adapter's default allow-list (`network: true`). */
export function defaultAllowList(type: string, model?: string): string[] {
  if (type === "aider") return aiderDefaults(model);
  return [...(DEFAULT_ALLOW_BY_TYPE[type] ?? [])];
}

const BASE_URL_NAME = /(_BASE_URL|_API_BASE)$/;

/**
 * `host:port` of every base URL the operator passes through (ANTHROPIC_BASE_URL, OPENAI_BASE_URL,
 * OPENAI_API_BASE, OLLAMA_API_BASE...): the agent must reach its gateway. An IP address keeps its port,
 * so a gateway on 127.0.0.1 or the LAN is allowed as exactly that endpoint (the operator chose it).
 */
export function baseUrlAllowEntries(envNames: readonly string[], processEnv: Readonly<Record<string, string | undefined>>): string[] {
  const out: string[] = [];
  for (const name of envNames) {
    if (!BASE_URL_NAME.test(name)) continue;
    const value = processEnv[name];
    if (!value) continue;
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      continue;
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") continue;
    const port = url.port !== "" ? url.port : url.protocol === "https:" ? "443" : "80";
    const entry = `${url.hostname}:${port}`;
    try {
      parseAllowEntry(entry);
      if (!out.includes(entry)) out.push(entry);
    } catch {
      // not a usable host: nothing to allow
    }
  }
  return out;
}

/**
 * What a backend's sandbox may reach: false, or the allow-list (the adapter's defaults for `true`, the
 * operator's list otherwise) plus the passed-through base URLs. `defaulted` says the defaults were used.
 */
export function resolveBackendNetwork(
  type: string,
  setting: NetworkSetting | undefined,
  envNames: readonly string[],
  processEnv: Readonly<Record<string, string | undefined>>,
  model?: string,
): { access: NetworkAccess; defaulted: boolean } {
  if (setting === undefined || setting === false) return { access: false, defaulted: false };
  const listed = setting === true ? defaultAllowList(type, model) : setting.allow;
  const allow = [...listed];
  for (const e of baseUrlAllowEntries(envNames, processEnv)) if (!allow.includes(e)) allow.push(e);
  return { access: { allow }, defaulted: setting === true };
}

/**
 * The start-up warnings for backends whose network is `true`: each lists the hosts the adapter's default
 * allows, so the operator sees what the agent can reach and can pin it with `network: { allow: [...] }`.
 */
export function describeDefaultNetworks(
  backends: Readonly<Record<string, { type: string; network?: NetworkSetting | undefined; env?: readonly string[] | undefined; model?: string | undefined }>>,
  processEnv: Readonly<Record<string, string | undefined>>,
): string[] {
  const out: string[] = [];
  for (const [name, def] of Object.entries(backends)) {
    if (def.network !== true) continue;
    const { access } = resolveBackendNetwork(def.type, true, def.env ?? [], processEnv, def.model);
    const hosts = access === false || access.allow.length === 0 ? "no host (only base URLs passed through would be allowed)" : access.allow.join(", ");
    out.push(`backend '${name}' (${def.type}) has network: true, so its sandbox may reach the adapter's default hosts: ${hosts}. Write network: { allow: [...] } in moderator.config.yml to choose them, or network: false.`);
  }
  return out;
}
