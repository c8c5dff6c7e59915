// The dashboard's fetch: the access token in memory, transparent refresh.
//
// The API gives a browser its access token in the JSON body and its refresh token as an HttpOnly
// cookie (sent only to /api/auth). The access token lives in this closure and nowhere else —
// never localStorage, sessionStorage or a cookie — and goes out as `Authorization: Bearer`. On
// page load there is no token yet: the first request gets one from POST /auth/refresh (the
// cookie), and so does any request made when the token has less than REFRESH_MARGIN_MS left. A 401
// refreshes once — concurrent 401s share that one refresh — and retries each request once; a
// failed refresh means the session has ended. The refresh and the logout are the only requests
// the cookie authenticates: they repeat the readable `ptx_csrf` cookie in `X-CSRF-Token`.

export const CSRF_COOKIE = "ptx_csrf";
export const CSRF_HEADER = "X-CSRF-Token";
/** Refresh this long before the access token expires (it lives 15 minutes). */
export const REFRESH_MARGIN_MS = 60_000;
/** A rate-limited refresh (429) is waited out once, at most this long: the session is not over. */
export const MAX_RETRY_AFTER_MS = 30_000;
const REFRESH_PATH = "/auth/refresh";
const LOGOUT_PATH = "/auth/logout";
// Answers that start a session carry the new access token in their body.
const SESSION_PATHS = ["/auth/login", "/auth/change-password"];
// Answers of these are about credentials themselves: a 401 there is the answer, not an expiry.
const NO_REFRESH_PATHS = ["/auth/login", REFRESH_PATH, LOGOUT_PATH, "/auth/forgot-password", "/auth/reset-password"];

export interface AuthFetchOptions {
  /** The fetch to wrap (the browser's; a fake in tests). */
  fetch: typeof fetch;
  /** The API's base, e.g. "/api". */
  baseUrl: string;
  /** The current CSRF token (the readable cookie), or null: no session to refresh. */
  readCsrf: () => string | null;
  /** Called once per failed refresh: the session is over, show the sign-in page. */
  onSessionEnded: () => void;
  /** Milliseconds since the epoch (a fake clock in tests). */
  now?: () => number;
  /** Waits (a fake in tests). */
  sleep?: (ms: number) => Promise<void>;
}

interface SessionBody {
  access_token?: unknown;
  expires_in?: unknown;
}

export function csrfFromCookies(cookieHeader: string): string | null {
  for (const pair of cookieHeader.split(";")) {
    const [name, ...rest] = pair.trim().split("=");
    if (name === CSRF_COOKIE && rest.length) return decodeURIComponent(rest.join("="));
  }
  return null;
}

function pathOf(request: Request): string {
  return new URL(request.url, "http://localhost").pathname;
}

function retryAfterMs(response: Response): number {
  const seconds = Number(response.headers.get("Retry-After") ?? "1");
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, Number.isFinite(seconds) ? seconds * 1000 : 1000));
}

export function createAuthFetch(options: AuthFetchOptions): typeof fetch {
  const now = options.now ?? (() => Date.now());
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  let token: string | null = null;
  let expiresAt = 0;
  let refreshing: Promise<boolean> | null = null;

  const remember = async (response: Response): Promise<boolean> => {
    const body = (await response
      .clone()
      .json()
      .catch(() => null)) as SessionBody | null;
    if (typeof body?.access_token !== "string" || typeof body.expires_in !== "number") return false;
    token = body.access_token;
    expiresAt = now() + body.expires_in * 1000;
    return true;
  };

  const postRefresh = (): Promise<Response> => {
    const headers = new Headers({ "Content-Type": "application/json" });
    const csrf = options.readCsrf();
    if (csrf) headers.set(CSRF_HEADER, csrf);
    return options.fetch(
      new Request(`${options.baseUrl}${REFRESH_PATH}`, { method: "POST", credentials: "same-origin", headers, body: "{}" }),
    );
  };

  const refreshOnce = (): Promise<boolean> => {
    if (!refreshing) {
      refreshing = (async () => {
        let ok = false;
        try {
          let response = await postRefresh();
          if (response.status === 429) {
            await sleep(retryAfterMs(response));
            response = await postRefresh();
          }
          ok = response.ok && (await remember(response));
        } catch {
          ok = false;
        }
        if (!ok) {
          token = null;
          options.onSessionEnded(); // once, however many requests were waiting
        }
        return ok;
      })().finally(() => {
        refreshing = null;
      });
    }
    return refreshing;
  };

  const prepare = (request: Request, path: string): Request => {
    const headers = new Headers(request.headers);
    if (token) headers.set("Authorization", `Bearer ${token}`);
    if (path.endsWith(LOGOUT_PATH)) {
      const csrf = options.readCsrf();
      if (csrf) headers.set(CSRF_HEADER, csrf);
    }
    return new Request(request, { headers });
  };

  return async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const original = new Request(input, { credentials: "same-origin", ...init });
    const path = pathOf(original);
    const isCredentialCall = NO_REFRESH_PATHS.some((p) => path.endsWith(p));
    // No token yet (page load) or about to expire: get one first, when there is a session.
    const refreshFirst = !isCredentialCall && (!token || expiresAt - now() < REFRESH_MARGIN_MS) && Boolean(options.readCsrf());
    if (refreshFirst) await refreshOnce();
    const retryCopy = original.clone();
    const sentWith = token;
    const response = await options.fetch(prepare(original, path));
    if (path.endsWith(LOGOUT_PATH)) token = null;
    if (response.ok && SESSION_PATHS.some((p) => path.endsWith(p))) await remember(response);
    if (response.status !== 401 || isCredentialCall || !options.readCsrf()) return response;
    // Another request may have refreshed while this one was on its way: then use its token.
    // A token refreshed for this very request is not refreshed again.
    if (token === sentWith && (refreshFirst || !(await refreshOnce()))) return response;
    return options.fetch(prepare(retryCopy, path));
  };
}
