import type { UseFormReturnType } from "@mantine/form";
import { describe, expect, it } from "vitest";

import { ApiError } from "../api/errors";
import { showApiErrors } from "./formErrors";

function fakeForm(values: Record<string, unknown>) {
  const errors: Record<string, string> = {};
  const form = { getValues: () => values, setFieldError: (path: string, message: string) => (errors[path] = message) };
  return { form: form as unknown as UseFormReturnType<Record<string, unknown>>, errors };
}

const invalid = (field: string) =>
  new ApiError(422, { error: { code: "invalid_input", message: `${field}: bad`, details: [{ field, message: "bad" }] } });

describe("showApiErrors", () => {
  it("puts a nested field's message under that input of the form's list", () => {
    const { form, errors } = fakeForm({ name: "", seasons: [{ rate: "" }] });
    expect(showApiErrors(form, invalid("body.seasons.0.rate"))).toBeNull();
    expect(errors).toEqual({ "seasons.0.rate": "bad" });
  });

  it("returns the message of an error naming no field of the form", () => {
    const { form, errors } = fakeForm({ name: "" });
    expect(showApiErrors(form, invalid("body.release_steps.0.days_before"))).toBe("body.release_steps.0.days_before: bad");
    expect(errors).toEqual({});
  });
});
