import { Alert, Button, Group, Stack } from "@mantine/core";
import type { UseFormReturnType } from "@mantine/form";
import { useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";

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

/** A form's foot: its error (from useApiSubmit), then Cancel (when `onCancel`) and the submit
 * button ("Save" unless `label`), busy while the submit runs. `spaced`: in a stack of its own,
 * set off from the fields above. */
export function FormActions({ error, busy, label, onCancel, spaced }: { error: string | null; busy: boolean; label?: ReactNode; onCancel?: () => void; spaced?: boolean }) {
  const { t } = useTranslation();
  const actions = (
    <>
      <FormError message={error} />
      <Group justify="flex-end">
        {onCancel && (
          <Button variant="default" onClick={onCancel}>
            {t("common.cancel")}
          </Button>
        )}
        <Button type="submit" loading={busy}>
          {label ?? t("common.save")}
        </Button>
      </Group>
    </>
  );
  return spaced ? <Stack mt="sm">{actions}</Stack> : actions;
}
