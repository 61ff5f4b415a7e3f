/** The two requests of GitHub's OAuth web flow after the redirect back: the code for a token, the token for a login. */
export async function signInWithGitHub(opts: {
  webUrl: string;
  apiUrl: string;
  clientId: string;
  clientSecret: string;
  code: string;
  redirectUri: string;
  fetch?: typeof fetch;
}): Promise<{ login: string }> {
  const f = opts.fetch ?? fetch;
  const tokenRes = await f(`${opts.webUrl}/login/oauth/access_token`, {
    method: "POST",
    headers: { accept: "application/json", "content-type": "application/json" },
    body: JSON.stringify({ client_id: opts.clientId, client_secret: opts.clientSecret, code: opts.code, redirect_uri: opts.redirectUri }),
    signal: AbortSignal.timeout(10_000),
  });
  const token = (await tokenRes.json().catch(() => ({}))) as { access_token?: string; error?: string; error_description?: string };
  if (!tokenRes.ok || !token.access_token) {
    throw new Error(`GitHub refused the sign-in code: ${token.error_description ?? token.error ?? `HTTP ${tokenRes.status}`}`);
  }
  const userRes = await f(`${opts.apiUrl}/user`, {
    headers: { accept: "application/vnd.github+json", authorization: `Bearer ${token.access_token}` },
    signal: AbortSignal.timeout(10_000),
  });
  const user = (await userRes.json().catch(() => ({}))) as { login?: string };
  if (!userRes.ok || !user.login) throw new Error(`GitHub did not say who signed in (GET /user: HTTP ${userRes.status})`);
  return { login: user.login };
}
