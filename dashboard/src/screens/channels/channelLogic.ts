// Pure rules of the channels screens: the connect wizard's steps, the credentials each OTA asks
// for, a connection's health at a glance, and which room types and rate plans no OTA item maps.

export const OTAS = ["booking_com", "expedia", "agoda", "traveloka"] as const;
export type Ota = (typeof OTAS)[number];

/** The credential fields the API accepts for each OTA (Booking.com also takes client_id/secret). */
export function credentialFields(ota: string): string[] {
  return ota === "agoda" || ota === "traveloka" ? ["api_key"] : ["username", "password"];
}

/** Booking.com, Expedia and Agoda report hotels one id at a time; Traveloka lists the account's. */
export function needsHotelIds(ota: string): boolean {
  return ota !== "traveloka";
}

/** "DLX-1, BAR 2" → ["DLX-1", "BAR", "2"]: the hotel ids typed, without blanks or repeats. */
export function hotelIdsFrom(text: string): string[] {
  return [...new Set(text.split(/[\s,;]+/).map((id) => id.trim()).filter(Boolean))];
}

export const WIZARD_STEPS = ["account", "test", "discover", "mapping", "activate"] as const;
export type WizardStep = (typeof WIZARD_STEPS)[number];

export interface WizardProgress {
  accountId: number | null;
  testedOk: boolean;
  connectionId: number | null;
  openProposals: number;
  active: boolean;
}

/** The step to show: the first one not done yet (a finished wizard stays on "activate"). */
export function currentStep(progress: WizardProgress): number {
  if (progress.accountId === null) return 0;
  if (!progress.testedOk) return 1;
  if (progress.connectionId === null) return 2;
  if (!progress.active && progress.openProposals > 0) return 3;
  return 4;
}

/** A step can be opened once every step before it is done (going back is always allowed). */
export function canOpenStep(step: number, progress: WizardProgress): boolean {
  return step <= currentStep(progress) || (step === 4 && progress.connectionId !== null);
}

export type HealthLevel = "ok" | "degraded" | "failing" | "stale" | "inactive";

export const HEALTH_COLOURS: Record<HealthLevel, string> = {
  ok: "green",
  degraded: "yellow",
  failing: "red",
  stale: "orange",
  inactive: "gray",
};

/** One word for a connection: inactive first, then failing, then stale (no success for three poll
 * intervals), then the poll streak's own health. */
export function healthLevel(connection: { is_active: boolean; health: string; stale?: boolean }): HealthLevel {
  if (!connection.is_active) return "inactive";
  if (connection.health === "failing") return "failing";
  if (connection.stale) return "stale";
  return connection.health === "degraded" ? "degraded" : "ok";
}

/** A failure rate's colour: none yet (gray), below 10 % (green), below 50 % (yellow), else red. */
export function failureRateColour(rate: number | null | undefined): string {
  if (rate === null || rate === undefined) return "gray";
  if (rate < 0.1) return "green";
  return rate < 0.5 ? "yellow" : "red";
}

export interface MappableRoomType {
  id: number;
  code: string;
  name: string;
}
export interface MappableRatePlan {
  id: number;
  room_type_id: number;
  code: string;
  name: string;
}

export interface Coverage {
  unmappedRoomTypes: MappableRoomType[];
  unmappedRatePlans: MappableRatePlan[];
  /** Rate plans whose room type is not mapped: they cannot be mapped before it is. */
  blockedRatePlans: Set<number>;
}

/** What of ours the connection does not map: room types and rate plans without a mapping. */
export function mappingCoverage(
  roomTypes: MappableRoomType[],
  ratePlans: MappableRatePlan[],
  roomMappings: { room_type_id: number }[],
  rateMappings: { rate_plan_id: number }[],
): Coverage {
  const mappedRooms = new Set(roomMappings.map((m) => m.room_type_id));
  const mappedPlans = new Set(rateMappings.map((m) => m.rate_plan_id));
  return {
    unmappedRoomTypes: roomTypes.filter((r) => !mappedRooms.has(r.id)),
    unmappedRatePlans: ratePlans.filter((p) => !mappedPlans.has(p.id)),
    blockedRatePlans: new Set(ratePlans.filter((p) => !mappedRooms.has(p.room_type_id)).map((p) => p.id)),
  };
}

/** Counts of a sync run as "pulled 3 · pushed 12" pairs, in a stable order (largest keys last). */
export function countEntries(counts: Record<string, unknown> | null | undefined): [string, string][] {
  return Object.entries(counts ?? {})
    .filter(([, value]) => value !== null && typeof value !== "object")
    .map(([key, value]) => [key, String(value)] as [string, string])
    .sort(([a], [b]) => a.localeCompare(b));
}

/** A run's error or warning as one line: its message, else its text, else its JSON. */
export function issueText(issue: unknown): string {
  if (typeof issue === "string") return issue;
  if (issue && typeof issue === "object") {
    const record = issue as Record<string, unknown>;
    const message = record.message ?? record.detail ?? record.reason;
    const where = [record.kind, record.code, record.item_id].filter((v) => typeof v === "string" && v).join(" · ");
    if (typeof message === "string") return where ? `${message} (${where})` : message;
  }
  return JSON.stringify(issue);
}
