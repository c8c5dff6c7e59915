// The global settings the API exposes (GET/PATCH /settings), with the ranges it accepts.
// The ranges are shown beside each field; the API remains the judge (its message goes under the field).

export interface SettingField {
  key: "inventory_buffer_rooms" | "sync_poll_interval_seconds" | "booking_expiry_minutes" | "stale_channel_intervals";
  min: number;
  max: number;
  unit: "rooms" | "seconds" | "minutes" | "intervals";
}

export const SETTING_FIELDS: readonly SettingField[] = [
  { key: "sync_poll_interval_seconds", min: 30, max: 86400, unit: "seconds" },
  { key: "inventory_buffer_rooms", min: 0, max: 1000, unit: "rooms" },
  { key: "booking_expiry_minutes", min: 1, max: 1440, unit: "minutes" },
  { key: "stale_channel_intervals", min: 2, max: 100, unit: "intervals" },
];

export type SettingValues = Record<SettingField["key"], number | "">;

/** The PATCH body: only the settings whose value changed (an emptied field is sent as it is,
 * so that the API names it). */
export function changedSettings(saved: SettingValues, edited: SettingValues): Partial<Record<SettingField["key"], number | null>> {
  const changes: Partial<Record<SettingField["key"], number | null>> = {};
  for (const { key } of SETTING_FIELDS) {
    if (edited[key] !== saved[key]) changes[key] = edited[key] === "" ? null : edited[key];
  }
  return changes;
}
