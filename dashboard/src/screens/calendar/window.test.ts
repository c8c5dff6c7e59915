import { describe, expect, it } from "vitest";

import { addDays, clampStart, isIsoDate, nightsFrom, weekdayOf } from "./window";

describe("the calendar window", () => {
  it("adds days across months, years and a leap day", () => {
    expect(addDays("2026-12-30", 3)).toBe("2027-01-02");
    expect(addDays("2028-02-28", 1)).toBe("2028-02-29");
    expect(addDays("2027-01-02", -7)).toBe("2026-12-26");
  });

  it("starts no earlier than today and ends within a year", () => {
    expect(clampStart("2026-11-01", "2026-12-05")).toBe("2026-12-05");
    expect(clampStart("2027-03-01", "2026-12-05")).toBe("2027-03-01");
    // the last 14-night window of the year ahead ends on night 366 from today
    const last = clampStart("2030-01-01", "2026-12-05");
    expect(last).toBe("2027-11-22");
    expect(nightsFrom(last).at(-1)).toBe("2027-12-05");
  });

  it("lists the window's nights and names their weekdays as the API does", () => {
    expect(nightsFrom("2026-12-05", 3)).toEqual(["2026-12-05", "2026-12-06", "2026-12-07"]);
    expect(weekdayOf("2026-12-05")).toBe("sat");
    expect(weekdayOf("2026-12-07")).toBe("mon");
  });

  it("accepts only real ISO dates from the address bar", () => {
    expect(isIsoDate("2026-12-05")).toBe(true);
    expect(isIsoDate("2026-13-05")).toBe(false);
    expect(isIsoDate("5/12/2026")).toBe(false);
    expect(isIsoDate(null)).toBe(false);
  });
});
