import { Anchor, Button, Group, Pagination, SegmentedControl, Table, Text, Title } from "@mantine/core";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useSearchParams } from "react-router-dom";

import { api } from "../api/client";
import { unwrap } from "../api/errors";
import { useSession } from "../auth/session";
import { formatDate, formatDateTime } from "../components/format";
import { EmptyState, ErrorState, LoadingState } from "../components/States";
import { useProperties } from "../components/useProperties";
import { SeverityBadge } from "./alerts/SeverityBadge";
import { ResolveAlertDialog } from "./ResolveAlertDialog";
import { HeaderRow } from "../components/ListFrame";

const PAGE_SIZE = 25;
const STATES = ["open", "new", "acknowledged", "snoozed", "resolved", "all"] as const;
type State = (typeof STATES)[number];

function stateQuery(state: State) {
  if (state === "open") return { open_only: true };
  if (state === "all") return {};
  return { status: [state] };
}

/** Alerts by state, newest first; each names its property, night and the booking that raised it. */
export default function AlertsList() {
  const { t, i18n } = useTranslation();
  const [params, setParams] = useSearchParams();
  const state: State = (STATES as readonly string[]).includes(params.get("state") ?? "") ? (params.get("state") as State) : "open";
  const page = Math.max(1, Number(params.get("page") ?? 1) || 1);
  const setFilter = (next: { state?: State; page?: number }) =>
    setParams({ state: next.state ?? state, page: String(next.page ?? 1) }, { replace: true });

  const { can } = useSession();
  const properties = useProperties();
  const [resolving, setResolving] = useState<{ id: number; title: string } | null>(null);
  const query = { page, page_size: PAGE_SIZE, ...stateQuery(state) };
  const alerts = useQuery({
    queryKey: ["alerts", query],
    queryFn: async () => unwrap(await api.GET("/alerts", { params: { query } })),
    placeholderData: keepPreviousData,
  });

  let body;
  if (alerts.isPending) body = <LoadingState />;
  else if (alerts.isError) body = <ErrorState error={alerts.error} onRetry={() => void alerts.refetch()} />;
  else if (alerts.data.items.length === 0) body = <EmptyState message={t("alerts.empty")} />;
  else
    body = (
      <>
        <Table.ScrollContainer minWidth={720}>
          <Table striped verticalSpacing="xs" aria-busy={alerts.isFetching}>
            <Table.Caption>{t("alerts.total", { count: alerts.data.total })}</Table.Caption>
            <HeaderRow labels={[t("alerts.severity"), t("alerts.alert"), t("bookings.property"), t("alerts.night"), t("alerts.lastSeen"), t("alerts.state")]} />
            <Table.Tbody>
              {alerts.data.items.map((alert) => (
                <Table.Tr key={alert.id} data-alert-type={alert.type} data-alert-id={alert.id}>
                  <Table.Td style={{ whiteSpace: "nowrap" }}>
                    <SeverityBadge severity={alert.severity} />
                  </Table.Td>
                  <Table.Td>
                    <Anchor component={Link} to={`/alerts/${alert.id}`} size="sm" fw={500}>
                      {alert.title}
                    </Anchor>
                    <Text size="xs" c="dimmed">
                      {alert.message}
                    </Text>
                    {alert.booking_group_id !== null && (
                      <Anchor component={Link} to={`/bookings/${alert.booking_group_id}`} size="xs">
                        {t("alerts.openBooking")}
                      </Anchor>
                    )}
                  </Table.Td>
                  <Table.Td>{properties.name(alert.property_id)}</Table.Td>
                  <Table.Td style={{ whiteSpace: "nowrap" }}>{formatDate(alert.night, i18n.language)}</Table.Td>
                  <Table.Td style={{ whiteSpace: "nowrap" }}>
                    {formatDateTime(alert.last_seen_at, i18n.language, properties.timeZone(alert.property_id))}
                    {alert.occurrences > 1 && <Text size="xs" c="dimmed">{t("alerts.occurrences", { count: alert.occurrences })}</Text>}
                  </Table.Td>
                  <Table.Td>
                    {t(`alerts.states.${alert.status}`)}
                    {can("ALERTS_MANAGE") && alert.status !== "resolved" && (
                      <Button
                        size="compact-xs"
                        variant="default"
                        display="block"
                        mt={4}
                        aria-label={t("alerts.resolveOne", { title: alert.title })}
                        onClick={() => setResolving({ id: alert.id, title: alert.title })}
                      >
                        {t("alerts.resolve")}
                      </Button>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
        {alerts.data.pages > 1 && (
          <Group justify="center" mt="md">
            <Pagination
              total={alerts.data.pages}
              value={alerts.data.page}
              onChange={(value) => setFilter({ page: value })}
              getControlProps={(control) => ({ "aria-label": `${t("bookings.pagination")}: ${control}` })}
              getItemProps={(p) => ({ "aria-label": `${t("bookings.pagination")} ${p}` })}
            />
          </Group>
        )}
      </>
    );

  return (
    <>
      <Title order={1} size="h2" mb="md">
        {t("alerts.title")}
      </Title>
      <SegmentedControl
        mb="md"
        aria-label={t("alerts.state")}
        value={state}
        onChange={(value) => setFilter({ state: value as State })}
        data={STATES.map((s) => ({ value: s, label: t(`alerts.states.${s}`) }))}
      />
      {body}
      <ResolveAlertDialog alert={resolving} onClose={() => setResolving(null)} />
    </>
  );
}
