// The dashboard's fetch: session cookies, the CSRF header, and transparent refresh.
//
// The API's browser mode keeps every token out of reach of scripts: the access token and the
// refresh token are HttpOnly cookies (the refresh one sent only to /api/auth); nothing is written
// to localStorage or sessionStorage. Requests that change state repeat the readable `ptx_csrf`
// cookie in `X-CSRF-Token`. On a 401 the client refreshes the session once — concurrent 401s share
// that one refresh — then retries each request once; if the refresh fails the session has ended.

export const CSRF_COOKIE = "ptx_csrf";
export const CSRF_HEADER = "X-CSRF-Token";
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
// Answers of these are about credentials themselves: a 401 there is the answer, not an expiry.
const NO_REFRESH_PATHS = ["/auth/login", "/auth/refresh", "/auth/logout", "/auth/forgot-password", "/auth/reset-password"];

export interface AuthFetchOptions {
  /** The fetch to wrap (the browser's; a fake in tests). */
  fetch: typeof fetch;
  /** The API's base, e.g. "/api". */
  baseUrl: string;
  /** The current CSRF token (the readable cookie), or null. */
  readCsrf: () => string | null;
  /** Called once per failed refresh: the session is over, show the sign-in page. */
  onSessionEnded: () => void;
}

export function csrfFromCookies(cookieHeader: string): string | null {
  for (const pair of cookieHeader.split(";")) {
    const [name, ...rest] = pair.trim().split("=");
    if (name === CSRF_COOKIE && rest.length) return decodeURIComponent(rest.join("="));
  }
  return null;
}

export function createAuthFetch(options: AuthFetchOptions): typeof fetch {
  let refreshing: Promise<boolean> | null = null;

  const withCsrf = (request: Request): Request => {
    if (SAFE_METHODS.has(request.method.toUpperCase())) return request;
    const csrf = options.readCsrf();
    if (!csrf) return request;
    const headers = new Headers(request.headers);
    headers.set(CSRF_HEADER, csrf);
    return new Request(request, { headers });
  };

  const refreshOnce = (): Promise<boolean> => {
    if (!refreshing) {
      refreshing = (async () => {
        const request = withCsrf(
          new Request(`${options.baseUrl}/auth/refresh`, {
            method: "POST",
            credentials: "same-origin",
            headers: { "Content-Type": "application/json" },
            body: "{}",
          }),
        );
        let ok = false;
        try {
          ok = (await options.fetch(request)).ok;
        } catch {
          ok = false;
        }
        if (!ok) options.onSessionEnded(); // once, however many requests were waiting
        return ok;
      })().finally(() => {
        refreshing = null;
      });
    }
    return refreshing;
  };

  return async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const original = new Request(input, { credentials: "same-origin", ...init });
    const retryCopy = original.clone();
    const response = await options.fetch(withCsrf(original));
    const path = new URL(original.url, "http://localhost").pathname;
    if (response.status !== 401 || NO_REFRESH_PATHS.some((p) => path.endsWith(p))) return response;
    // No CSRF cookie: no session to refresh (its cookies share their lifetime). Signed out.
    if (!options.readCsrf()) return response;
    if (!(await refreshOnce())) return response;
    return options.fetch(withCsrf(retryCopy));
  };
}
