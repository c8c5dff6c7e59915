// The allotment calendar's nights and its rows: one per contract and room type.

import type { Schemas } from "../../api/client";

type Night = Schemas["AllotmentNightOut"];

/** Every night from the first to the last (inclusive), as YYYY-MM-DD. */
export function nightsOf(first: string, last: string): string[] {
  const nights: string[] = [];
  for (let day = new Date(`${first}T00:00:00Z`); day <= new Date(`${last}T00:00:00Z`); day.setUTCDate(day.getUTCDate() + 1)) {
    nights.push(day.toISOString().slice(0, 10));
  }
  return nights;
}

/** The calendar's nights per contract and room type, in the order they first appear. */
export function groupAllotments(allotments: Night[]): { contractId: number; roomTypeId: number; byNight: Map<string, Night> }[] {
  const groups = new Map<string, { contractId: number; roomTypeId: number; byNight: Map<string, Night> }>();
  for (const night of allotments) {
    const key = `${night.room_type_id}:${night.contract_id}`;
    let group = groups.get(key);
    if (!group) {
      group = { contractId: night.contract_id, roomTypeId: night.room_type_id, byNight: new Map() };
      groups.set(key, group);
    }
    group.byNight.set(night.night, night);
  }
  return [...groups.values()].sort((a, b) => a.roomTypeId - b.roomTypeId || a.contractId - b.contractId);
}
