// Where the workflow graph draws each status and transition: statuses in columns by how many
// steps they are from where bookings start (pending), in their sort order within a column;
// statuses nothing leads to yet in a last column. Each transition is a curve from box edge to box
// edge, bent to its left, so the two directions between a pair of statuses never overlap.

export interface LayoutStatus {
  id: number;
  code: string;
  sort_order: number;
}

export interface LayoutTransition {
  id: number;
  from_status_id: number;
  to_status_id: number;
}

export interface PlacedNode {
  id: number;
  x: number;
  y: number;
  width: number;
  height: number;
  column: number;
}

export interface PlacedEdge {
  id: number;
  path: string;
  labelX: number;
  labelY: number;
}

export interface Layout {
  width: number;
  height: number;
  nodes: PlacedNode[];
  edges: PlacedEdge[];
}

export const NODE_WIDTH = 150;
export const NODE_HEIGHT = 56;
const COLUMN_GAP = 124;
const ROW_GAP = 64;
const MARGIN = 24;
const BEND = 26;

/** Each status's column: its distance (in transitions) from the entry statuses; unreachable last. */
export function columns(statuses: readonly LayoutStatus[], transitions: readonly LayoutTransition[], entryCodes: readonly string[]): Map<number, number> {
  const next = new Map<number, number[]>();
  for (const t of transitions) next.set(t.from_status_id, [...(next.get(t.from_status_id) ?? []), t.to_status_id]);
  const column = new Map<number, number>();
  let frontier = statuses.filter((s) => entryCodes.includes(s.code)).map((s) => s.id);
  frontier = frontier.length ? frontier.slice(0, 1) : statuses.slice(0, 1).map((s) => s.id);
  for (let depth = 0; frontier.length; depth += 1) {
    const upcoming: number[] = [];
    for (const id of frontier) {
      if (column.has(id)) continue;
      column.set(id, depth);
      upcoming.push(...(next.get(id) ?? []));
    }
    frontier = upcoming;
  }
  const last = column.size ? Math.max(...column.values()) + 1 : 0;
  for (const s of statuses) if (!column.has(s.id)) column.set(s.id, last);
  return column;
}

function boxExit(node: PlacedNode, towardX: number, towardY: number): [number, number] {
  const cx = node.x + node.width / 2;
  const cy = node.y + node.height / 2;
  const dx = towardX - cx;
  const dy = towardY - cy;
  if (dx === 0 && dy === 0) return [cx, cy];
  const scale = Math.min(dx ? node.width / 2 / Math.abs(dx) : Infinity, dy ? node.height / 2 / Math.abs(dy) : Infinity);
  return [cx + dx * scale, cy + dy * scale];
}

const round = (n: number) => Math.round(n * 10) / 10;

/** One transition's curve: a quadratic Bézier bent BEND px to the left of its direction. */
export function edgeBetween(id: number, from: PlacedNode, to: PlacedNode): PlacedEdge {
  const ax = from.x + from.width / 2;
  const ay = from.y + from.height / 2;
  const bx = to.x + to.width / 2;
  const by = to.y + to.height / 2;
  const length = Math.hypot(bx - ax, by - ay) || 1;
  // Left of the direction (screen coordinates, y down): (dy, -dx).
  const cx = (ax + bx) / 2 + ((by - ay) / length) * BEND;
  const cy = (ay + by) / 2 - ((bx - ax) / length) * BEND;
  const [sx, sy] = boxExit(from, cx, cy);
  const [ex, ey] = boxExit(to, cx, cy);
  return {
    id,
    path: `M ${round(sx)} ${round(sy)} Q ${round(cx)} ${round(cy)} ${round(ex)} ${round(ey)}`,
    labelX: round(0.25 * sx + 0.5 * cx + 0.25 * ex),
    labelY: round(0.25 * sy + 0.5 * cy + 0.25 * ey),
  };
}

export function layoutWorkflow(statuses: readonly LayoutStatus[], transitions: readonly LayoutTransition[], entryCodes: readonly string[] = ["pending"]): Layout {
  const column = columns(statuses, transitions, entryCodes);
  const ordered = [...statuses].sort((a, b) => a.sort_order - b.sort_order || a.id - b.id);
  const rows = new Map<number, number>();
  const nodes: PlacedNode[] = ordered.map((s) => {
    const c = column.get(s.id) ?? 0;
    const row = rows.get(c) ?? 0;
    rows.set(c, row + 1);
    return { id: s.id, column: c, x: MARGIN + c * (NODE_WIDTH + COLUMN_GAP), y: MARGIN + row * (NODE_HEIGHT + ROW_GAP), width: NODE_WIDTH, height: NODE_HEIGHT };
  });
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const edges = transitions.flatMap((t) => {
    const from = byId.get(t.from_status_id);
    const to = byId.get(t.to_status_id);
    return from && to ? [edgeBetween(t.id, from, to)] : [];
  });
  const columnsUsed = nodes.length ? Math.max(...nodes.map((n) => n.column)) + 1 : 1;
  const rowsUsed = Math.max(1, ...rows.values());
  return {
    width: MARGIN * 2 + columnsUsed * NODE_WIDTH + (columnsUsed - 1) * COLUMN_GAP,
    height: MARGIN * 2 + rowsUsed * NODE_HEIGHT + (rowsUsed - 1) * ROW_GAP,
    nodes,
    edges,
  };
}
