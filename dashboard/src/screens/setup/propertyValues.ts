// A property's form values and the API body made from them.
import type { Schemas } from "../../api/client";

type Property = Schemas["PropertyOut"];

/** Every IANA zone the browser knows (the API checks the name against the same database). */
export const TIME_ZONES: string[] = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];

export function propertyValues(property: Property | null) {
  return {
    code: property?.code ?? "",
    name: property?.name ?? "",
    country_code: property?.country_code ?? "",
    timezone: property?.timezone ?? "",
    currency: property?.currency ?? "",
    address: property?.address ?? "",
    city: property?.city ?? "",
    region: property?.region ?? "",
    postal_code: property?.postal_code ?? "",
    status: property?.status === "archived" ? "active" : (property?.status ?? "active"),
    buffer_rooms: (property?.buffer_rooms ?? "") as number | "",
  };
}

export type PropertyValues = ReturnType<typeof propertyValues>;

/** The body of POST /properties and PATCH /properties/{id}: trimmed, codes upper-cased, an empty
 * buffer sent as null (the property then inherits the global setting). */
export function propertyBody(values: PropertyValues) {
  return {
    code: values.code.trim(),
    name: values.name.trim(),
    country_code: values.country_code.trim().toUpperCase(),
    timezone: values.timezone.trim(),
    currency: values.currency.trim().toUpperCase(),
    address: values.address.trim(),
    city: values.city.trim(),
    region: values.region.trim(),
    postal_code: values.postal_code.trim(),
    status: values.status as "active" | "inactive",
    buffer_rooms: values.buffer_rooms === "" ? null : values.buffer_rooms,
  };
}
