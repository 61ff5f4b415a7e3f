/** A cookie-keeping client of the console, signing in through the fake GitHub's OAuth pages (redirects followed by hand). */
export interface ConsoleClient {
  cookies: Map<string, string>;
  get(path: string, headers?: Record<string, string>): Promise<Response>;
  post(path: string, form: Record<string, string>): Promise<Response>;
  /** The CSRF token a page carries (in its forms). */
  csrfOf(html: string): string;
}

export function createConsoleClient(baseUrl: string): ConsoleClient {
  const cookies = new Map<string, string>();
  const keep = (res: Response) => {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(";");
      const eq = pair!.indexOf("=");
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      if (/Max-Age=0/i.test(c)) cookies.delete(name);
      else cookies.set(name, value);
    }
  };
  const header = () => [...cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  const at = (p: string) => (p.startsWith("http") ? p : `${baseUrl}${p}`);
  return {
    cookies,
    async get(path, headers = {}) {
      const res = await fetch(at(path), { redirect: "manual", headers: { cookie: header(), ...headers } });
      keep(res);
      return res;
    },
    async post(path, form) {
      const res = await fetch(at(path), {
        method: "POST",
        redirect: "manual",
        headers: { cookie: header(), "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams(form).toString(),
      });
      keep(res);
      return res;
    },
    csrfOf(html) {
      const m = /name="csrf" value="([^"]+)"/.exec(html);
      if (!m) throw new Error("no CSRF token on the page");
      return m[1]!;
    },
  };
}

/** Signs in through /dashboard/login → GitHub's authorize page → the callback. Returns the client, signed in. */
export async function signIn(baseUrl: string): Promise<ConsoleClient> {
  const client = createConsoleClient(baseUrl);
  const login = await client.get("/dashboard/login");
  if (login.status !== 303) throw new Error(`/dashboard/login answered ${login.status}`);
  const authorize = await fetch(login.headers.get("location")!, { redirect: "manual" });
  if (authorize.status !== 302) throw new Error(`authorize answered ${authorize.status}: ${await authorize.text()}`);
  const callback = await client.get(authorize.headers.get("location")!);
  if (callback.status !== 303) throw new Error(`the callback answered ${callback.status}: ${await callback.text()}`);
  return client;
}
