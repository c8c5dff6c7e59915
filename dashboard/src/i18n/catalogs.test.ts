import { describe, expect, it } from "vitest";

import en from "./locales/en.json";
import vi from "./locales/vi.json";

function keys(tree: object, prefix = ""): string[] {
  return Object.entries(tree).flatMap(([key, value]) =>
    typeof value === "object" && value !== null ? keys(value as object, `${prefix}${key}.`) : [`${prefix}${key}`],
  );
}

describe("translation catalogs", () => {
  it("Vietnamese has every English key and no other", () => {
    expect(keys(vi).sort()).toEqual(keys(en).sort());
  });

  it("no Vietnamese string is left empty", () => {
    const flat = (tree: object): string[] =>
      Object.values(tree).flatMap((v) => (typeof v === "object" && v !== null ? flat(v as object) : [String(v)]));
    expect(flat(vi).filter((s) => !s.trim())).toEqual([]);
  });
});
