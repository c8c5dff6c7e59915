import { Alert } from "@mantine/core";
import type { UseFormReturnType } from "@mantine/form";
import { useState } from "react";

import { showApiErrors } from "./formErrors";

/** A form's submit that calls the API: busy while it runs; an error naming one of the form's
 * fields goes under that field, any other error into `formError` (show it with <FormError>). */
export function useApiSubmit<T extends Record<string, unknown>>(
  form: UseFormReturnType<T>,
  action: (values: T) => Promise<void>,
  onError?: (error: unknown) => boolean,
) {
  const [busy, setBusy] = useState(false);
  const [formError, setFormError] = useState<string | null>(null);
  const submit = form.onSubmit(async (values) => {
    setBusy(true);
    setFormError(null);
    try {
      await action(values);
    } catch (error) {
      if (!onError?.(error)) setFormError(showApiErrors(form, error));
    } finally {
      setBusy(false);
    }
  });
  return { submit, busy, formError };
}

export function FormError({ message }: { message: string | null }) {
  if (!message) return null;
  return (
    <Alert color="red" role="alert">
      {message}
    </Alert>
  );
}
