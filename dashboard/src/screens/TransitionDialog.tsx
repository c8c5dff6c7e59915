import { Alert, Button, Group, Radio, Stack, Text, Textarea } from "@mantine/core";
import { useForm, type UseFormReturnType } from "@mantine/form";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";

import { api, type Schemas } from "../api/client";
import { ApiError, unwrap } from "../api/errors";
import { ErrorState, LoadingState } from "../components/States";
import { notify } from "../components/notify";
import { EditModal } from "../components/EditModal";

type Dialog = Schemas["TransitionDialogOut"];
export interface TransitionValues {
  to_status: string;
  reason: string;
  [key: string]: unknown;
}
const FIELDS = ["to_status", "reason"] as const;

/** Where an answer of POST /bookings/{id}/transitions goes: a message naming `body.reason` (a
 * reason the API requires) or `body.to_status` under that field; anything else (409 not
 * allowed, 403) above the buttons. */
export function transitionErrors(error: unknown): { fields: Partial<Record<(typeof FIELDS)[number], string>>; general: string | null } {
  if (!(error instanceof ApiError)) return { fields: {}, general: error instanceof Error ? error.message : String(error) };
  const named = error.fieldErrors();
  const fields = Object.fromEntries(FIELDS.filter((f) => f in named).map((f) => [f, named[f]]));
  return { fields, general: Object.keys(fields).length ? null : error.message };
}

interface FormProps {
  dialog: Dialog;
  form: UseFormReturnType<TransitionValues>;
  formError: string | null;
  busy: boolean;
  onSubmit: (values: TransitionValues) => void;
  onCancel: () => void;
}

/** The dialog's form: exactly the statuses the API offers this user, a reason, the API's errors. */
export function TransitionForm({ dialog, form, formError, busy, onSubmit, onCancel }: FormProps) {
  const { t } = useTranslation();
  if (dialog.allowed.length === 0) return <Text>{t("booking.noTransitions")}</Text>;
  return (
    <form onSubmit={form.onSubmit(onSubmit)} noValidate>
      <Stack gap="sm">
        <Text size="sm">{t("booking.current", { status: dialog.current.label })}</Text>
        <Radio.Group label={t("booking.newStatus")} required {...form.getInputProps("to_status")}>
          <Stack gap="xs" mt="xs">
            {dialog.allowed.map((option) => (
              <Radio key={option.transition_id} value={option.to_status.code} label={option.to_status.label} />
            ))}
          </Stack>
        </Radio.Group>
        <Textarea label={t("booking.reason")} placeholder={t("booking.reasonPlaceholder")} autosize minRows={2} maxLength={1000} {...form.getInputProps("reason")} />
        {formError && (
          <Alert color="red" role="alert">
            {formError}
          </Alert>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={onCancel}>
            {t("common.cancel")}
          </Button>
          <Button type="submit" loading={busy}>
            {t("booking.apply")}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

interface Props {
  bookingId: number;
  reference: string;
  opened: boolean;
  onClose: () => void;
}

/** Offers exactly the transitions the API says this user may make from the current status. */
export function TransitionDialog({ bookingId, reference, opened, onClose }: Props) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [formError, setFormError] = useState<string | null>(null);
  const options = useQuery({
    queryKey: ["booking", bookingId, "transitions"],
    queryFn: async () =>
      unwrap(await api.GET("/bookings/{group_id}/transitions", { params: { path: { group_id: bookingId } } })),
    enabled: opened,
    staleTime: 0,
  });
  const form = useForm<TransitionValues>({
    initialValues: { to_status: "", reason: "" },
    validate: { to_status: (v) => (v ? null : t("auth.required")) },
  });
  const apply = useMutation({
    mutationFn: async (values: TransitionValues) =>
      unwrap(
        await api.POST("/bookings/{group_id}/transitions", {
          params: { path: { group_id: bookingId } },
          body: { to_status: values.to_status, reason: values.reason },
        }),
      ),
    onSuccess: async (booking) => {
      notify(t("booking.transitionDone", { reference, status: booking.status.label }));
      queryClient.setQueryData(["booking", bookingId], booking);
      await queryClient.invalidateQueries({ queryKey: ["bookings"] });
      form.reset();
      onClose();
    },
    onError: (error) => {
      const { fields, general } = transitionErrors(error);
      form.setErrors(fields);
      setFormError(general);
    },
  });

  let content;
  if (options.isPending) content = <LoadingState />;
  else if (options.isError) content = <ErrorState error={options.error} onRetry={() => void options.refetch()} />;
  else
    content = (
      <TransitionForm
        dialog={options.data}
        form={form}
        formError={formError}
        busy={apply.isPending}
        onSubmit={(values) => {
          setFormError(null);
          apply.mutate(values);
        }}
        onCancel={onClose}
      />
    );

  return (
    <EditModal opened={opened} onClose={onClose} title={t("booking.dialogTitle", { reference })}>
      {content}
    </EditModal>
  );
}
