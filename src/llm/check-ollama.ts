import { Ollama } from "ollama";
import { CancelledError } from "../util/errors.ts";
import { createOllamaFetch } from "./create-ollama-fetch.ts";
import { describeOllamaError } from "./describe-ollama-error.ts";

export interface OllamaHealth {
  /** The server answered, and the model (when one was named) is pulled. */
  ok: boolean;
  version?: string;
  /** Whether `model` is among the pulled models; undefined when no model was named or the server did not answer. */
  modelPresent?: boolean;
  /** Names of the pulled models. */
  models: string[];
  /** One line for an operator: what works, or what is wrong and what to do. */
  detail: string;
}

const DEFAULT_TIMEOUT_MS = 5000;

/** "llama3" means "llama3:latest" to Ollama. */
function withTag(name: string): string {
  const lastSegment = name.slice(name.lastIndexOf("/") + 1);
  return lastSegment.includes(":") ? name : `${name}:latest`;
}

/**
 * Health of an Ollama server: GET /api/version and /api/tags, each bounded by `timeoutMs`.
 * Never throws for an unreachable or failing server; the answer says what is wrong.
 */
export async function checkOllama(opts: { host: string; model?: string; timeoutMs?: number; fetch?: typeof fetch; signal?: AbortSignal }): Promise<OllamaHealth> {
  const host = opts.host.replace(/\/+$/, "");
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const timeoutSignal = AbortSignal.timeout(timeoutMs);
  const signal = opts.signal ? AbortSignal.any([opts.signal, timeoutSignal]) : timeoutSignal;
  const client = new Ollama({ host, fetch: createOllamaFetch(opts.fetch ?? fetch, signal) });
  let version: string;
  let models: string[];
  try {
    version = (await client.version()).version;
    const list = await client.list();
    models = (Array.isArray(list.models) ? list.models : []).map((m) => (typeof m.name === "string" ? m.name : String(m.model)));
  } catch (err) {
    const described = describeOllamaError(err, { host, model: opts.model, timeoutMs, callerSignal: opts.signal, timeoutSignal });
    if (described instanceof CancelledError) throw described;
    return { ok: false, models: [], detail: `Ollama at ${host} is not usable: ${described.message}` };
  }
  if (opts.model === undefined) {
    return { ok: true, version, models, detail: `Ollama ${version} at ${host} with ${models.length} model${models.length === 1 ? "" : "s"}` };
  }
  const wanted = withTag(opts.model);
  const modelPresent = models.some((m) => withTag(m) === wanted);
  if (!modelPresent) {
    const available = models.length > 0 ? models.join(", ") : "none";
    return {
      ok: false,
      version,
      modelPresent,
      models,
      detail: `model "${opts.model}" is not pulled on Ollama ${version} at ${host}: run \`ollama pull ${opts.model}\` there (pulled: ${available})`,
    };
  }
  return { ok: true, version, modelPresent, models, detail: `Ollama ${version} at ${host} has model "${opts.model}"` };
}
