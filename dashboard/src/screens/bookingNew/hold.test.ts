import { describe, expect, it } from "vitest";

import { bookingFieldOf, formatCountdown, holdRemainingMs } from "./hold";

describe("bookingFieldOf", () => {
  it("puts the API's line errors next to the form's fields", () => {
    expect(bookingFieldOf("body.lines.0.check_out")).toBe("stay");
    expect(bookingFieldOf("lines.0.check_in")).toBe("stay");
    expect(bookingFieldOf("lines.0.room_type_id")).toBe("room_type_id");
    expect(bookingFieldOf("lines.0.rooms")).toBe("rooms");
    expect(bookingFieldOf("body.guest_email")).toBe("guest_email");
    expect(bookingFieldOf("guest_name")).toBe("guest_name");
    expect(bookingFieldOf("lines")).toBe("stay");
    expect(bookingFieldOf("partner_code")).toBeNull(); // not on this form: shown above it
  });
});

describe("holdRemainingMs", () => {
  const hold = { booked_at: "2026-12-05T01:00:00Z", hold_expires_at: "2026-12-05T01:15:00Z" };

  it("counts the hold's length down from when the answer arrived, whatever the browser's clock says", () => {
    const receivedAt = Date.parse("2030-01-01T00:00:00Z"); // a browser years off
    expect(holdRemainingMs(hold, receivedAt, receivedAt)).toBe(15 * 60_000);
    expect(holdRemainingMs(hold, receivedAt, receivedAt + 61_000)).toBe(15 * 60_000 - 61_000);
    expect(holdRemainingMs(hold, receivedAt, receivedAt + 16 * 60_000)).toBe(0);
  });

  it("has nothing left without an expiry", () => {
    expect(holdRemainingMs({ ...hold, hold_expires_at: null }, 0, 0)).toBe(0);
  });

  it("formats minutes and seconds, rounding up", () => {
    expect(formatCountdown(15 * 60_000)).toBe("15:00");
    expect(formatCountdown(61_500)).toBe("1:02");
    expect(formatCountdown(1)).toBe("0:01");
    expect(formatCountdown(0)).toBe("0:00");
  });
});
