import { describe, expect, it } from "vitest";

import { formatDateTime, formatMoney, formatPercent, localDate } from "./format";

// 16:49 UTC on 4 December is 23:49 in Hanoi (UTC+7) and 00:49 on the 5th in Bali (UTC+8).
const BOOKED = "2026-12-04T16:49:00Z";

describe("formatDateTime", () => {
  it("reads an instant on the property's clock, not the browser's", () => {
    const hanoi = formatDateTime(BOOKED, "en-US", "Asia/Ho_Chi_Minh");
    expect(hanoi).toContain("Dec 4, 2026");
    expect(hanoi).toContain("11:49 PM");
    expect(hanoi).toContain("GMT+7");
    const bali = formatDateTime(BOOKED, "en-US", "Asia/Makassar");
    expect(bali).toContain("Dec 5, 2026");
    expect(bali).toContain("12:49 AM");
  });

  it("writes it the reader's way", () => {
    expect(formatDateTime(BOOKED, "en-GB", "Asia/Ho_Chi_Minh")).toMatch(/4 Dec 2026, 23:49/);
    expect(formatDateTime(BOOKED, "vi", "Asia/Ho_Chi_Minh")).toMatch(/23:49/);
  });

  it("falls back to the browser's zone for an unknown zone, and a dash for no instant", () => {
    expect(formatDateTime(BOOKED, "en-US", "Mars/Olympus")).toBe(formatDateTime(BOOKED, "en-US"));
    expect(formatDateTime(null, "en-US", "Asia/Ho_Chi_Minh")).toBe("—");
    expect(formatDateTime("not a date", "en-US")).toBe("—");
  });
});

describe("localDate", () => {
  it("is the property's calendar date at that instant", () => {
    const instant = new Date("2026-12-04T17:30:00Z");
    expect(localDate(instant, "Asia/Ho_Chi_Minh")).toBe("2026-12-05");
    expect(localDate(instant, "America/New_York")).toBe("2026-12-04");
    expect(localDate(instant, "UTC")).toBe("2026-12-04");
  });
});

describe("money and shares", () => {
  it("writes money in the property's currency", () => {
    expect(formatMoney("1250000", "VND", "en-US")).toBe("₫1,250,000");
    expect(formatMoney("99.5", "USD", "en-US")).toBe("$99.50");
    expect(formatMoney("1500000", "IDR", "en-US")).toMatch(/IDR\s?1,500,000/);
    expect(formatMoney("12", "NOPE", "en-US")).toBe("12 NOPE");
  });

  it("writes a share as a percentage, and nothing to divide by as a dash", () => {
    expect(formatPercent(0.8125, "en-US")).toBe("81.3%");
    expect(formatPercent(null, "en-US")).toBe("—");
  });
});
