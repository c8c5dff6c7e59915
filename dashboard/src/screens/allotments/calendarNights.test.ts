import { describe, expect, it } from "vitest";

import { groupAllotments, nightsOf } from "./calendarNights";

const night = (contract_id: number, room_type_id: number, date: string, contracted = 2) => ({
  contract_id,
  room_type_id,
  night: date,
  contracted,
  picked_up: 0,
  remaining: contracted,
  released: 0,
  rate: "100",
  min_stay: 1,
  stop_sale: false,
  release_date: null,
});

describe("nightsOf", () => {
  it("lists every night, both ends included, across a month and a leap day", () => {
    expect(nightsOf("2028-02-27", "2028-03-01")).toEqual(["2028-02-27", "2028-02-28", "2028-02-29", "2028-03-01"]);
    expect(nightsOf("2030-06-01", "2030-06-01")).toEqual(["2030-06-01"]);
  });
});

describe("groupAllotments", () => {
  it("makes one row per room type and contract, ordered by room type then contract, nights by date", () => {
    const groups = groupAllotments([night(9, 2, "2030-06-01"), night(4, 2, "2030-06-01", 5), night(9, 1, "2030-06-02"), night(4, 2, "2030-06-02", 6)]);
    expect(groups.map((g) => [g.roomTypeId, g.contractId])).toEqual([
      [1, 9],
      [2, 4],
      [2, 9],
    ]);
    expect(groups[1]?.byNight.get("2030-06-02")?.contracted).toBe(6);
    expect(groups[1]?.byNight.get("2030-06-01")?.contracted).toBe(5);
  });
});
