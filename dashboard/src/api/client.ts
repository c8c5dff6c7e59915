import createClient from "openapi-fetch";

import { createAuthFetch, csrfFromCookies } from "./authFetch";
import type { components, paths } from "./schema";

export type Schemas = components["schemas"];

export const API_BASE = "/api";

const sessionEndedListeners = new Set<() => void>();

export function onSessionEnded(listener: () => void): () => void {
  sessionEndedListeners.add(listener);
  return () => sessionEndedListeners.delete(listener);
}

/** The session's fetch (access token in memory, refresh): the API client's, and the API
 * reference's "try it" requests'. */
export const authFetch = createAuthFetch({
  fetch: (request, init) => globalThis.fetch(request, init),
  baseUrl: API_BASE,
  readCsrf: () => csrfFromCookies(document.cookie),
  onSessionEnded: () => sessionEndedListeners.forEach((listener) => listener()),
});

export const api = createClient<paths>({
  baseUrl: API_BASE,
  fetch: authFetch,
  querySerializer: { array: { style: "form", explode: true } },
});
