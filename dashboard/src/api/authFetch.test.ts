import { describe, expect, it } from "vitest";

import { CSRF_HEADER, createAuthFetch, csrfFromCookies } from "./authFetch";

const BASE = "http://app.test/api";

interface Seen {
  method: string;
  path: string;
  csrf: string | null;
  body: string;
}

/** A fake API: the access cookie is "valid" once `refreshed`; refresh rotates the CSRF token. */
function fakeApi(options: { refreshSucceeds: boolean; refreshDelayMs?: number }) {
  const seen: Seen[] = [];
  const state = { sessionValid: false, csrf: "csrf-1", refreshes: 0 };
  const fetchFn = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    const path = new URL(request.url).pathname;
    seen.push({ method: request.method, path, csrf: request.headers.get(CSRF_HEADER), body: await request.text() });
    if (path === "/api/auth/refresh") {
      state.refreshes += 1;
      await new Promise((resolve) => setTimeout(resolve, options.refreshDelayMs ?? 5));
      if (!options.refreshSucceeds) return new Response('{"error":{"code":"invalid_refresh_token"}}', { status: 401 });
      state.sessionValid = true;
      state.csrf = "csrf-2";
      return new Response("{}", { status: 200 });
    }
    return state.sessionValid ? new Response(`{"ok":"${path}"}`, { status: 200 }) : new Response("{}", { status: 401 });
  };
  return { seen, state, fetchFn };
}

function clientFor(api: ReturnType<typeof fakeApi>) {
  let ended = 0;
  const authFetch = createAuthFetch({
    fetch: api.fetchFn,
    baseUrl: BASE,
    readCsrf: () => api.state.csrf,
    onSessionEnded: () => {
      ended += 1;
    },
  });
  return { authFetch, ended: () => ended };
}

describe("createAuthFetch", () => {
  it("refreshes once for concurrent 401s, then retries each request", async () => {
    const api = fakeApi({ refreshSucceeds: true, refreshDelayMs: 20 });
    const { authFetch, ended } = clientFor(api);
    const answers = await Promise.all([
      authFetch(`${BASE}/bookings`),
      authFetch(`${BASE}/me`),
      authFetch(`${BASE}/bookings/7/transitions`, { method: "POST", body: '{"to_status":"cancelled"}' }),
    ]);
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(api.state.refreshes).toBe(1);
    expect(ended()).toBe(0);
    // The retried POST carries its body again and the CSRF token issued by the refresh.
    const posts = api.seen.filter((s) => s.path === "/api/bookings/7/transitions");
    expect(posts).toHaveLength(2);
    expect(posts.map((p) => p.csrf)).toEqual(["csrf-1", "csrf-2"]);
    expect(posts[1]?.body).toBe('{"to_status":"cancelled"}');
  });

  it("sends the CSRF header on the refresh and on changes, never on reads", async () => {
    const api = fakeApi({ refreshSucceeds: true });
    const { authFetch } = clientFor(api);
    await authFetch(`${BASE}/bookings`);
    const refresh = api.seen.find((s) => s.path === "/api/auth/refresh");
    expect(refresh?.csrf).toBe("csrf-1");
    expect(api.seen.filter((s) => s.method === "GET").every((s) => s.csrf === null)).toBe(true);
  });

  it("ends the session once when the refresh fails, and returns the 401s", async () => {
    const api = fakeApi({ refreshSucceeds: false, refreshDelayMs: 10 });
    const { authFetch, ended } = clientFor(api);
    const answers = await Promise.all([authFetch(`${BASE}/bookings`), authFetch(`${BASE}/me`)]);
    expect(answers.map((r) => r.status)).toEqual([401, 401]);
    expect(api.state.refreshes).toBe(1);
    expect(ended()).toBe(1);
    // No retry after a failed refresh.
    expect(api.seen.filter((s) => s.path === "/api/bookings")).toHaveLength(1);
  });

  it("starts a new refresh for a 401 after the previous one settled", async () => {
    const api = fakeApi({ refreshSucceeds: true });
    const { authFetch } = clientFor(api);
    await authFetch(`${BASE}/me`);
    api.state.sessionValid = false; // the access cookie expired again
    await authFetch(`${BASE}/me`);
    expect(api.state.refreshes).toBe(2);
  });

  it("does not refresh on a failed login (its 401 is the answer)", async () => {
    const api = fakeApi({ refreshSucceeds: true });
    const { authFetch, ended } = clientFor(api);
    const answer = await authFetch(`${BASE}/auth/login`, { method: "POST", body: "{}" });
    expect(answer.status).toBe(401);
    expect(api.state.refreshes).toBe(0);
    expect(ended()).toBe(0);
  });

  it("does not try to refresh without a CSRF cookie (never signed in)", async () => {
    const api = fakeApi({ refreshSucceeds: true });
    api.state.csrf = "";
    const { authFetch, ended } = clientFor(api);
    const answer = await authFetch(`${BASE}/me`);
    expect(answer.status).toBe(401);
    expect(api.state.refreshes).toBe(0);
    expect(ended()).toBe(0);
  });
});

describe("csrfFromCookies", () => {
  it("reads the readable CSRF cookie among others", () => {
    expect(csrfFromCookies("a=1; ptx_csrf=abc%3D; b=2")).toBe("abc=");
    expect(csrfFromCookies("a=1")).toBeNull();
  });
});
