// A contract's terms as the season editor holds them, checked and turned into the API's body.
// The editor keeps numbers as the inputs give them ("" while empty) and rates as text, so a
// rate of "1200000.50" reaches the API exactly as typed (it is a Decimal there).

import type { Schemas } from "../../api/client";

export const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
export const MAX_RELEASE_DAYS = 365;
export const MAX_ROOMS = 100_000;

export interface SeasonDraft {
  room_type_id: string | null;
  date_from: string | null; // YYYY-MM-DD, first night
  date_to: string | null; // YYYY-MM-DD, last night (inclusive)
  weekdays: string[];
  rooms: number | "";
  rate: string;
  min_stay: number | "";
}

export interface ReleaseStepDraft {
  days_before: number | "";
  rooms_kept: number | "";
}

export interface ContractTerms {
  seasons: SeasonDraft[];
  release_steps: ReleaseStepDraft[];
}

/** Messages are i18n keys (under allotments.errors), by form path ("seasons.0.rate"). */
export type TermErrors = Record<string, string>;

export function emptySeason(roomTypeId: string | null = null): SeasonDraft {
  return { room_type_id: roomTypeId, date_from: null, date_to: null, weekdays: [...WEEKDAYS], rooms: "", rate: "", min_stay: 1 };
}

const DECIMAL = /^\d{1,12}(\.\d{1,4})?$/;

function wholeNumber(value: number | "", min: number, max: number): boolean {
  return value !== "" && Number.isInteger(value) && value >= min && value <= max;
}

export function validateSeason(season: SeasonDraft, path: string): TermErrors {
  const errors: TermErrors = {};
  if (!season.room_type_id) errors[`${path}.room_type_id`] = "roomTypeRequired";
  if (!season.date_from || !season.date_to) errors[`${path}.date_from`] = "datesRequired";
  else if (season.date_to < season.date_from) errors[`${path}.date_from`] = "datesOrder";
  if (season.weekdays.length === 0) errors[`${path}.weekdays`] = "weekdaysRequired";
  if (!wholeNumber(season.rooms, 0, MAX_ROOMS)) errors[`${path}.rooms`] = "roomsInvalid";
  if (!DECIMAL.test(season.rate.trim())) errors[`${path}.rate`] = "rateInvalid";
  if (!wholeNumber(season.min_stay, 1, 365)) errors[`${path}.min_stay`] = "minStayInvalid";
  return errors;
}

/** Every problem the API would refuse, before sending: per field, so each shows beside its input. */
export function validateTerms(terms: ContractTerms): TermErrors {
  const errors: TermErrors = {};
  terms.seasons.forEach((season, index) => Object.assign(errors, validateSeason(season, `seasons.${index}`)));
  const seen = new Set<number>();
  terms.release_steps.forEach((step, index) => {
    const path = `release_steps.${index}`;
    if (!wholeNumber(step.days_before, 0, MAX_RELEASE_DAYS)) errors[`${path}.days_before`] = "releaseDaysInvalid";
    else if (seen.has(step.days_before as number)) errors[`${path}.days_before`] = "releaseDaysTwice";
    else seen.add(step.days_before as number);
    if (!wholeNumber(step.rooms_kept, 0, MAX_ROOMS)) errors[`${path}.rooms_kept`] = "roomsInvalid";
  });
  return errors;
}

/** The weekdays in calendar order; null (the API's default, every day) when all seven are chosen. */
export function weekdaysOut(weekdays: string[]): string[] | null {
  const chosen = WEEKDAYS.filter((day) => weekdays.includes(day));
  return chosen.length === WEEKDAYS.length ? null : chosen;
}

/** The API's seasons and release steps (call after validateTerms found nothing). */
export function termsToApi(terms: ContractTerms): { seasons: Schemas["SeasonIn"][]; release_steps: Schemas["ReleaseStepIn"][] } {
  return {
    seasons: terms.seasons.map((season) => ({
      room_type_id: Number(season.room_type_id),
      date_from: season.date_from as string,
      date_to: season.date_to as string,
      weekdays: weekdaysOut(season.weekdays),
      rooms: Number(season.rooms),
      rate: season.rate.trim(),
      min_stay: Number(season.min_stay),
    })),
    // Furthest first, as the API keeps them.
    release_steps: [...terms.release_steps]
      .map((step) => ({ days_before: Number(step.days_before), rooms_kept: Number(step.rooms_kept) }))
      .sort((a, b) => b.days_before - a.days_before),
  };
}

/** The editor's drafts of a contract the API returned. */
export function termsFromApi(contract: Pick<Schemas["ContractOut"], "seasons" | "release_steps">): ContractTerms {
  return {
    seasons: contract.seasons.map((season) => ({
      room_type_id: String(season.room_type_id),
      date_from: season.date_from,
      date_to: season.date_to,
      weekdays: WEEKDAYS.filter((day) => season.weekdays.includes(day)),
      rooms: season.rooms,
      rate: String(season.rate),
      min_stay: season.min_stay,
    })),
    release_steps: contract.release_steps.map((step) => ({ days_before: step.days_before, rooms_kept: step.rooms_kept })),
  };
}

/** The fields a version changed from the one before (none for the first): what the history shows. */
export function changedFields(previous: Record<string, unknown> | undefined, next: Record<string, unknown>): string[] {
  if (!previous) return [];
  const keys = new Set([...Object.keys(previous), ...Object.keys(next)]);
  keys.delete("version");
  return [...keys].filter((key) => JSON.stringify(previous[key]) !== JSON.stringify(next[key])).sort();
}

/** Release steps as one line: "30 d → 2, 7 d → 0". */
export function releaseStepsText(steps: { days_before: number; rooms_kept: number }[], days: string): string {
  return steps.map((s) => `${s.days_before} ${days} → ${s.rooms_kept}`).join(", ");
}
