// The live-updates client: a ticket (POST /live/ticket), then a WebSocket to the ticket's url.
// Each message names what changed ("refresh this"); the socket lives at most 2 hours, so a
// closed one is reopened with a new ticket, with backoff. While it is down the app polls every
// 10 s instead and says so.

export type LiveStatus = "connecting" | "live" | "paused";

export interface LiveMessage {
  type: string;
  id?: number;
  property_id?: number | null;
  country_code?: string | null;
}

/** Everything the live screens show: refetched while polling and after a gap in the socket. */
export const LIVE_QUERY_KEYS: string[][] = [["bookings"], ["booking"], ["alerts"], ["summary"], ["calendar"]];

/** What a message makes stale: prefixes of TanStack query keys. */
export function staleQueryKeys(message: LiveMessage): string[][] {
  // A booking moves the calendar's sold/held counters too.
  if (message.type.startsWith("booking.")) return [["bookings"], ["booking"], ["summary"], ["calendar"]];
  if (message.type.startsWith("alert.")) return [["alerts"], ["summary"]];
  if (message.type.startsWith("sync.")) return [["summary"]];
  return LIVE_QUERY_KEYS;
}

export function parseMessage(data: unknown): LiveMessage | null {
  if (typeof data !== "string") return null;
  try {
    const value: unknown = JSON.parse(data);
    if (typeof value === "object" && value !== null && typeof (value as LiveMessage).type === "string") return value as LiveMessage;
  } catch {
    // not JSON: ignored
  }
  return null;
}

export const FIRST_RETRY_MS = 1_000;
export const MAX_RETRY_MS = 30_000;
export const POLL_MS = 10_000;
export const KEEPALIVE_MS = 5 * 60_000;

/** The wait before reconnect attempt ``attempt`` (0-based): doubling from 1 s, capped at 30 s. */
export function retryDelay(attempt: number): number {
  return Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.max(0, attempt));
}

export function socketUrl(url: string, ticket: string): string {
  const target = new URL(url);
  target.searchParams.set("ticket", ticket);
  return target.toString();
}

export interface SocketLike {
  onopen: ((event: Event) => void) | null;
  onmessage: ((event: MessageEvent) => void) | null;
  onclose: ((event: CloseEvent) => void) | null;
  onerror: ((event: Event) => void) | null;
  send(data: string): void;
  close(): void;
}

export interface LiveDeps {
  issueTicket: () => Promise<{ ticket: string; url: string }>;
  openSocket: (url: string) => SocketLike;
  /** A message arrived: make these queries stale. */
  refresh: (keys: string[][]) => void;
  onStatus: (status: LiveStatus) => void;
}

export class LiveConnection {
  private socket: SocketLike | null = null;
  private attempt = 0;
  private stopped = false;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private pollTimer: ReturnType<typeof setInterval> | null = null;
  private keepAliveTimer: ReturnType<typeof setInterval> | null = null;
  status: LiveStatus = "connecting";

  constructor(private readonly deps: LiveDeps) {}

  start(): void {
    this.stopped = false;
    void this.connect();
  }

  stop(): void {
    this.stopped = true;
    this.clearTimers();
    const socket = this.socket;
    this.socket = null;
    if (socket) {
      socket.onclose = null;
      socket.close();
    }
  }

  private setStatus(status: LiveStatus): void {
    if (this.status === status) return;
    this.status = status;
    this.deps.onStatus(status);
  }

  private async connect(): Promise<void> {
    let socket: SocketLike;
    try {
      const { ticket, url } = await this.deps.issueTicket();
      if (this.stopped) return;
      socket = this.deps.openSocket(socketUrl(url, ticket));
    } catch {
      this.down();
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      if (this.stopped || this.socket !== socket) return;
      this.attempt = 0;
      this.stopPolling();
      this.setStatus("live");
      // Events during the gap are not replayed: refetch what is on screen.
      this.deps.refresh(LIVE_QUERY_KEYS);
      this.keepAliveTimer = setInterval(() => socket.send(JSON.stringify({ action: "ping" })), KEEPALIVE_MS);
    };
    socket.onmessage = (event) => {
      const message = parseMessage(event.data);
      if (message) this.deps.refresh(staleQueryKeys(message));
    };
    socket.onerror = () => undefined; // a close follows
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.down();
    };
  }

  /** The socket is down (refused, closed, no ticket): poll, and try again after the backoff. */
  private down(): void {
    if (this.stopped) return;
    if (this.keepAliveTimer) clearInterval(this.keepAliveTimer);
    this.keepAliveTimer = null;
    this.setStatus("paused");
    if (!this.pollTimer) this.pollTimer = setInterval(() => this.deps.refresh(LIVE_QUERY_KEYS), POLL_MS);
    const delay = retryDelay(this.attempt);
    this.attempt += 1;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.connect();
    }, delay);
  }

  private stopPolling(): void {
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.pollTimer = null;
  }

  private clearTimers(): void {
    this.stopPolling();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.keepAliveTimer) clearInterval(this.keepAliveTimer);
    this.retryTimer = null;
    this.keepAliveTimer = null;
  }
}
