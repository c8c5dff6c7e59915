import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { LIVE_QUERY_KEYS, LiveConnection, POLL_MS, parseMessage, retryDelay, socketUrl, staleQueryKeys, type LiveStatus, type SocketLike } from "./liveConnection";

class FakeSocket implements SocketLike {
  onopen: SocketLike["onopen"] = null;
  onmessage: SocketLike["onmessage"] = null;
  onclose: SocketLike["onclose"] = null;
  onerror: SocketLike["onerror"] = null;
  sent: string[] = [];
  closed = false;
  constructor(readonly url: string) {}
  send(data: string) {
    this.sent.push(data);
  }
  close() {
    this.closed = true;
  }
}

function setUp(ticketFails: () => boolean = () => false) {
  const sockets: FakeSocket[] = [];
  const refreshed: string[][][] = [];
  const statuses: LiveStatus[] = [];
  let tickets = 0;
  const connection = new LiveConnection({
    issueTicket: async () => {
      tickets += 1;
      if (ticketFails()) throw new Error("503");
      return { ticket: `t${tickets}`, url: "ws://127.0.0.1:8001" };
    },
    openSocket: (url) => {
      const socket = new FakeSocket(url);
      sockets.push(socket);
      return socket;
    },
    refresh: (keys) => refreshed.push(keys),
    onStatus: (status) => statuses.push(status),
  });
  return { connection, sockets, refreshed, statuses, tickets: () => tickets };
}

describe("live messages", () => {
  it("make the matching queries stale", () => {
    expect(staleQueryKeys({ type: "booking.created", id: 1 })).toEqual([
      ["bookings"],
      ["booking"],
      ["summary"],
      ["calendar"],
    ]);
    expect(staleQueryKeys({ type: "alert.raised", id: 2 })).toEqual([["alerts"], ["summary"]]);
    expect(staleQueryKeys({ type: "alert.changed", id: 2 })).toEqual([["alerts"], ["summary"]]);
    expect(staleQueryKeys({ type: "sync.failed", id: 3 })).toEqual([["summary"]]);
    expect(staleQueryKeys({ type: "something.new" })).toEqual(LIVE_QUERY_KEYS);
  });

  it("are JSON objects with a type; anything else is ignored", () => {
    expect(parseMessage('{"type":"alert.raised","id":4}')).toEqual({ type: "alert.raised", id: 4 });
    expect(parseMessage("pong")).toBeNull();
    expect(parseMessage('{"id":4}')).toBeNull();
    expect(parseMessage(new ArrayBuffer(2))).toBeNull();
  });

  it("the ticket goes in the socket's query string", () => {
    expect(socketUrl("wss://abc.execute-api.aws/api", "a b/c")).toBe("wss://abc.execute-api.aws/api?ticket=a+b%2Fc");
  });

  it("backs off doubling from 1 s up to 30 s", () => {
    expect([0, 1, 2, 3, 4, 5, 6, 10].map(retryDelay)).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  });
});

describe("LiveConnection", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("opens a socket with a ticket, refetches on open and on each message", async () => {
    const { connection, sockets, refreshed, statuses } = setUp();
    connection.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(sockets).toHaveLength(1);
    expect(sockets[0]!.url).toBe("ws://127.0.0.1:8001/?ticket=t1");
    sockets[0]!.onopen?.(new Event("open"));
    expect(statuses).toEqual(["live"]);
    expect(refreshed).toEqual([LIVE_QUERY_KEYS]);
    sockets[0]!.onmessage?.(new MessageEvent("message", { data: '{"type":"alert.raised","id":9}' }));
    expect(refreshed.at(-1)).toEqual([["alerts"], ["summary"]]);
    connection.stop();
    expect(sockets[0]!.closed).toBe(true);
  });

  it("when the socket closes: says paused, polls every 10 s, reconnects with a new ticket, stops polling once live", async () => {
    const { connection, sockets, refreshed, statuses, tickets } = setUp();
    connection.start();
    await vi.advanceTimersByTimeAsync(0);
    sockets[0]!.onopen?.(new Event("open"));
    sockets[0]!.onclose?.(new Event("close") as CloseEvent);
    expect(statuses).toEqual(["live", "paused"]);
    const before = refreshed.length;
    // First retry after 1 s: a new ticket and socket, which is refused (closes before opening).
    await vi.advanceTimersByTimeAsync(1000);
    expect(tickets()).toBe(2);
    sockets[1]!.onclose?.(new Event("close") as CloseEvent);
    // The second retry waits 2 s; meanwhile the screen is refreshed by polling.
    await vi.advanceTimersByTimeAsync(POLL_MS);
    expect(refreshed.length).toBeGreaterThan(before);
    expect(refreshed.at(-1)).toEqual(LIVE_QUERY_KEYS);
    expect(sockets).toHaveLength(3);
    sockets[2]!.onopen?.(new Event("open"));
    expect(statuses.at(-1)).toBe("live");
    const afterOpen = refreshed.length;
    await vi.advanceTimersByTimeAsync(POLL_MS * 3);
    expect(refreshed.length).toBe(afterOpen); // live again: no more polling
    connection.stop();
  });

  it("keeps polling while no ticket can be had, and stops everything on stop()", async () => {
    const { connection, sockets, refreshed, statuses } = setUp(() => true);
    connection.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(statuses).toEqual(["paused"]);
    await vi.advanceTimersByTimeAsync(POLL_MS * 2);
    expect(refreshed.length).toBe(2);
    expect(sockets).toHaveLength(0);
    connection.stop();
    await vi.advanceTimersByTimeAsync(POLL_MS * 5);
    expect(refreshed.length).toBe(2);
  });

  it("sends a keep-alive every 5 minutes while open", async () => {
    const { connection, sockets } = setUp();
    connection.start();
    await vi.advanceTimersByTimeAsync(0);
    sockets[0]!.onopen?.(new Event("open"));
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(sockets[0]!.sent).toEqual(['{"action":"ping"}', '{"action":"ping"}']);
    connection.stop();
  });
});
