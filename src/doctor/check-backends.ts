import { createBackendFactory } from "../backends/create-backend-factory.ts";
import { checkOllama } from "../llm/check-ollama.ts";
import type { CheckResult, DoctorCheck } from "./doctor-check.ts";

/**
 * Each configured backend's health (its CLI is installed and answers, its model is pulled, ...) and the
 * operator's LLM. A backend that does not work is a warning while another one does; it is a failure when
 * it is the default backend or when none works.
 */
export const checkBackends: DoctorCheck = {
  name: "backends",
  roles: ["doctor", "worker"],
  blocks: [],
  async run({ env, operator, timeoutMs }) {
    const names = Object.keys(operator.backends);
    const results: CheckResult[] = [];
    if (names.length === 0) {
      results.push({ what: "backends", status: "fail", detail: "none configured: every run fails", fix: "define backends in moderator.config.yml (README: Configuration)" });
    } else {
      const create = createBackendFactory(operator, env.raw);
      const health = await Promise.all(
        names.map(async (name) => {
          const backend = create(name);
          const h = await backend.health().catch((err: Error) => ({ ok: false, detail: err.message, version: undefined as string | undefined }));
          return { name, type: backend.type, ...h };
        }),
      );
      const anyOk = health.some((h) => h.ok);
      for (const h of health) {
        const label = `backend ${h.name}${operator.defaultBackend === h.name ? " (default)" : ""}`;
        const detail = [`[${h.type}]`, h.version, h.detail].filter(Boolean).join(" ");
        if (h.ok) results.push({ what: label, status: "ok", detail });
        else
          results.push({
            what: label,
            status: operator.defaultBackend === h.name || !anyOk ? "fail" : "warn",
            detail,
            fix: ["claude-code", "codex", "gemini", "aider"].includes(h.type) ? `install the ${h.type} CLI (Docker: build with the AGENT_CLIS build argument, README: Docker)` : "see the detail",
          });
      }
    }
    if (operator.llm) {
      const h = await checkOllama({ host: operator.llm.host, model: operator.llm.model, timeoutMs });
      results.push(h.ok ? { what: "llm", status: "ok", detail: h.detail } : { what: "llm", status: "warn", detail: h.detail, fix: "planning and LLM review fall back to heuristics until it answers" });
    }
    return results;
  },
};
