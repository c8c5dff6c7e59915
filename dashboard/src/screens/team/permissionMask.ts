// A role's permissions as named checkboxes, with the bitmask the API stores underneath. The mask
// has more than 32 bits (PARTNER_ADMIN is bit 32), so it is added and read with arithmetic, never
// with JavaScript's 32-bit bitwise operators.

export interface PermissionBit {
  name: string;
  bit: number;
  value: number;
  description: string;
}

/** The mask of the checked names (unknown names count nothing). */
export function maskOf(names: readonly string[], catalogue: readonly PermissionBit[]): number {
  const checked = new Set(names);
  return catalogue.filter((p) => checked.has(p.name)).reduce((mask, p) => mask + 2 ** p.bit, 0);
}

/** Whether ``mask`` holds bit ``bit``. */
export function hasBit(mask: number, bit: number): boolean {
  return Math.floor(mask / 2 ** bit) % 2 === 1;
}

/** The names a mask holds, in the catalogue's order. */
export function namesOf(mask: number, catalogue: readonly PermissionBit[]): string[] {
  return catalogue.filter((p) => hasBit(mask, p.bit)).map((p) => p.name);
}

/** The mask as the editor shows it, small: hexadecimal and decimal ("0x1F00 · 7936"). */
export function maskLabel(mask: number): string {
  return `0x${mask.toString(16).toUpperCase()} · ${mask}`;
}

/** The catalogue grouped by area (the name's first word: BOOKINGS_READ → BOOKINGS), in order. */
export function groupByArea(catalogue: readonly PermissionBit[]): [string, PermissionBit[]][] {
  const groups = new Map<string, PermissionBit[]>();
  for (const permission of catalogue) {
    const area = permission.name.split("_")[0] ?? permission.name;
    const key = area === "BOOKING" ? "BOOKINGS" : area;
    groups.set(key, [...(groups.get(key) ?? []), permission]);
  }
  return [...groups.entries()];
}
