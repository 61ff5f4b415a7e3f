const MAX_ERROR_BODY_CHARS = 2000;

/**
 * The fetch the ollama client uses for one request: it carries `signal` (the client passes none for
 * non-streaming calls, and its own, which is kept too, for streaming ones), and it turns an error response whose body is not
 * Ollama's `{"error": "..."}` (a proxy's HTML page, an empty body) into that shape, so the client reports
 * it without logging to the console.
 */
export function createOllamaFetch(base: typeof fetch, signal: AbortSignal): typeof fetch {
  return async (input, init) => {
    const combined = init?.signal ? AbortSignal.any([init.signal, signal]) : signal;
    const response = await base(input, { ...init, signal: combined });
    if (response.ok) return response;
    const text = await response.text();
    let error = text.trim().slice(0, MAX_ERROR_BODY_CHARS);
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed === "object" && parsed !== null && typeof (parsed as { error?: unknown }).error === "string") {
        error = (parsed as { error: string }).error;
      }
    } catch {
      // not JSON: keep the text
    }
    if (error === "") error = `${response.status} ${response.statusText}`.trim();
    return new Response(JSON.stringify({ error }), {
      status: response.status,
      statusText: response.statusText,
      headers: { "content-type": "application/json" },
    });
  };
}
