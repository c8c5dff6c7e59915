import { describe, expect, it, vi } from "vitest";

import { throughSession, withBrowserBase } from "./apiReference";

describe("withBrowserBase", () => {
  it("points every operation at the browser's API base, leaving the document otherwise alone", () => {
    const document = { openapi: "3.1.0", paths: { "/me": {} } };
    const served = withBrowserBase(document, "/api");
    expect(served.servers).toEqual([{ url: "/api", description: "This dashboard's API" }]);
    expect(served.paths).toBe(document.paths);
    expect(document).not.toHaveProperty("servers");
  });
});

describe("throughSession", () => {
  it("sends the try-it request through the session's fetch", async () => {
    const sessionFetch = vi.fn(async () => new Response("{}", { status: 200 }));
    const request = throughSession(sessionFetch as unknown as typeof fetch)({ url: "/api/me", method: "GET" });
    expect(request.userFetch).toBeTypeOf("function");
    await request.userFetch?.("/api/me", { method: "GET" });
    expect(sessionFetch).toHaveBeenCalledWith("/api/me", { method: "GET" });
  });
});
