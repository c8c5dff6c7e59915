import { Button, Group, NumberInput, Paper, Stack, Text } from "@mantine/core";
import { useForm } from "@mantine/form";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";

import { api, type Schemas } from "../../api/client";
import { unwrap } from "../../api/errors";
import { useSession } from "../../auth/session";
import { formatDateTime } from "../../components/format";
import { EmptyState } from "../../components/States";
import { FormError, useApiSubmit } from "../../components/useApiSubmit";
import { changedSettings, SETTING_FIELDS, type SettingValues } from "./settingsFields";
import { notify } from "../../components/notify";
import { PageHeader } from "../../components/Page";
import { queryState } from "../../components/ListFrame";

type SettingsOut = Schemas["SettingsOut"];

function valuesOf(settings: SettingsOut): SettingValues {
  return {
    inventory_buffer_rooms: settings.inventory_buffer_rooms,
    sync_poll_interval_seconds: settings.sync_poll_interval_seconds,
    booking_expiry_minutes: settings.booking_expiry_minutes,
    stale_channel_intervals: settings.stale_channel_intervals,
  };
}

function SettingsForm({ settings }: { settings: SettingsOut }) {
  const { t, i18n } = useTranslation();
  const queryClient = useQueryClient();
  const saved = valuesOf(settings);
  const form = useForm<SettingValues>({ initialValues: saved });
  const { submit, busy, formError } = useApiSubmit(form, async (values) => {
    const body = changedSettings(saved, values);
    const updated = unwrap(await api.PATCH("/settings", { body: body as Schemas["SettingsUpdate"] }));
    queryClient.setQueryData(["settings"], updated);
    form.resetDirty(valuesOf(updated));
    notify(t("setup.settings.saved"));
  });
  return (
    <form onSubmit={submit} noValidate>
      <Stack gap="md">
        {SETTING_FIELDS.map((field) => (
          <NumberInput
            key={field.key}
            label={t(`setup.settings.fields.${field.key}.label`)}
            description={`${t(`setup.settings.fields.${field.key}.help`)} ${t("setup.settings.range", {
              min: field.min.toLocaleString(i18n.language),
              max: field.max.toLocaleString(i18n.language),
              unit: t(`setup.settings.units.${field.unit}`),
            })}`}
            allowDecimal={false}
            clampBehavior="none"
                        maw={420}
            {...form.getInputProps(field.key)}
          />
        ))}
        <FormError message={formError} />
        {settings.updated_at && (
          <Text size="sm" c="dimmed">
            {t("setup.settings.updatedAt", { when: formatDateTime(settings.updated_at, i18n.language) })}
          </Text>
        )}
        <Group>
          <Button type="submit" loading={busy} disabled={!form.isDirty()}>
            {t("common.save")}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

export default function Settings() {
  const { t } = useTranslation();
  const { can } = useSession();
  const allowed = can("SETTINGS_WRITE");
  const settings = useQuery({
    queryKey: ["settings"],
    queryFn: async () => unwrap(await api.GET("/settings")),
    enabled: allowed,
  });
  // An administrator's screen: those who may not change the settings do not see it.
  if (!allowed) return <EmptyState message={t("setup.notAllowed")} />;
  const state = queryState(settings, "", () => false);
  return (
    <>
      <PageHeader title={t("setup.settings.title")} />
      <Paper withBorder p="md">
        {state ?? (settings.data && <SettingsForm key={settings.data.updated_at ?? "defaults"} settings={settings.data} />)}
      </Paper>
    </>
  );
}
