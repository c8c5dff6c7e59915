// The calendar's window of nights: ISO dates (YYYY-MM-DD) as whole UTC days, so no time zone
// can shift a night. From the property's today up to a year ahead.

export const WINDOW_DAYS = 14;
export const HORIZON_DAYS = 366; // a year ahead, leap years included

const ISO = /^\d{4}-\d{2}-\d{2}$/;

export function isIsoDate(value: string | null | undefined): value is string {
  return !!value && ISO.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`));
}

export function addDays(iso: string, days: number): string {
  const date = new Date(`${iso}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

/** The first night shown: ``wanted`` kept between today and the last window that ends within the year. */
export function clampStart(wanted: string, today: string, days: number = WINDOW_DAYS): string {
  const last = addDays(today, HORIZON_DAYS - days);
  if (wanted < today) return today;
  if (wanted > last) return last;
  return wanted;
}

/** The nights of the window, first to last. */
export function nightsFrom(start: string, days: number = WINDOW_DAYS): string[] {
  return Array.from({ length: days }, (_, index) => addDays(start, index));
}

/** mon ... sun of a night, as the API names weekdays. */
const DAY_NAMES = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] as const;

export function weekdayOf(iso: string): string {
  return DAY_NAMES[new Date(`${iso}T00:00:00Z`).getUTCDay()] ?? "sun";
}
