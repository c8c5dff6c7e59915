// The API reference's document and "try it" requests, kept apart from the page (tested alone).
import type { SwaggerRequest } from "swagger-ui-dist/swagger-ui-es-bundle.js";

/** The served document with the base the browser reaches the API at (`/api`, as behind
 * CloudFront): its paths are the API's own (`/me`). */
export function withBrowserBase(document: Record<string, unknown>, base: string): Record<string, unknown> {
  return { ...document, servers: [{ url: base, description: "This dashboard's API" }] };
}

/** Sends a "try it" request through the session's fetch (its access token, refreshed as it
 * needs), so the reference calls the API as the signed-in user without the token leaving memory. */
export function throughSession(sessionFetch: typeof fetch) {
  return (request: SwaggerRequest): SwaggerRequest => {
    request.userFetch = (url, init) => sessionFetch(url, init);
    return request;
  };
}
