// The pure parts of the direct booking screen: where the API's field errors go, and the hold's countdown.

/** The form's fields; the API names them `body.<field>` or, for the one room line, `body.lines.0.<field>`. */
export const BOOKING_FIELDS = [
  "property_id",
  "room_type_id",
  "rate_plan_id",
  "stay",
  "rooms",
  "adults",
  "children",
  "guest_name",
  "guest_email",
  "guest_phone",
  "notes",
] as const;
export type BookingField = (typeof BOOKING_FIELDS)[number];

/** The form field an API error names (`lines.0.check_in` → the stay picker), or null. */
export function bookingFieldOf(apiField: string): BookingField | null {
  const field = apiField.replace(/^(body\.)?lines\.\d+\./, "").replace(/^body\./, "");
  if (field === "check_in" || field === "check_out" || field === "lines") return "stay";
  return (BOOKING_FIELDS as readonly string[]).includes(field) ? (field as BookingField) : null;
}

/**
 * Milliseconds the hold has left. The hold's length comes from the server's own two clocks
 * (booked_at → hold_expires_at) and is counted down from when the answer arrived here, so a
 * browser clock that is minutes off shows the right countdown.
 */
export function holdRemainingMs(hold: { booked_at: string; hold_expires_at: string | null }, receivedAt: number, now: number): number {
  if (!hold.hold_expires_at) return 0;
  const length = Date.parse(hold.hold_expires_at) - Date.parse(hold.booked_at);
  return Math.max(0, length - (now - receivedAt));
}

/** "14:05" (minutes:seconds), rounded up so the last second shows 0:01, not 0:00. */
export function formatCountdown(ms: number): string {
  const seconds = Math.ceil(ms / 1000);
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
}
