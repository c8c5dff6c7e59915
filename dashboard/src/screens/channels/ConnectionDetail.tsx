import { Anchor, Button, Group, NumberInput, Paper, SimpleGrid, Stack, Text, Title } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router-dom";

import { api, type Schemas } from "../../api/client";
import { unwrap } from "../../api/errors";
import { useSession } from "../../auth/session";
import { Field } from "../../components/Field";
import { formatDateTime, formatPercent } from "../../components/format";
import { ErrorState, LoadingState } from "../../components/States";
import { useProperties } from "../../components/useProperties";
import { MappingEditor } from "./MappingEditor";
import { HealthBadge, ProposalsTable, useProposals } from "./parts";
import { FullPushButton, SyncNowButton } from "./SyncActions";
import { notify, notifyError } from "../../components/notify";
import { PageHeader } from "../../components/Page";

type Connection = Schemas["ConnectionOut"];
const MIN_POLL = 20;
const MAX_POLL = 3600;

/** Activate / deactivate, and the poll interval override (empty: the global setting). */
function ConnectionSettings({ connection }: { connection: Connection }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [interval, setPollInterval] = useState<string | number>(connection.poll_interval_seconds ?? "");
  const change = useMutation({
    mutationFn: async (body: { is_active?: boolean; poll_interval_seconds?: number | null }) =>
      unwrap(await api.PATCH("/ota-connections/{connection_id}", { params: { path: { connection_id: connection.id } }, body })),
    onSuccess: async () => {
      notify(t("channels.connection.saved"));
      await queryClient.invalidateQueries({ queryKey: ["ota-connection", connection.id] });
      await queryClient.invalidateQueries({ queryKey: ["sync-status"] });
    },
    onError: (error) => notifyError(error.message),
  });
  const typed = interval === "" ? null : Number(interval);
  return (
    <Group align="flex-end" gap="sm">
      <Button color={connection.is_active ? "red" : "green"} variant={connection.is_active ? "light" : "filled"} onClick={() => change.mutate({ is_active: !connection.is_active })} loading={change.isPending}>
        {t(connection.is_active ? "channels.connection.deactivate" : "channels.connection.activate")}
      </Button>
      <NumberInput
        label={t("channels.connection.pollOverride")}
        description={t("channels.connection.pollOverrideHelp", { min: MIN_POLL, max: MAX_POLL })}
        min={MIN_POLL}
        max={MAX_POLL}
        value={interval}
        onChange={setPollInterval}
        w={320}
      />
      <Button variant="default" onClick={() => change.mutate({ poll_interval_seconds: typed })} disabled={typed === connection.poll_interval_seconds}>
        {t("common.save")}
      </Button>
    </Group>
  );
}

/** One connection: its health and polls, settings, sync actions, proposals and mapping editor. */
export default function ConnectionDetail() {
  const { t, i18n } = useTranslation();
  const { can } = useSession();
  const { timeZone } = useProperties();
  const connectionId = Number(useParams().connectionId);
  const connection = useQuery({
    queryKey: ["ota-connection", connectionId],
    queryFn: async () => unwrap(await api.GET("/ota-connections/{connection_id}", { params: { path: { connection_id: connectionId } } })),
  });
  const propertyId = connection.data?.property_id;
  const status = useQuery({
    queryKey: ["sync-status", { property_id: propertyId }],
    queryFn: async () => unwrap(await api.GET("/sync/status", { params: { query: { property_id: propertyId } } })),
    enabled: propertyId !== undefined && can("SYNC_STATUS_READ"),
    refetchInterval: 15_000,
  });
  const proposals = useProposals(connection.data ? connectionId : null);
  if (connection.isPending) return <LoadingState />;
  if (connection.isError) return <ErrorState error={connection.error} onRetry={() => void connection.refetch()} />;
  const data = connection.data;
  const zone = timeZone(data.property_id);
  const sync = status.data?.items[0]?.connections.find((c) => c.connection_id === data.id);
  const when = (iso: string | null | undefined) => formatDateTime(iso, i18n.language, zone);
  return (
    <Stack gap="lg">
      <div>
        <Anchor component={Link} to="/connections" size="sm">
          {t("channels.connection.back")}
        </Anchor>
        <PageHeader
          title={t("channels.connection.title", { property: data.property_name, ota: data.ota_name })}
          action={
            <Group gap="xs">
              {data.is_active && <SyncNowButton propertyId={data.property_id} name={data.property_name} size="sm" />}
              <FullPushButton connectionId={data.id} disabled={!data.is_active} />
            </Group>
          }
        />
        <Paper withBorder p="md">
          <SimpleGrid cols={{ base: 2, sm: 4 }} spacing="sm">
            <Field label={t("channels.connections.health")} value={<HealthBadge connection={{ ...data, stale: sync?.stale }} />} />
            <Field label={t("channels.accounts.name")} value={`${data.account_name} (${data.ota_name})`} />
            <Field label={t("channels.hotelId")} value={data.ota_hotel_id} />
            <Field label={t("channels.connection.pollEvery")} value={t("channels.connection.seconds", { count: sync?.poll_interval_seconds ?? data.poll_interval_seconds ?? 0 })} />
            <Field label={t("channels.connections.lastPoll")} value={when(data.last_poll_at)} />
            <Field label={t("channels.connections.nextPoll")} value={data.is_active ? when(data.next_poll_at) : t("channels.connection.notScheduled")} />
            <Field label={t("channels.connection.lastSuccess")} value={when(data.last_success_at)} />
            <Field label={t("channels.connections.failureRate")} value={sync ? `${formatPercent(sync.failure_rate, i18n.language)} · ${t("channels.connections.ofRuns", { count: sync.runs_considered })}` : "—"} />
            <Field label={t("channels.connection.failureStreak")} value={String(data.consecutive_failures)} />
            <Field label={t("channels.connections.lastError")} value={data.last_error ? `${data.last_error} (${when(data.last_error_at)})` : "—"} />
          </SimpleGrid>
          <Group mt="sm">
            <Anchor component={Link} to={`/properties/${data.property_id}/sync-log?connection_id=${data.id}`} size="sm">
              {t("channels.syncLog.open")}
            </Anchor>
          </Group>
        </Paper>
      </div>
      {can("OTA_CONNECTIONS_WRITE") && (
        <Paper withBorder p="md" component="section" aria-label={t("channels.connection.settings")}>
          <Title order={2} size="h4" mb="xs">
            {t("channels.connection.settings")}
          </Title>
          <ConnectionSettings key={`${data.is_active}-${data.poll_interval_seconds}`} connection={data} />
        </Paper>
      )}
      {(proposals.data?.items.length ?? 0) > 0 && (
        <Paper withBorder p="md" component="section" aria-label={t("channels.proposals.title")}>
          <Title order={2} size="h4" mb="xs">
            {t("channels.proposals.title")}
          </Title>
          <ProposalsTable connectionId={data.id} propertyId={data.property_id} />
        </Paper>
      )}
      <Paper withBorder p="md" component="section" aria-label={t("channels.mapping.title")}>
        <MappingEditor connection={data} />
      </Paper>
      <Text size="xs" c="dimmed">
        {t("channels.connection.timesIn", { zone: zone ?? "UTC" })}
      </Text>
    </Stack>
  );
}
