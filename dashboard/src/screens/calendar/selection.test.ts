import { describe, expect, it } from "vitest";

import { clampSelection, contains, extendTo, onKey, rectOf, selectCell, type Selection } from "./selection";

const GRID = { rows: 3, cols: 14 };

describe("a drag or shift-click", () => {
  it("selects the rectangle across rows from the anchor to the cell", () => {
    const selection = extendTo(selectCell({ row: 0, col: 2 }, GRID), { row: 2, col: 4 }, GRID);
    expect(rectOf(selection)).toEqual({ rowFrom: 0, rowTo: 2, colFrom: 2, colTo: 4 });
    expect(contains(selection, { row: 1, col: 3 })).toBe(true);
    expect(contains(selection, { row: 1, col: 5 })).toBe(false);
    expect(contains(selection, { row: 1, col: 1 })).toBe(false);
  });

  it("dragged backwards (up and left) gives the same rectangle, ascending", () => {
    const forward = extendTo(selectCell({ row: 0, col: 2 }, GRID), { row: 2, col: 6 }, GRID);
    const reversed = extendTo(selectCell({ row: 2, col: 6 }, GRID), { row: 0, col: 2 }, GRID);
    expect(rectOf(reversed)).toEqual(rectOf(forward));
    expect(reversed.focus).toEqual({ row: 0, col: 2 }); // the keyboard continues from where the drag ended
  });

  it("keeps the anchor when stretched again (shift-click twice)", () => {
    const first = extendTo(selectCell({ row: 1, col: 5 }, GRID), { row: 1, col: 9 }, GRID);
    const second = extendTo(first, { row: 1, col: 3 }, GRID);
    expect(rectOf(second)).toEqual({ rowFrom: 1, rowTo: 1, colFrom: 3, colTo: 5 });
  });

  it("shift-click with nothing selected selects that one cell", () => {
    expect(rectOf(extendTo(null, { row: 2, col: 1 }, GRID))).toEqual({ rowFrom: 2, rowTo: 2, colFrom: 1, colTo: 1 });
  });

  it("is clamped to the grid", () => {
    const selection = extendTo(selectCell({ row: -3, col: -1 }, GRID), { row: 9, col: 40 }, GRID);
    expect(rectOf(selection)).toEqual({ rowFrom: 0, rowTo: 2, colFrom: 0, colTo: 13 });
  });
});

describe("the keyboard", () => {
  const at = (row: number, col: number): Selection => selectCell({ row, col }, GRID);

  it("arrows move the focus one cell and select only it", () => {
    expect(onKey(at(1, 1), "ArrowRight", false, GRID)).toEqual(at(1, 2));
    expect(onKey(at(1, 1), "ArrowLeft", false, GRID)).toEqual(at(1, 0));
    expect(onKey(at(1, 1), "ArrowDown", false, GRID)).toEqual(at(2, 1));
    expect(onKey(at(1, 1), "ArrowUp", false, GRID)).toEqual(at(0, 1));
  });

  it("stops at the edges", () => {
    expect(onKey(at(0, 0), "ArrowUp", false, GRID)).toEqual(at(0, 0));
    expect(onKey(at(0, 0), "ArrowLeft", false, GRID)).toEqual(at(0, 0));
    expect(onKey(at(2, 13), "ArrowDown", false, GRID)).toEqual(at(2, 13));
    expect(onKey(at(2, 13), "ArrowRight", true, GRID)).toEqual(at(2, 13));
  });

  it("shift+arrows extend from the anchor, across rows, and shrink back", () => {
    let selection: Selection | null = at(0, 3);
    selection = onKey(selection, "ArrowRight", true, GRID);
    selection = onKey(selection, "ArrowRight", true, GRID);
    selection = onKey(selection, "ArrowDown", true, GRID);
    expect(rectOf(selection!)).toEqual({ rowFrom: 0, rowTo: 1, colFrom: 3, colTo: 5 });
    selection = onKey(selection, "ArrowLeft", true, GRID);
    selection = onKey(selection, "ArrowLeft", true, GRID);
    selection = onKey(selection, "ArrowLeft", true, GRID);
    expect(rectOf(selection!)).toEqual({ rowFrom: 0, rowTo: 1, colFrom: 2, colTo: 3 });
    expect(selection!.anchor).toEqual({ row: 0, col: 3 });
  });

  it("an arrow without shift collapses an extended selection to the moved focus", () => {
    const extended = extendTo(at(0, 3), { row: 1, col: 6 }, GRID);
    expect(onKey(extended, "ArrowRight", false, GRID)).toEqual(at(1, 7));
  });

  it("Home and End reach the row's first and last night (with shift: extend)", () => {
    expect(onKey(at(1, 5), "Home", false, GRID)).toEqual(at(1, 0));
    expect(rectOf(onKey(at(1, 5), "End", true, GRID)!)).toEqual({ rowFrom: 1, rowTo: 1, colFrom: 5, colTo: 13 });
  });

  it("the first arrow with nothing selected selects the first cell; other keys are left alone", () => {
    expect(onKey(null, "ArrowDown", false, GRID)).toEqual(at(0, 0));
    expect(onKey(at(1, 1), "a", false, GRID)).toBeNull();
    expect(onKey(at(1, 1), "Enter", true, GRID)).toBeNull();
  });
});

describe("a grid that changes size", () => {
  it("keeps the selection inside it, and drops it when the grid is empty", () => {
    const selection = extendTo(selectCell({ row: 1, col: 2 }, GRID), { row: 2, col: 13 }, GRID);
    expect(rectOf(clampSelection(selection, { rows: 2, cols: 7 })!)).toEqual({ rowFrom: 1, rowTo: 1, colFrom: 2, colTo: 6 });
    expect(clampSelection(selection, { rows: 0, cols: 7 })).toBeNull();
    expect(clampSelection(null, GRID)).toBeNull();
  });
});
