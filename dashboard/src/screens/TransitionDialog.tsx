import { Alert, Button, Group, Modal, Radio, Stack, Text, Textarea } from "@mantine/core";
import { useForm } from "@mantine/form";
import { notifications } from "@mantine/notifications";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";

import { api } from "../api/client";
import { unwrap } from "../api/errors";
import { showApiErrors } from "../components/formErrors";
import { ErrorState, LoadingState } from "../components/States";

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
  const form = useForm({
    initialValues: { to_status: "", reason: "" },
    validate: { to_status: (v) => (v ? null : t("auth.required")) },
  });
  const apply = useMutation({
    mutationFn: async (values: { to_status: string; reason: string }) =>
      unwrap(
        await api.POST("/bookings/{group_id}/transitions", {
          params: { path: { group_id: bookingId } },
          body: { to_status: values.to_status, reason: values.reason },
        }),
      ),
    onSuccess: async (booking) => {
      notifications.show({ color: "green", message: t("booking.transitionDone", { reference, status: booking.status.label }) });
      queryClient.setQueryData(["booking", bookingId], booking);
      await queryClient.invalidateQueries({ queryKey: ["bookings"] });
      form.reset();
      onClose();
    },
    onError: (error) => setFormError(showApiErrors(form, error)),
  });

  let content;
  if (options.isPending) content = <LoadingState />;
  else if (options.isError) content = <ErrorState error={options.error} onRetry={() => void options.refetch()} />;
  else if (options.data.allowed.length === 0) content = <Text>{t("booking.noTransitions")}</Text>;
  else
    content = (
      <form
        onSubmit={form.onSubmit((values) => {
          setFormError(null);
          apply.mutate(values);
        })}
        noValidate
      >
        <Stack gap="sm">
          <Text size="sm">{t("booking.current", { status: options.data.current.label })}</Text>
          <Radio.Group label={t("booking.newStatus")} required {...form.getInputProps("to_status")}>
            <Stack gap="xs" mt="xs">
              {options.data.allowed.map((option) => (
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
            <Button variant="default" onClick={onClose}>
              {t("common.cancel")}
            </Button>
            <Button type="submit" loading={apply.isPending}>
              {t("booking.apply")}
            </Button>
          </Group>
        </Stack>
      </form>
    );

  return (
    <Modal opened={opened} onClose={onClose} title={t("booking.dialogTitle", { reference })} closeButtonProps={{ "aria-label": t("common.close") }}>
      {content}
    </Modal>
  );
}
