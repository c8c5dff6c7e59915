import { describe, expect, it } from "vitest";

import { changedSettings, SETTING_FIELDS, type SettingValues } from "./settingsFields";

const saved: SettingValues = {
  inventory_buffer_rooms: 0,
  sync_poll_interval_seconds: 150,
  booking_expiry_minutes: 15,
  stale_channel_intervals: 4,
};

describe("changedSettings", () => {
  it("sends nothing when nothing changed", () => {
    expect(changedSettings(saved, { ...saved })).toEqual({});
  });

  it("sends only the changed settings", () => {
    expect(changedSettings(saved, { ...saved, booking_expiry_minutes: 20 })).toEqual({ booking_expiry_minutes: 20 });
  });

  it("sends an emptied field as null so the API can name it", () => {
    expect(changedSettings(saved, { ...saved, stale_channel_intervals: "" })).toEqual({ stale_channel_intervals: null });
  });
});

describe("SETTING_FIELDS", () => {
  it("has a sane range for every setting", () => {
    for (const field of SETTING_FIELDS) expect(field.min).toBeLessThan(field.max);
    expect(new Set(SETTING_FIELDS.map((f) => f.key)).size).toBe(SETTING_FIELDS.length);
  });
});
