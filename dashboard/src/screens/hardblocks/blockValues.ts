// A block's nights as a grid (room type × night), its amendment form turned into the API's body,
// and the diff of a preview keyed by cell. Pure: the screens and their tests share it.

import type { Schemas } from "../../api/client";

type Night = Schemas["BlockNightOut"];
type Diff = Schemas["BlockDiffOut"];
export type AmendmentBody = Schemas["AmendmentIn"];

/** The block's nights per room type, each room type's nights by date; the nights of every room type, sorted. */
export function blockGrid(nights: Night[]): { nights: string[]; rows: Map<number, Map<string, Night>> } {
  const rows = new Map<number, Map<string, Night>>();
  const all = new Set<string>();
  for (const night of nights) {
    all.add(night.night);
    const row = rows.get(night.room_type_id) ?? new Map<string, Night>();
    row.set(night.night, night);
    rows.set(night.room_type_id, row);
  }
  return { nights: [...all].sort(), rows: new Map([...rows.entries()].sort(([a], [b]) => a - b)) };
}

/** A preview's diff rows by "room type|night", and the nights and room types it touches. */
export function diffGrid(diff: Diff[]): { nights: string[]; roomTypes: number[]; cells: Map<string, Diff> } {
  const cells = new Map(diff.map((row) => [cellKey(row.room_type_id, row.night), row]));
  const nights = [...new Set(diff.map((row) => row.night))].sort();
  const roomTypes = [...new Set(diff.map((row) => row.room_type_id))].sort((a, b) => a - b);
  return { nights, roomTypes, cells };
}

export function cellKey(roomTypeId: number, night: string): string {
  return `${roomTypeId}|${night}`;
}

/** Up, down or unchanged: the colour of an after-value. */
export function trend(before: number | string | null, after: number | string | null): "up" | "down" | "same" {
  if (before === after) return "same";
  if (before === null) return "up";
  if (after === null) return "down";
  const delta = Number(after) - Number(before);
  return delta > 0 ? "up" : delta < 0 ? "down" : "same";
}

/** The pool's total change over the preview (rooms every other channel gains, or loses when negative). */
export function poolEffect(diff: Diff[]): number {
  return diff.reduce((sum, row) => sum + row.pool_delta, 0);
}

/** The OTAs whose availability the change moves (each once, by code). */
export function otasTold(diff: Diff[]): string[] {
  return [...new Set(diff.flatMap((row) => (row.pool_delta ? (row.otas ?? []) : [])))].sort();
}

export type AmendmentKind = "overlay" | "release" | "guarantee";

export interface AmendmentDraft extends Record<string, unknown> {
  kind: AmendmentKind;
  date_from: string;
  date_to: string;
  room_type_ids: string[];
  rooms: number | "";
  rate: string;
  guarantee: string | null;
}

export function emptyAmendment(): AmendmentDraft {
  return { kind: "overlay", date_from: "", date_to: "", room_type_ids: [], rooms: "", rate: "", guarantee: null };
}

/** The API's body for the form: only the fields of its kind; no dates, no room types = every one. */
export function amendmentBody(draft: AmendmentDraft): AmendmentBody {
  const body: Record<string, unknown> = { kind: draft.kind };
  if (draft.kind === "guarantee") return { ...body, guarantee: draft.guarantee } as AmendmentBody;
  if (draft.date_from) body.date_from = draft.date_from;
  if (draft.date_to) body.date_to = draft.date_to;
  if (draft.room_type_ids.length) body.room_type_ids = draft.room_type_ids.map(Number);
  if (draft.rooms !== "") body.rooms = draft.rooms;
  if (draft.kind === "overlay" && draft.rate.trim()) body.rate = draft.rate.trim();
  return body as AmendmentBody;
}

/** A stored version's nights (its snapshot) as the grid's rows, and its rooms in all. */
export function versionSummary(snapshot: Record<string, unknown>): { guarantee: string; status: string; rooms: number; nights: number } {
  const nights = (snapshot.nights as { rooms: number }[] | undefined) ?? [];
  return {
    guarantee: String(snapshot.guarantee ?? ""),
    status: String(snapshot.status ?? ""),
    rooms: nights.reduce((sum, night) => sum + Number(night.rooms), 0),
    nights: nights.length,
  };
}

/** A block's rooms in all (room nights held) and its first and last night. */
export function blockTotals(nights: Night[]): { rooms: number; released: number; first: string | null; last: string | null } {
  const dates = nights.map((n) => n.night).sort();
  return {
    rooms: nights.reduce((sum, n) => sum + n.rooms, 0),
    released: nights.reduce((sum, n) => sum + n.released, 0),
    first: dates[0] ?? null,
    last: dates.at(-1) ?? null,
  };
}

export interface AllocationDraft {
  room_type_id: string | null;
  date_from: string;
  date_to: string;
  rooms: number | "";
  rate: string;
}

export function emptyAllocation(roomTypeId: string | null = null): AllocationDraft {
  return { room_type_id: roomTypeId, date_from: "", date_to: "", rooms: "", rate: "" };
}

/** The create form's allocations as the API takes them (the API names a bad field by its index). */
export function allocationsBody(allocations: AllocationDraft[]): Schemas["AllocationIn"][] {
  return allocations.map((a) => ({
    room_type_id: Number(a.room_type_id ?? 0),
    date_from: a.date_from,
    date_to: a.date_to,
    rooms: Number(a.rooms),
    rate: a.rate.trim(),
  }));
}
