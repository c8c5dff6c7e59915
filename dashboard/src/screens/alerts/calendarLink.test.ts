import { describe, expect, it } from "vitest";

import type { Schemas } from "../../api/client";
import { isLanguage } from "../../i18n/languages";
import { calendarLink } from "./calendarLink";

const alert = (fields: Partial<Schemas["AlertOut"]>) =>
  ({ property_id: 7, room_type_id: 42, night: "2027-05-24", ...fields }) as Schemas["AlertOut"];

describe("the calendar cells an alert involves", () => {
  it("links the calendar screen at the property, night and room type", () => {
    expect(calendarLink(alert({}))).toBe("/calendar?property_id=7&start=2027-05-24&room_type_id=42");
  });

  it("leaves the room type out when the alert names none", () => {
    expect(calendarLink(alert({ room_type_id: null }))).toBe("/calendar?property_id=7&start=2027-05-24");
  });

  it("has no link without a property or a night (a dead-letter alert)", () => {
    expect(calendarLink(alert({ property_id: null }))).toBeNull();
    expect(calendarLink(alert({ night: null }))).toBeNull();
  });
});

describe("user languages", () => {
  it("accepts exactly the four catalogs", () => {
    expect(["en", "vi", "id", "ms", "fr", ""].filter(isLanguage)).toEqual(["en", "vi", "id", "ms"]);
  });
});
