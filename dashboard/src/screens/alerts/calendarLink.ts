import type { Schemas } from "../../api/client";

/** The calendar cells an alert involves: the calendar screen at its property and night, on its room type. */
export function calendarLink(alert: Pick<Schemas["AlertOut"], "property_id" | "night" | "room_type_id">): string | null {
  if (alert.property_id === null || alert.night === null) return null;
  const params = new URLSearchParams({ property_id: String(alert.property_id), start: alert.night });
  if (alert.room_type_id !== null) params.set("room_type_id", String(alert.room_type_id));
  return `/calendar?${params.toString()}`;
}
