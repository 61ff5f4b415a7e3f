// The image's HEALTHCHECK: GET http://127.0.0.1:$PORT$MODERATOR_HEALTH_PATH answers 2xx within 4 s, else exit 1.
// MODERATOR_HEALTH_PATH is /ping (Probot's liveness route) until Moderator serves a readiness endpoint.
const port = process.env.PORT || "3000";
const path = process.env.MODERATOR_HEALTH_PATH || "/ping";
const url = `http://127.0.0.1:${port}${path}`;
try {
  const res = await fetch(url, { signal: AbortSignal.timeout(4000) });
  if (!res.ok) {
    console.error(`${url} answered ${res.status}`);
    process.exit(1);
  }
} catch (err) {
  console.error(`${url}: ${err?.cause?.code ?? err?.message ?? err}`);
  process.exit(1);
}
