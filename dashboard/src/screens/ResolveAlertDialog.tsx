import { Stack, Text, Textarea } from "@mantine/core";
import { useForm } from "@mantine/form";
import { useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";

import { api } from "../api/client";
import { unwrap } from "../api/errors";
import { useApiSubmit, FormActions } from "../components/useApiSubmit";
import { notify } from "../components/notify";
import { EditModal } from "../components/EditModal";

interface Props {
  alert: { id: number; title: string } | null;
  onClose: () => void;
}

/** Resolve an open alert, with a note of what was done (kept on the alert). */
export function ResolveAlertDialog({ alert, onClose }: Props) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const form = useForm({ initialValues: { note: "" } });
  const { submit, busy, formError } = useApiSubmit(form, async ({ note }) => {
    if (!alert) return;
    unwrap(await api.POST("/alerts/{alert_id}/resolve", { params: { path: { alert_id: alert.id } }, body: { note } }));
    await Promise.all([queryClient.invalidateQueries({ queryKey: ["alerts"] }), queryClient.invalidateQueries({ queryKey: ["summary"] })]);
    notify(t("alerts.resolved", { title: alert.title }));
    form.reset();
    onClose();
  });
  return (
    <EditModal opened={alert !== null} onClose={onClose} title={t("alerts.resolveTitle")} centered>
      <form onSubmit={submit} noValidate>
        <Stack>
          <Text size="sm">{alert?.title}</Text>
          <Textarea label={t("alerts.note")} placeholder={t("alerts.notePlaceholder")} autosize minRows={2} data-autofocus {...form.getInputProps("note")} />
          <FormActions error={formError} busy={busy} label={t("alerts.resolve")} onCancel={onClose} />
        </Stack>
      </form>
    </EditModal>
  );
}
