import { describe, expect, it } from "vitest";

import { amendmentBody, blockGrid, blockTotals, diffGrid, emptyAmendment, otasTold, poolEffect, trend, versionSummary } from "./blockValues";

const night = (room_type_id: number, date: string, rooms: number, released = 0) => ({ room_type_id, night: date, rooms, released, picked_up: 0, rate: "100.00" });
const diff = (room_type_id: number, date: string, before: number, after: number, pool_delta: number, otas: string[] = []) => ({
  room_type_id,
  night: date,
  rooms_before: before,
  rooms_after: after,
  delta: after - before,
  rate_before: "100.00",
  rate_after: "100.00",
  released_before: 0,
  released_after: 0,
  withheld_before: before,
  withheld_after: after,
  pool_delta,
  pool_before: 10,
  pool_after: 10 + pool_delta,
  otas,
});

describe("the block grid", () => {
  it("groups nights by room type, room types and nights sorted", () => {
    const grid = blockGrid([night(7, "2030-07-02", 3), night(2, "2030-07-01", 1), night(7, "2030-07-01", 2)]);
    expect(grid.nights).toEqual(["2030-07-01", "2030-07-02"]);
    expect([...grid.rows.keys()]).toEqual([2, 7]);
    expect(grid.rows.get(7)?.get("2030-07-02")?.rooms).toBe(3);
    expect(grid.rows.get(2)?.get("2030-07-02")).toBeUndefined();
  });

  it("totals the room nights and the released ones, first and last night", () => {
    expect(blockTotals([night(1, "2030-07-03", 2, 1), night(1, "2030-07-01", 4)])).toEqual({ rooms: 6, released: 1, first: "2030-07-01", last: "2030-07-03" });
    expect(blockTotals([])).toEqual({ rooms: 0, released: 0, first: null, last: null });
  });
});

describe("the preview's diff", () => {
  it("keys the cells by room type and night and sums the pool's effect", () => {
    const rows = [diff(1, "2030-07-02", 5, 3, 2), diff(1, "2030-07-01", 5, 8, -3)];
    const grid = diffGrid(rows);
    expect(grid.nights).toEqual(["2030-07-01", "2030-07-02"]);
    expect(grid.cells.get("1|2030-07-01")?.rooms_after).toBe(8);
    expect(poolEffect(rows)).toBe(-1);
  });

  it("names each OTA told once, and none for rows whose pool does not move", () => {
    const rows = [diff(1, "2030-07-01", 5, 8, -3, ["booking_com", "agoda"]), diff(2, "2030-07-01", 1, 1, 0, ["expedia"]), diff(1, "2030-07-02", 5, 6, -1, ["agoda"])];
    expect(otasTold(rows)).toEqual(["agoda", "booking_com"]);
    expect(otasTold([diff(1, "2030-07-01", 5, 5, 0, ["agoda"])])).toEqual([]);
  });

  it("colours up, down or unchanged, rates compared as numbers", () => {
    expect(trend(5, 8)).toBe("up");
    expect(trend(5, 3)).toBe("down");
    expect(trend("100.00", "100.0")).toBe("same");
    expect(trend(null, "90")).toBe("up");
    expect(trend(4, null)).toBe("down");
  });
});

describe("the amendment body", () => {
  it("sends only what the form gives: no dates or room types means every one", () => {
    expect(amendmentBody({ ...emptyAmendment(), rooms: 8 })).toEqual({ kind: "overlay", rooms: 8 });
    expect(amendmentBody({ ...emptyAmendment(), date_from: "2030-07-01", date_to: "2030-07-02", room_type_ids: ["3"], rate: " 90.5 " })).toEqual({
      kind: "overlay",
      date_from: "2030-07-01",
      date_to: "2030-07-02",
      room_type_ids: [3],
      rate: "90.5",
    });
  });

  it("a release carries no rate, a guarantee change only the guarantee", () => {
    expect(amendmentBody({ ...emptyAmendment(), kind: "release", rooms: 2, rate: "9" })).toEqual({ kind: "release", rooms: 2 });
    expect(amendmentBody({ ...emptyAmendment(), kind: "guarantee", guarantee: "tentative", rooms: 2 })).toEqual({ kind: "guarantee", guarantee: "tentative" });
  });
});

it("summarises a stored version", () => {
  expect(versionSummary({ guarantee: "definite", status: "active", nights: [{ rooms: 2 }, { rooms: 3 }] })).toEqual({ guarantee: "definite", status: "active", rooms: 5, nights: 2 });
});
