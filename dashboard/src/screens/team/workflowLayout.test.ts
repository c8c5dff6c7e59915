import { describe, expect, it } from "vitest";

import { columns, edgeBetween, layoutWorkflow, NODE_HEIGHT, NODE_WIDTH, type PlacedNode } from "./workflowLayout";

const STATUSES = [
  { id: 1, code: "pending", sort_order: 10 },
  { id: 2, code: "confirmed", sort_order: 20 },
  { id: 3, code: "checked_in", sort_order: 30 },
  { id: 4, code: "checked_out", sort_order: 40 },
  { id: 5, code: "cancelled", sort_order: 50 },
  { id: 7, code: "waitlisted", sort_order: 5 },
];
const t = (id: number, from: number, to: number) => ({ id, from_status_id: from, to_status_id: to });
const TRANSITIONS = [t(1, 1, 2), t(2, 1, 5), t(3, 2, 3), t(4, 2, 5), t(5, 3, 2), t(6, 3, 4)];

describe("workflow graph layout", () => {
  it("puts each status in the column of its distance from pending; unreachable ones last", () => {
    const column = columns(STATUSES, TRANSITIONS, ["pending"]);
    expect(Object.fromEntries([...column].map(([id, c]) => [id, c]))).toEqual({ 1: 0, 2: 1, 5: 1, 3: 2, 4: 3, 7: 4 });
  });

  it("stacks a column's statuses in sort order without overlap", () => {
    const layout = layoutWorkflow(STATUSES, TRANSITIONS);
    const confirmed = layout.nodes.find((n) => n.id === 2)!;
    const cancelled = layout.nodes.find((n) => n.id === 5)!;
    expect(confirmed.x).toBe(cancelled.x);
    expect(cancelled.y - confirmed.y).toBeGreaterThanOrEqual(NODE_HEIGHT);
    for (const a of layout.nodes)
      for (const b of layout.nodes)
        if (a !== b) expect(Math.abs(a.x - b.x) >= NODE_WIDTH || Math.abs(a.y - b.y) >= NODE_HEIGHT).toBe(true);
    expect(layout.edges.map((e) => e.id)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(layout.width).toBeGreaterThanOrEqual(Math.max(...layout.nodes.map((n) => n.x + n.width)));
    expect(layout.height).toBeGreaterThanOrEqual(Math.max(...layout.nodes.map((n) => n.y + n.height)));
  });

  it("bends the two directions between a pair of statuses to opposite sides", () => {
    const a: PlacedNode = { id: 1, x: 0, y: 0, width: 100, height: 50, column: 0 };
    const b: PlacedNode = { id: 2, x: 300, y: 0, width: 100, height: 50, column: 1 };
    const there = edgeBetween(1, a, b);
    const back = edgeBetween(2, b, a);
    expect(there.labelY).toBeLessThan(25);
    expect(back.labelY).toBeGreaterThan(25);
    // It starts on a's right edge and ends on b's left edge.
    expect(there.path.startsWith("M 100 ")).toBe(true);
    expect(there.path.split(" ").slice(-2)[0]).toBe("300");
  });

  it("lays out an empty workflow", () => {
    expect(layoutWorkflow([], []).nodes).toEqual([]);
  });
});
