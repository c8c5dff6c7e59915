import { describe, expect, it } from "vitest";

import { propertyBody, propertyValues } from "./propertyValues";

describe("propertyBody", () => {
  it("trims and upper-cases the codes; an empty buffer inherits (null)", () => {
    const values = { ...propertyValues(null), code: " HAN-1 ", name: " Lake ", country_code: "vn", timezone: " Asia/Ho_Chi_Minh", currency: "vnd" };
    expect(propertyBody(values)).toMatchObject({
      code: "HAN-1",
      name: "Lake",
      country_code: "VN",
      timezone: "Asia/Ho_Chi_Minh",
      currency: "VND",
      status: "active",
      buffer_rooms: null,
    });
  });

  it("keeps a buffer of 0 (not the same as inheriting)", () => {
    expect(propertyBody({ ...propertyValues(null), buffer_rooms: 0 }).buffer_rooms).toBe(0);
  });
});
