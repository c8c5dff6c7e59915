// The before/after of an audited write as rows a person reads: each field once, whether it was
// added, removed, changed or left as it was, and its values as short text.

export type Change = "added" | "removed" | "changed" | "same";

export interface DiffRow {
  field: string;
  before: string;
  after: string;
  change: Change;
  /** For a list that changed (a role's permissions): the items it gained and lost. */
  gained?: string[];
  lost?: string[];
}

/** A value as text: null/absent as "—", strings as they are, the rest as compact JSON. */
export function showValue(value: unknown): string {
  if (value === undefined || value === null) return "—";
  if (typeof value === "string") return value === "" ? '""' : value;
  return JSON.stringify(value);
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The rows of a before/after pair: changed fields first (alphabetically), then the unchanged. */
export function diffRows(before: Record<string, unknown> | null | undefined, after: Record<string, unknown> | null | undefined): DiffRow[] {
  const fields = [...new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})])].sort();
  const rows = fields.map((field): DiffRow => {
    const inBefore = before != null && field in before;
    const inAfter = after != null && field in after;
    const change: Change = !inBefore ? "added" : !inAfter ? "removed" : same(before[field], after[field]) ? "same" : "changed";
    const row: DiffRow = { field, before: showValue(before?.[field]), after: showValue(after?.[field]), change };
    const [was, is] = [before?.[field], after?.[field]];
    if (change === "changed" && Array.isArray(was) && Array.isArray(is)) {
      const [old, now] = [was.map(showValue), is.map(showValue)];
      return { ...row, gained: now.filter((v) => !old.includes(v)), lost: old.filter((v) => !now.includes(v)) };
    }
    return row;
  });
  return [...rows.filter((r) => r.change !== "same"), ...rows.filter((r) => r.change === "same")];
}

/** "user.updated" → ["user", "updated"]: the object type and the verb of an audit action. */
export function splitAction(action: string): [string, string] {
  const dot = action.lastIndexOf(".");
  return dot < 0 ? [action, ""] : [action.slice(0, dot), action.slice(dot + 1)];
}
