// Dates, times and money as the reader's language writes them.

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

export function formatDateTime(iso: string | null | undefined, language: string, timeZone?: string): string {
  if (!iso) return "—";
  return new Intl.DateTimeFormat(language, { dateStyle: "medium", timeStyle: "short", timeZone }).format(new Date(iso));
}
