// The bulk update dialog's values → the API's body: a field left empty (or "leave") is left out,
// so the server leaves it alone.

export type Toggle = "keep" | "close" | "open";
export const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
export const TOGGLES = ["stop_sell", "closed_to_arrival", "closed_to_departure"] as const;
export const COUNTS = ["availability", "min_los", "max_los", "min_stay_through"] as const;

export interface BulkValues {
  weekdays: string[];
  availability: number | string;
  stop_sell: Toggle;
  closed_to_arrival: Toggle;
  closed_to_departure: Toggle;
  min_los: number | string;
  max_los: number | string;
  min_stay_through: number | string;
  rates: Record<string, number | string>;
}

export interface BulkTarget {
  dateFrom: string;
  dateTo: string;
  roomTypeIds: number[];
}

export interface BulkBody {
  date_from: string;
  date_to: string;
  room_type_ids: number[];
  weekdays?: string[];
  availability?: number;
  stop_sell?: boolean;
  closed_to_arrival?: boolean;
  closed_to_departure?: boolean;
  min_los?: number;
  max_los?: number;
  min_stay_through?: number;
  rates?: Record<string, string>;
}

export function emptyValues(): BulkValues {
  return {
    weekdays: [...WEEKDAYS],
    availability: "",
    stop_sell: "keep",
    closed_to_arrival: "keep",
    closed_to_departure: "keep",
    min_los: "",
    max_los: "",
    min_stay_through: "",
    rates: {},
  };
}

const filled = (value: number | string) => value !== "" && value !== null && value !== undefined;

export function bulkBody(values: BulkValues, target: BulkTarget): BulkBody {
  const body: BulkBody = { date_from: target.dateFrom, date_to: target.dateTo, room_type_ids: target.roomTypeIds };
  // Every weekday is the API's default: only a real filter is sent (none at all is the server's to refuse).
  if (values.weekdays.length !== WEEKDAYS.length) body.weekdays = WEEKDAYS.filter((day) => values.weekdays.includes(day));
  for (const name of COUNTS) if (filled(values[name])) body[name] = Number(values[name]);
  for (const name of TOGGLES) if (values[name] !== "keep") body[name] = values[name] === "close";
  const rates = Object.entries(values.rates).filter(([, amount]) => filled(amount));
  if (rates.length) body.rates = Object.fromEntries(rates.map(([plan, amount]) => [plan, String(amount)]));
  return body;
}

/** True when the body changes nothing (only the range and room types). */
export function changesNothing(body: BulkBody): boolean {
  return Object.keys(body).every((key) => ["date_from", "date_to", "room_type_ids", "weekdays"].includes(key));
}
