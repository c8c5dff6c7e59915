import { describe, expect, it } from "vitest";

import { diffRows, showValue, splitAction } from "./diff";

describe("audit diff", () => {
  it("lists changed fields first, then the unchanged", () => {
    const rows = diffRows({ name: "Night", permissions: 256, description: "" }, { name: "Night", permissions: 257, description: "" });
    expect(rows).toEqual([
      { field: "permissions", before: "256", after: "257", change: "changed" },
      { field: "description", before: '""', after: '""', change: "same" },
      { field: "name", before: "Night", after: "Night", change: "same" },
    ]);
  });

  it("shows a creation as added fields and a deletion as removed ones", () => {
    expect(diffRows(null, { code: "waitlisted" })).toEqual([{ field: "code", before: "—", after: "waitlisted", change: "added" }]);
    expect(diffRows({ code: "waitlisted" }, null)).toEqual([{ field: "code", before: "waitlisted", after: "—", change: "removed" }]);
    expect(diffRows(null, null)).toEqual([]);
  });

  it("compares nested values by content and shows them as JSON", () => {
    expect(diffRows({ tags: ["a"] }, { tags: ["a"] })[0]!.change).toBe("same");
    expect(diffRows({ tags: ["a", "c"] }, { tags: ["a", "b"] })[0]).toEqual({
      field: "tags",
      before: '["a","c"]',
      after: '["a","b"]',
      change: "changed",
      gained: ["b"],
      lost: ["c"],
    });
    expect(showValue(null)).toBe("—");
    expect(showValue(false)).toBe("false");
  });

  it("splits an action into its object type and verb", () => {
    expect(splitAction("booking_transition.created")).toEqual(["booking_transition", "created"]);
    expect(splitAction("login")).toEqual(["login", ""]);
  });
});
