import { describe, expect, it } from "vitest";

import { changedFields, emptySeason, termsFromApi, termsToApi, validateTerms, type SeasonDraft } from "./contractTerms";

const SUMMER: SeasonDraft = {
  room_type_id: "3",
  date_from: "2030-06-01",
  date_to: "2030-08-31",
  weekdays: ["sat", "fri"],
  rooms: 5,
  rate: " 1200000.50 ",
  min_stay: 2,
};

describe("validateTerms", () => {
  it("accepts a complete season and distinct release steps", () => {
    const steps = [
      { days_before: 30, rooms_kept: 2 },
      { days_before: 7, rooms_kept: 0 },
    ];
    expect(validateTerms({ seasons: [SUMMER], release_steps: steps })).toEqual({});
  });

  it("names each field of a new, empty season", () => {
    expect(validateTerms({ seasons: [SUMMER, emptySeason()], release_steps: [] })).toEqual({
      "seasons.1.room_type_id": "roomTypeRequired",
      "seasons.1.date_from": "datesRequired",
      "seasons.1.rooms": "roomsInvalid",
      "seasons.1.rate": "rateInvalid",
    });
  });

  it("refuses a range ending before it starts, no weekday, fractional rooms, a bad rate and min stay 0", () => {
    const season = { ...SUMMER, date_from: "2030-09-01", weekdays: [], rooms: 1.5, rate: "12,5", min_stay: 0 as const };
    expect(validateTerms({ seasons: [season], release_steps: [] })).toEqual({
      "seasons.0.date_from": "datesOrder",
      "seasons.0.weekdays": "weekdaysRequired",
      "seasons.0.rooms": "roomsInvalid",
      "seasons.0.rate": "rateInvalid",
      "seasons.0.min_stay": "minStayInvalid",
    });
  });

  it("refuses two release steps at the same number of days and days beyond a year", () => {
    const steps = [
      { days_before: 7, rooms_kept: 1 },
      { days_before: 7, rooms_kept: 0 },
      { days_before: 366, rooms_kept: 0 },
      { days_before: "" as const, rooms_kept: -1 },
    ];
    expect(validateTerms({ seasons: [], release_steps: steps })).toEqual({
      "release_steps.1.days_before": "releaseDaysTwice",
      "release_steps.2.days_before": "releaseDaysInvalid",
      "release_steps.3.days_before": "releaseDaysInvalid",
      "release_steps.3.rooms_kept": "roomsInvalid",
    });
  });
});

describe("termsToApi", () => {
  it("sends numbers, the rate as typed (trimmed), weekdays in calendar order and steps furthest first", () => {
    const body = termsToApi({
      seasons: [SUMMER],
      release_steps: [
        { days_before: 7, rooms_kept: 0 },
        { days_before: 30, rooms_kept: 2 },
      ],
    });
    expect(body).toEqual({
      seasons: [
        { room_type_id: 3, date_from: "2030-06-01", date_to: "2030-08-31", weekdays: ["fri", "sat"], rooms: 5, rate: "1200000.50", min_stay: 2 },
      ],
      release_steps: [
        { days_before: 30, rooms_kept: 2 },
        { days_before: 7, rooms_kept: 0 },
      ],
    });
  });

  it("leaves every-day seasons to the API's default", () => {
    expect(termsToApi({ seasons: [{ ...SUMMER, weekdays: ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] }], release_steps: [] }).seasons[0]?.weekdays).toBeNull();
  });

  it("round-trips what the API returned", () => {
    const contract = {
      seasons: [{ room_type_id: 3, date_from: "2030-06-01", date_to: "2030-08-31", weekdays: ["sat", "fri"], rooms: 5, rate: "1200000.50", min_stay: 2 }],
      release_steps: [{ days_before: 30, rooms_kept: 2 }],
    };
    const drafts = termsFromApi(contract);
    expect(drafts.seasons[0]?.weekdays).toEqual(["fri", "sat"]);
    expect(validateTerms(drafts)).toEqual({});
    expect(termsToApi(drafts)).toEqual({ ...contract, seasons: [{ ...contract.seasons[0], weekdays: ["fri", "sat"] }] });
  });
});

describe("changedFields", () => {
  it("names what a version changed, never the version number itself", () => {
    const v1 = { name: "Summer", status: "draft", version: 1, seasons: [{ rooms: 5 }], notes: "" };
    const v2 = { ...v1, status: "active", version: 2, seasons: [{ rooms: 6 }] };
    expect(changedFields(undefined, v1)).toEqual([]);
    expect(changedFields(v1, v2)).toEqual(["seasons", "status"]);
    expect(changedFields(v2, { ...v2, version: 3 })).toEqual([]);
  });
});
