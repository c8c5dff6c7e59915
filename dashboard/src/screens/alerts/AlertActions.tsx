import { Button, Group, Select } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";

import { api, type Schemas } from "../../api/client";
import { unwrap } from "../../api/errors";
import { ResolveAlertDialog } from "../ResolveAlertDialog";
import { notify, notifyError } from "../../components/notify";

type Alert = Schemas["AlertOut"];

const SNOOZE_HOURS = ["1", "4", "24", "72"] as const;

/** Acknowledge, snooze for a chosen time, resolve: only what the alert's state allows. */
export function AlertActions({ alert }: { alert: Alert }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [hours, setHours] = useState<string>("4");
  const [resolving, setResolving] = useState(false);
  const refresh = () =>
    Promise.all([queryClient.invalidateQueries({ queryKey: ["alerts"] }), queryClient.invalidateQueries({ queryKey: ["summary"] })]);
  const path = { params: { path: { alert_id: alert.id } } };
  const onError = (error: Error) => notifyError(error.message);
  const acknowledge = useMutation({
    mutationFn: async () => unwrap(await api.POST("/alerts/{alert_id}/acknowledge", path)),
    onSuccess: async () => {
      await refresh();
      notify(t("alertDetail.acknowledged"));
    },
    onError,
  });
  const snooze = useMutation({
    mutationFn: async () => {
      const until = new Date(Date.now() + Number(hours) * 3_600_000).toISOString();
      return unwrap(await api.POST("/alerts/{alert_id}/snooze", { ...path, body: { until } }));
    },
    onSuccess: async () => {
      await refresh();
      notify(t("alertDetail.snoozedFor", { count: Number(hours) }));
    },
    onError,
  });
  if (alert.status === "resolved") return null;
  return (
    <Group gap="sm" align="flex-end" wrap="wrap">
      {alert.status !== "acknowledged" && (
        <Button variant="default" loading={acknowledge.isPending} onClick={() => acknowledge.mutate()}>
          {t("alertDetail.acknowledge")}
        </Button>
      )}
      <Group gap={4} align="flex-end" wrap="nowrap">
        <Select
          label={t("alertDetail.snoozeFor")}
          data={SNOOZE_HOURS.map((h) => ({ value: h, label: t("alertDetail.hours", { count: Number(h) }) }))}
          value={hours}
          onChange={(value) => value && setHours(value)}
          allowDeselect={false}
          w={140}
          comboboxProps={{ withinPortal: true }}
        />
        <Button variant="default" loading={snooze.isPending} onClick={() => snooze.mutate()}>
          {t("alertDetail.snooze")}
        </Button>
      </Group>
      <Button onClick={() => setResolving(true)}>
        {t("alerts.resolve")}
      </Button>
      <ResolveAlertDialog alert={resolving ? { id: alert.id, title: alert.title } : null} onClose={() => setResolving(false)} />
    </Group>
  );
}
