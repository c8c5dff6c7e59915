// Dates, times and money as the reader's language writes them. An instant (a booking made, an
// alert seen) reads in the time zone of the property it concerns, never the browser's: a Hanoi
// hotel's night staff and a manager abroad must see the same "Booked 4 Dec, 23:49".

export function formatMoney(amount: string | number, currency: string, language: string): string {
  const value = typeof amount === "number" ? amount : Number(amount);
  try {
    return new Intl.NumberFormat(language, { style: "currency", currency }).format(value);
  } catch {
    return `${value} ${currency}`;
  }
}

export function formatDate(iso: string | null | undefined, language: string): string {
  if (!iso) return "—";
  // A calendar date (YYYY-MM-DD) names a night, not an instant: format it without a time zone shift.
  const date = /^\d{4}-\d{2}-\d{2}$/.test(iso) ? new Date(`${iso}T00:00:00Z`) : new Date(iso);
  return new Intl.DateTimeFormat(language, { dateStyle: "medium", timeZone: "UTC" }).format(date);
}

/** A stay, check-in to check-out, as one range ("19 – 20 Dec 2026"). */
export function formatStay(checkIn: string | null | undefined, checkOut: string | null | undefined, language: string): string {
  if (!checkIn || !checkOut) return "—";
  const format = new Intl.DateTimeFormat(language, { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" });
  return format.formatRange(new Date(`${checkIn}T00:00:00Z`), new Date(`${checkOut}T00:00:00Z`));
}

function validZone(timeZone: string | undefined): string | undefined {
  if (!timeZone) return undefined;
  try {
    new Intl.DateTimeFormat("en", { timeZone });
    return timeZone;
  } catch {
    return undefined;
  }
}

/**
 * An instant in ``timeZone`` (the property's IANA zone), with the zone's short name so a reader
 * elsewhere knows whose clock it is ("4 Dec 2026, 23:49 GMT+7"). Without a zone (a property the
 * reader may not list): the browser's, also named.
 */
export function formatDateTime(iso: string | null | undefined, language: string, timeZone?: string): string {
  if (!iso) return "—";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "—";
  return new Intl.DateTimeFormat(language, {
    year: "numeric",
    month: "short",
    day: "numeric",
    hour: "numeric",
    minute: "2-digit",
    timeZoneName: "short",
    timeZone: validZone(timeZone),
  }).format(date);
}

/** The calendar date (YYYY-MM-DD) an instant falls on in ``timeZone``: "today" at the property. */
export function localDate(instant: Date, timeZone?: string): string {
  const parts = new Intl.DateTimeFormat("en-CA", {
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    timeZone: validZone(timeZone),
  }).formatToParts(instant);
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  return `${part("year")}-${part("month")}-${part("day")}`;
}

/** A share (0..1) as a percentage in the reader's language; null (nothing to divide by) as "—". */
export function formatPercent(share: number | null | undefined, language: string): string {
  if (share === null || share === undefined) return "—";
  return new Intl.NumberFormat(language, { style: "percent", maximumFractionDigits: 1 }).format(share);
}

export function formatNumber(value: number, language: string): string {
  return new Intl.NumberFormat(language).format(value);
}
