import { describe, expect, it } from "vitest";

import { groupByArea, hasBit, maskLabel, maskOf, namesOf, type PermissionBit } from "./permissionMask";

const bit = (name: string, b: number): PermissionBit => ({ name, bit: b, value: 2 ** b, description: name });
const CATALOGUE = [bit("DASHBOARD_VIEW", 0), bit("BOOKINGS_READ", 8), bit("BOOKING_STATUS_CONFIG", 12), bit("CONTRACTS_WRITE", 31), bit("PARTNER_ADMIN", 32)];

describe("permission bitmask", () => {
  it("adds the checked bits, beyond 32 bits too", () => {
    expect(maskOf(["DASHBOARD_VIEW", "BOOKINGS_READ"], CATALOGUE)).toBe(257);
    expect(maskOf(["CONTRACTS_WRITE", "PARTNER_ADMIN"], CATALOGUE)).toBe(2 ** 31 + 2 ** 32);
    expect(maskOf(["NOT_A_PERMISSION"], CATALOGUE)).toBe(0);
  });

  it("reads the names back from a mask (round trip)", () => {
    const names = ["BOOKINGS_READ", "CONTRACTS_WRITE", "PARTNER_ADMIN"];
    expect(namesOf(maskOf(names, CATALOGUE), CATALOGUE)).toEqual(names);
    expect(hasBit(2 ** 32, 32)).toBe(true);
    expect(hasBit(2 ** 32, 0)).toBe(false);
    expect(namesOf(0, CATALOGUE)).toEqual([]);
  });

  it("labels the mask in hex and decimal", () => {
    expect(maskLabel(257)).toBe("0x101 · 257");
  });

  it("groups permissions by area, BOOKING_STATUS_CONFIG with the bookings", () => {
    expect(groupByArea(CATALOGUE).map(([area, items]) => [area, items.length])).toEqual([
      ["DASHBOARD", 1],
      ["BOOKINGS", 2],
      ["CONTRACTS", 1],
      ["PARTNER", 1],
    ]);
  });
});
