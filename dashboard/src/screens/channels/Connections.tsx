import { Alert, Anchor, Badge, Group, Paper, Select, Stack, Table, Text, Title } from "@mantine/core";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";

import { api, type Schemas } from "../../api/client";
import { unwrap } from "../../api/errors";
import { formatDateTime, formatPercent } from "../../components/format";
import { useProperties } from "../../components/useProperties";
import { failureRateColour } from "./channelLogic";
import { HealthBadge, READABLE_ALERT } from "./parts";
import { SyncNowButton } from "./SyncActions";
import { ListPagination, queryState, HeaderRow } from "../../components/ListFrame";
import { PageHeader, ScrollBox } from "../../components/Page";
import { useUrlFilters } from "../../components/useUrlFilters";

type PropertySync = Schemas["PropertySyncOut"];
type QueueDepth = Schemas["QueueDepthOut"];
const PAGE_SIZE = 10;

/** The sync queues and their dead-letter queues: a message in a dead-letter queue failed for good. */
function QueueDepths({ queues }: { queues: QueueDepth[] }) {
  const { t } = useTranslation();
  const dead = queues.filter((q) => q.name.includes("dlq") && (q.visible ?? 0) > 0);
  return (
    <Paper withBorder p="md" mb="md" component="section" aria-labelledby="queues-title">
      <Title order={2} size="h4" id="queues-title" mb="xs">
        {t("channels.queues.title")}
      </Title>
      <Text size="sm" c="dimmed" mb="xs">
        {t("channels.queues.help")}
      </Text>
      {dead.length > 0 && (
        <Alert styles={READABLE_ALERT} color="red" mb="xs" title={t("channels.queues.deadTitle")}>
          {t("channels.queues.deadText")}
        </Alert>
      )}
      <Table verticalSpacing={4} data-testid="queue-depths">
        <HeaderRow labels={[t("channels.queues.name"), t("channels.queues.visible"), t("channels.queues.inFlight"), t("channels.queues.delayed")]} />
        <Table.Tbody>
          {queues.map((q) => (
            <Table.Tr key={q.name} data-queue={q.name}>
              <Table.Td>{q.name}</Table.Td>
              {q.error ? (
                <Table.Td colSpan={3}>{t("channels.queues.unreadable", { error: q.error })}</Table.Td>
              ) : (
                <>
                  <Table.Td fw={q.name.includes("dlq") && (q.visible ?? 0) > 0 ? 700 : undefined}>{q.visible ?? "—"}</Table.Td>
                  <Table.Td>{q.in_flight ?? "—"}</Table.Td>
                  <Table.Td>{q.delayed ?? "—"}</Table.Td>
                </>
              )}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Paper>
  );
}

function PropertyConnections({ property }: { property: PropertySync }) {
  const { t, i18n } = useTranslation();
  const { timeZone } = useProperties();
  const zone = timeZone(property.property_id);
  return (
    <Paper withBorder p="md" component="section" aria-label={property.property_name} data-property={property.property_code}>
      <Group justify="space-between" mb="xs">
        <Title order={2} size="h4">
          {`${property.property_code} · ${property.property_name}`}
        </Title>
        <Group gap="xs">
          <Anchor component={Link} to={`/properties/${property.property_id}/sync-log`} size="sm">
            {t("channels.syncLog.open")}
          </Anchor>
          {property.connections.some((c) => c.is_active) && <SyncNowButton propertyId={property.property_id} name={property.property_name} />}
        </Group>
      </Group>
      {property.connections.length === 0 ? (
        <Text size="sm" c="dimmed">
          {t("channels.connections.noneForProperty")}
        </Text>
      ) : (
        <ScrollBox label={t("channels.connections.tableOf", { name: property.property_name })}>
          <Table striped verticalSpacing="xs" miw={900}>
            <HeaderRow labels={[t("channels.ota"), t("channels.hotelId"), t("channels.connections.health"), t("channels.connections.lastPoll"), t("channels.connections.nextPoll"), t("channels.connections.failureRate"), t("channels.connections.lastError")]} />
            <Table.Tbody>
              {property.connections.map((c) => (
                <Table.Tr key={c.connection_id} data-connection={c.connection_id}>
                  <Table.Td>
                    <Anchor component={Link} to={`/connections/${c.connection_id}`}>
                      {c.ota_name}
                    </Anchor>
                  </Table.Td>
                  <Table.Td>{c.ota_hotel_id}</Table.Td>
                  <Table.Td>
                    <HealthBadge connection={c} />
                  </Table.Td>
                  <Table.Td>{formatDateTime(c.last_poll_at, i18n.language, zone)}</Table.Td>
                  <Table.Td>{c.is_active ? formatDateTime(c.next_poll_at, i18n.language, zone) : "—"}</Table.Td>
                  <Table.Td>
                    <Badge variant="light" color={failureRateColour(c.failure_rate)} styles={{ root: { color: "#212529" } }}>
                      {formatPercent(c.failure_rate, i18n.language)}
                    </Badge>
                    <Text size="xs" c="dimmed">
                      {t("channels.connections.ofRuns", { count: c.runs_considered })}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="xs" lineClamp={2} title={c.last_error ?? undefined}>
                      {c.last_error ?? "—"}
                    </Text>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </ScrollBox>
      )}
    </Paper>
  );
}

/** Every property's OTA connections with their health, polls and failure rate, and the queues. */
export default function Connections() {
  const { t } = useTranslation();
  const filters = useUrlFilters();
  const properties = useProperties();
  const propertyId = filters.id("property_id");
  const query = { page: filters.page, page_size: PAGE_SIZE, ...(propertyId ? { property_id: propertyId } : {}) };
  const status = useQuery({
    queryKey: ["sync-status", query],
    queryFn: async () => unwrap(await api.GET("/sync/status", { params: { query } })),
    placeholderData: keepPreviousData,
    refetchInterval: 15_000,
  });
  const body = queryState(status, t("channels.connections.empty"), (page) => page.items.every((p) => p.connections.length === 0));
  return (
    <>
      <PageHeader title={t("channels.connections.title")} />
      <Text size="sm" c="dimmed" mb="md">
        {t("channels.connections.intro")}
      </Text>
      {status.data && <QueueDepths queues={status.data.queues} />}
      <Paper withBorder p="md" mb="md" component="section" aria-label={t("bookings.filters")}>
        <Select
          label={t("bookings.property")}
          data={properties.items.map((p) => ({ value: String(p.id), label: `${p.code} · ${p.name}` }))}
          value={propertyId ? String(propertyId) : null}
          onChange={(value) => filters.update({ property_id: value })}
          clearable
          searchable
          maw={420}
        />
      </Paper>
      {body ?? (
        <Stack gap="md">
          {status.data?.items
            .filter((p) => p.connections.length > 0)
            .map((p) => <PropertyConnections key={p.property_id} property={p} />)}
          {status.data && <ListPagination pages={status.data.pages} page={status.data.page} onChange={(p) => filters.update({ page: String(p) })} />}
        </Stack>
      )}
    </>
  );
}
