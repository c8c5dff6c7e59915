// The calendar grid's selection, as pure functions: a rectangle of room types (rows) × nights
// (columns) from an anchor (where the drag, shift-click or keyboard extension started) to a focus
// (the cell the keyboard is on). Always clamped to the grid.

export interface Cell {
  row: number;
  col: number;
}

export interface Selection {
  anchor: Cell;
  focus: Cell;
}

export interface Bounds {
  rows: number;
  cols: number;
}

export interface Rect {
  rowFrom: number;
  rowTo: number;
  colFrom: number;
  colTo: number;
}

const clamp = (value: number, max: number) => Math.min(Math.max(value, 0), Math.max(max - 1, 0));

export function clampCell(cell: Cell, bounds: Bounds): Cell {
  return { row: clamp(cell.row, bounds.rows), col: clamp(cell.col, bounds.cols) };
}

/** A new selection of one cell (a click, or a drag starting). */
export function selectCell(cell: Cell, bounds: Bounds): Selection {
  const at = clampCell(cell, bounds);
  return { anchor: at, focus: at };
}

/** The selection stretched to ``cell`` from its anchor (a drag moving, a shift-click). */
export function extendTo(selection: Selection | null, cell: Cell, bounds: Bounds): Selection {
  if (!selection) return selectCell(cell, bounds);
  return { anchor: clampCell(selection.anchor, bounds), focus: clampCell(cell, bounds) };
}

/** The selection as rows and columns in ascending order, whichever way it was dragged. */
export function rectOf(selection: Selection): Rect {
  const { anchor, focus } = selection;
  return {
    rowFrom: Math.min(anchor.row, focus.row),
    rowTo: Math.max(anchor.row, focus.row),
    colFrom: Math.min(anchor.col, focus.col),
    colTo: Math.max(anchor.col, focus.col),
  };
}

export function contains(selection: Selection | null, cell: Cell): boolean {
  if (!selection) return false;
  const rect = rectOf(selection);
  return cell.row >= rect.rowFrom && cell.row <= rect.rowTo && cell.col >= rect.colFrom && cell.col <= rect.colTo;
}

const MOVES: Partial<Record<string, Cell>> = {
  ArrowUp: { row: -1, col: 0 },
  ArrowDown: { row: 1, col: 0 },
  ArrowLeft: { row: 0, col: -1 },
  ArrowRight: { row: 0, col: 1 },
};

/**
 * The selection after a key: an arrow moves the focus one cell (a new one-cell selection), with
 * shift it extends the selection from its anchor; Home / End go to the row's first / last night.
 * ``null`` when the key is not one of these (let the browser have it).
 */
export function onKey(selection: Selection | null, key: string, shift: boolean, bounds: Bounds): Selection | null {
  const focus = selection?.focus ?? { row: 0, col: 0 };
  let target: Cell;
  const step = MOVES[key];
  if (step) {
    if (!selection) return selectCell(focus, bounds);
    target = { row: focus.row + step.row, col: focus.col + step.col };
  } else if (key === "Home") target = { row: focus.row, col: 0 };
  else if (key === "End") target = { row: focus.row, col: bounds.cols - 1 };
  else return null;
  return shift ? extendTo(selection, target, bounds) : selectCell(target, bounds);
}

/** The selection kept inside a grid that changed size (another property, fewer nights). */
export function clampSelection(selection: Selection | null, bounds: Bounds): Selection | null {
  if (!selection || bounds.rows === 0 || bounds.cols === 0) return null;
  return { anchor: clampCell(selection.anchor, bounds), focus: clampCell(selection.focus, bounds) };
}
