import { describe, expect, it } from "vitest";

import { bulkBody, changesNothing, emptyValues } from "./bulkBody";

const TARGET = { dateFrom: "2026-12-10", dateTo: "2026-12-12", roomTypeIds: [3, 4] };

describe("the bulk update body", () => {
  it("leaves out every field left empty, and every weekday (the API's default)", () => {
    const body = bulkBody(emptyValues(), TARGET);
    expect(body).toEqual({ date_from: "2026-12-10", date_to: "2026-12-12", room_type_ids: [3, 4] });
    expect(changesNothing(body)).toBe(true);
  });

  it("sends a stop-sell close as true and an open as false; 'leave' is left out", () => {
    const body = bulkBody({ ...emptyValues(), stop_sell: "close", closed_to_arrival: "open" }, TARGET);
    expect(body.stop_sell).toBe(true);
    expect(body.closed_to_arrival).toBe(false);
    expect("closed_to_departure" in body).toBe(false);
    expect(changesNothing(body)).toBe(false);
  });

  it("sends counts as numbers (0 availability included) and rates per plan as strings", () => {
    const body = bulkBody({ ...emptyValues(), availability: 0, min_los: 2, rates: { "7": 1250000, "8": "" } }, TARGET);
    expect(body.availability).toBe(0);
    expect(body.min_los).toBe(2);
    expect("max_los" in body).toBe(false);
    expect(body.rates).toEqual({ "7": "1250000" });
  });

  it("sends the weekdays only when some are left out, in the week's order", () => {
    const body = bulkBody({ ...emptyValues(), weekdays: ["sat", "fri"], min_los: 2 }, TARGET);
    expect(body.weekdays).toEqual(["fri", "sat"]);
    expect(bulkBody({ ...emptyValues(), weekdays: [] }, TARGET).weekdays).toEqual([]);
  });
});
