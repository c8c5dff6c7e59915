import { afterEach, describe, expect, it } from "vitest";

import { CSRF_HEADER, REFRESH_MARGIN_MS, createAuthFetch, csrfFromCookies } from "./authFetch";

const BASE = "http://app.test/api";
const TTL_SECONDS = 900;

interface Seen {
  method: string;
  path: string;
  csrf: string | null;
  authorization: string | null;
  body: string;
}

/** A fake API: refresh (cookie + CSRF) issues a new access token; other routes want a live Bearer. */
function fakeApi(options: { refreshAnswers?: number[]; refreshDelayMs?: number } = {}) {
  const seen: Seen[] = [];
  const answers = [...(options.refreshAnswers ?? [])];
  const state = { csrf: "csrf-1", refreshes: 0, issued: 0, live: new Set<string>() };
  const issue = (): string => {
    state.issued += 1;
    const token = `at-${state.issued}`;
    state.live.add(token);
    return token;
  };
  const sessionBody = (token: string) => JSON.stringify({ access_token: token, expires_in: TTL_SECONDS, delivery: "cookie" });
  const fetchFn = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    const path = new URL(request.url).pathname;
    const authorization = request.headers.get("Authorization");
    seen.push({ method: request.method, path, csrf: request.headers.get(CSRF_HEADER), authorization, body: await request.text() });
    if (path === "/api/auth/refresh") {
      state.refreshes += 1;
      await new Promise((resolve) => setTimeout(resolve, options.refreshDelayMs ?? 5));
      const status = answers.shift() ?? 200;
      if (status === 429) return new Response("{}", { status, headers: { "Retry-After": "2" } });
      if (status !== 200 || request.headers.get(CSRF_HEADER) !== state.csrf) return new Response("{}", { status: 401 });
      state.csrf = `csrf-${state.refreshes + 1}`;
      return new Response(sessionBody(issue()), { status: 200 });
    }
    if (path === "/api/auth/login") return new Response(sessionBody(issue()), { status: 200 });
    if (path === "/api/auth/logout") {
      state.live.clear();
      state.csrf = "";
      return new Response(null, { status: 204 });
    }
    const token = authorization?.replace(/^Bearer /, "") ?? "";
    return state.live.has(token) ? new Response(`{"ok":"${path}"}`, { status: 200 }) : new Response("{}", { status: 401 });
  };
  return { seen, state, fetchFn };
}

function clientFor(api: ReturnType<typeof fakeApi>) {
  let ended = 0;
  const clock = { now: 1_000_000 };
  const slept: number[] = [];
  const authFetch = createAuthFetch({
    fetch: api.fetchFn,
    baseUrl: BASE,
    readCsrf: () => api.state.csrf || null,
    onSessionEnded: () => {
      ended += 1;
    },
    now: () => clock.now,
    sleep: async (ms) => {
      slept.push(ms);
    },
  });
  return { authFetch, ended: () => ended, clock, slept };
}

describe("createAuthFetch", () => {
  it("gets a token from the refresh cookie on page load, then sends it as Bearer", async () => {
    const api = fakeApi();
    const { authFetch } = clientFor(api);
    const answer = await authFetch(`${BASE}/me`);
    expect(answer.status).toBe(200);
    expect(api.seen.map((s) => s.path)).toEqual(["/api/auth/refresh", "/api/me"]);
    expect(api.seen[0]).toMatchObject({ method: "POST", csrf: "csrf-1", authorization: null });
    expect(api.seen[1]).toMatchObject({ authorization: "Bearer at-1", csrf: null }); // no CSRF on Bearer requests
    await authFetch(`${BASE}/bookings`);
    expect(api.state.refreshes).toBe(1); // the token is kept (in memory) for the next requests
  });

  it("keeps the token a login answers with: no refresh needed", async () => {
    const api = fakeApi();
    api.state.csrf = "";
    const { authFetch } = clientFor(api);
    await authFetch(`${BASE}/auth/login`, { method: "POST", body: "{}" });
    api.state.csrf = "csrf-1"; // the login set the cookie
    expect((await authFetch(`${BASE}/me`)).status).toBe(200);
    expect(api.state.refreshes).toBe(0);
    expect(api.seen.at(-1)?.authorization).toBe("Bearer at-1");
  });

  it("refreshes once for concurrent 401s, then retries each request once", async () => {
    const api = fakeApi({ refreshDelayMs: 20 });
    const { authFetch } = clientFor(api);
    await authFetch(`${BASE}/me`);
    api.state.live.clear(); // the server no longer takes at-1 (revoked key, restarted session...)
    const answers = await Promise.all([
      authFetch(`${BASE}/bookings`),
      authFetch(`${BASE}/me`),
      authFetch(`${BASE}/bookings/7/transitions`, { method: "POST", body: '{"to_status":"cancelled"}' }),
    ]);
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(api.state.refreshes).toBe(2); // page load + one shared refresh
    const posts = api.seen.filter((s) => s.path === "/api/bookings/7/transitions");
    expect(posts.map((p) => p.authorization)).toEqual(["Bearer at-1", "Bearer at-2"]);
    expect(posts[1]?.body).toBe('{"to_status":"cancelled"}'); // the retry carries its body again
  });

  it("refreshes shortly before the token expires, without waiting for a 401", async () => {
    const api = fakeApi();
    const { authFetch, clock } = clientFor(api);
    await authFetch(`${BASE}/me`);
    clock.now += TTL_SECONDS * 1000 - REFRESH_MARGIN_MS - 1_000; // still more than the margin left
    await authFetch(`${BASE}/me`);
    expect(api.state.refreshes).toBe(1);
    clock.now += 2_000; // now less than the margin left
    await authFetch(`${BASE}/me`);
    expect(api.state.refreshes).toBe(2);
    expect(api.seen.filter((s) => s.path === "/api/me").map((s) => s.authorization)).toEqual([
      "Bearer at-1",
      "Bearer at-1",
      "Bearer at-2",
    ]);
    expect(api.seen.some((s) => s.path === "/api/me" && s.authorization === null)).toBe(false);
  });

  it("ends the session once when the refresh fails, returns the 401s and retries nothing", async () => {
    const api = fakeApi({ refreshAnswers: [200, 401], refreshDelayMs: 10 });
    const { authFetch, ended } = clientFor(api);
    await authFetch(`${BASE}/me`);
    api.state.live.clear();
    const answers = await Promise.all([authFetch(`${BASE}/bookings`), authFetch(`${BASE}/me`)]);
    expect(answers.map((r) => r.status)).toEqual([401, 401]);
    expect(api.state.refreshes).toBe(2);
    expect(ended()).toBe(1);
    expect(api.seen.filter((s) => s.path === "/api/bookings")).toHaveLength(1);
  });

  it("a dead session found on page load ends once, without a second refresh for the 401", async () => {
    const api = fakeApi({ refreshAnswers: [401] });
    const { authFetch, ended } = clientFor(api);
    expect((await authFetch(`${BASE}/me`)).status).toBe(401);
    expect(api.state.refreshes).toBe(1);
    expect(ended()).toBe(1);
  });

  it("waits out a rate-limited refresh instead of ending the session", async () => {
    const api = fakeApi({ refreshAnswers: [429, 200] });
    const { authFetch, ended, slept } = clientFor(api);
    expect((await authFetch(`${BASE}/me`)).status).toBe(200);
    expect(slept).toEqual([2_000]);
    expect(ended()).toBe(0);
  });

  it("does not refresh on a failed login, nor without a CSRF cookie (never signed in)", async () => {
    const api = fakeApi();
    api.state.csrf = "";
    const { authFetch, ended } = clientFor(api);
    expect((await authFetch(`${BASE}/me`)).status).toBe(401);
    expect(api.state.refreshes).toBe(0);
    expect(ended()).toBe(0);
  });

  it("logs out with the CSRF header and forgets the token", async () => {
    const api = fakeApi();
    const { authFetch } = clientFor(api);
    await authFetch(`${BASE}/me`);
    await authFetch(`${BASE}/auth/logout`, { method: "POST", body: "{}" });
    expect(api.seen.at(-1)).toMatchObject({ path: "/api/auth/logout", csrf: "csrf-2", authorization: "Bearer at-1" });
    await authFetch(`${BASE}/me`);
    expect(api.seen.at(-1)?.authorization).toBeNull();
  });
});

describe("where the token is kept", () => {
  const globals = globalThis as Record<string, unknown>;
  const saved = { localStorage: globals.localStorage, sessionStorage: globals.sessionStorage, document: globals.document };
  afterEach(() => {
    Object.assign(globals, saved);
  });

  it("never writes it to localStorage, sessionStorage or document.cookie", async () => {
    const writes: string[] = [];
    const storage = (name: string) => ({
      setItem: (key: string, value: string) => writes.push(`${name}:${key}=${value}`),
      getItem: () => null,
      removeItem: () => undefined,
      clear: () => undefined,
      key: () => null,
      length: 0,
    });
    const fakeDocument = {
      get cookie() {
        return "ptx_csrf=csrf-1";
      },
      set cookie(value: string) {
        writes.push(`cookie:${value}`);
      },
    };
    Object.assign(globals, { localStorage: storage("local"), sessionStorage: storage("session"), document: fakeDocument });
    const api = fakeApi({ refreshDelayMs: 1 });
    const { authFetch, clock } = clientFor(api);
    await authFetch(`${BASE}/auth/login`, { method: "POST", body: "{}" });
    await authFetch(`${BASE}/me`);
    api.state.live.clear();
    await Promise.all([authFetch(`${BASE}/me`), authFetch(`${BASE}/bookings`)]);
    clock.now += TTL_SECONDS * 1000;
    await authFetch(`${BASE}/me`);
    expect(api.state.issued).toBeGreaterThanOrEqual(3); // tokens came and went...
    expect(writes).toEqual([]); // ...and none was stored anywhere a script or a reload could find it
  });
});

describe("csrfFromCookies", () => {
  it("reads the readable CSRF cookie among others", () => {
    expect(csrfFromCookies("a=1; ptx_csrf=abc%3D; b=2")).toBe("abc=");
    expect(csrfFromCookies("a=1")).toBeNull();
  });
});
