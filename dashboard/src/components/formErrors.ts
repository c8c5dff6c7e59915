import type { UseFormReturnType } from "@mantine/form";

import { ApiError } from "../api/errors";

/** Puts the API's `body.<field>` messages next to those fields (nested ones too: `seasons.0.rate`
 * goes under that input of the form's `seasons` list); returns the message for the rest
 * (an error naming no field of this form), or null when every message found its field. */
export function showApiErrors<T extends Record<string, unknown>>(form: UseFormReturnType<T>, error: unknown): string | null {
  if (!(error instanceof ApiError)) return error instanceof Error ? error.message : String(error);
  const fields = Object.keys(form.getValues());
  const byField = error.fieldErrors();
  let placed = false;
  for (const [field, message] of Object.entries(byField)) {
    if (fields.includes(field.split(".")[0] ?? field)) {
      form.setFieldError(field, message);
      placed = true;
    }
  }
  return placed ? null : error.message;
}
