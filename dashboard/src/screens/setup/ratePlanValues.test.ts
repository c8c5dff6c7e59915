import { describe, expect, it } from "vitest";

import { derivationText, ratePlanBody, ratePlanValues, ruleBody, ruleValues } from "./ratePlanValues";

describe("ratePlanBody", () => {
  it("sends a base plan's own rate, or null for the room type's", () => {
    expect(ratePlanBody({ ...ratePlanValues(), code: " BAR ", name: "Best", base_rate: "1500000" })).toEqual({
      code: "BAR",
      name: "Best",
      channel: null,
      base_rate: "1500000",
    });
    expect(ratePlanBody({ ...ratePlanValues(), code: "BAR", name: "Best" })).toMatchObject({ base_rate: null });
  });

  it("sends a derived plan's parent and signed adjustment, without a base rate", () => {
    const body = ratePlanBody({
      ...ratePlanValues(),
      code: "NRF",
      name: "Non-refundable",
      kind: "derived",
      base_rate: "999",
      parent_id: "7",
      derivation_kind: "percent",
      derivation_value: "-10",
      channel: " Agoda ",
    });
    expect(body).toEqual({ code: "NRF", name: "Non-refundable", channel: "agoda", parent_id: 7, derivation_kind: "percent", derivation_value: "-10" });
  });
});

describe("editing a rate plan", () => {
  const derived = { code: "NRF", name: "Non-refundable", base_rate: null, parent_id: 7, derivation_kind: "fixed" as const, derivation_value: "-100000", channel: "agoda" };

  it("starts from the plan's values, its kind from its parent", () => {
    expect(ratePlanValues(derived)).toMatchObject({ kind: "derived", parent_id: "7", derivation_kind: "fixed", derivation_value: "-100000", channel: "agoda", base_rate: "" });
    expect(ratePlanValues({ ...derived, parent_id: null, base_rate: "1500000" })).toMatchObject({ kind: "base", parent_id: null, base_rate: "1500000" });
  });

  it("a plan edited into a base plan leaves its parent; a new one sends no parent", () => {
    const values = { ...ratePlanValues(derived), kind: "base" as const, base_rate: "1200000" };
    expect(ratePlanBody(values, true)).toEqual({ code: "NRF", name: "Non-refundable", channel: "agoda", base_rate: "1200000", parent_id: null });
    expect(ratePlanBody(values)).not.toHaveProperty("parent_id");
  });
});

describe("derivationText", () => {
  it("signs percent and fixed adjustments", () => {
    expect(derivationText("percent", "15")).toBe("+15 %");
    expect(derivationText("fixed", "-100000")).toBe("−100000");
    expect(derivationText(null, null)).toBe("");
  });
});

describe("ruleBody", () => {
  it("sends a fixed rate or an adjustment, never both", () => {
    const base = { ...ruleValues(), date_from: "2030-06-01", date_to: "2030-06-30", rate: "2000000", adjustment_value: "20" };
    expect(ruleBody(base)).not.toHaveProperty("adjustment_value");
    expect(ruleBody(base)).toMatchObject({ rate: "2000000", priority: 0 });
    const adjusted = ruleBody({ ...base, mode: "adjustment" });
    expect(adjusted).not.toHaveProperty("rate");
    expect(adjusted).toMatchObject({ adjustment_kind: "percent", adjustment_value: "20" });
  });
});
