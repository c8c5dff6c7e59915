import { Anchor, Badge, List, Select, Stack, Table, Text } from "@mantine/core";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router-dom";

import { api, type Schemas } from "../../api/client";
import { unwrap } from "../../api/errors";
import { formatDateTime } from "../../components/format";
import { useProperties } from "../../components/useProperties";
import { countEntries, issueText } from "./channelLogic";
import { ListPagination, queryState, HeaderRow } from "../../components/ListFrame";
import { PageHeader, ScrollBox } from "../../components/Page";
import { useUrlFilters } from "../../components/useUrlFilters";
import { FilterPanel } from "../../components/FilterPanel";

type Run = Schemas["SyncRunOut"];
const PAGE_SIZE = 25;
const OUTCOMES = ["ok", "partial", "failed", "running"] as const;
const KINDS = ["pull", "push", "full_push"] as const;
const OUTCOME_COLOURS: Record<string, string> = { ok: "green", partial: "yellow", failed: "red", running: "blue" };

function RunIssues({ run }: { run: Run }) {
  const { t } = useTranslation();
  const errors = run.errors ?? [];
  const warnings = run.warnings ?? [];
  if (!run.error_message && errors.length === 0 && warnings.length === 0) return <>—</>;
  return (
    <Stack gap={2}>
      {run.error_message && (
        <Text size="xs" c="red.9">
          {run.error_kind ? `${run.error_kind}: ${run.error_message}` : run.error_message}
        </Text>
      )}
      {errors.length > 0 && (
        <List size="xs" data-testid="run-errors">
          {errors.map((e, i) => (
            <List.Item key={`e${i}`}>{`${t("channels.syncLog.error")}: ${issueText(e)}`}</List.Item>
          ))}
        </List>
      )}
      {warnings.length > 0 && (
        <List size="xs" data-testid="run-warnings">
          {warnings.map((w, i) => (
            <List.Item key={`w${i}`}>{`${t("channels.syncLog.warning")}: ${issueText(w)}`}</List.Item>
          ))}
        </List>
      )}
    </Stack>
  );
}

/** A property's sync runs, newest first: pulls, pushes and full pushes with their counts, errors
 * and warnings (a restriction an OTA cannot express); filtered by outcome, kind and connection. */
export default function SyncLog() {
  const { t, i18n } = useTranslation();
  const propertyId = Number(useParams().propertyId);
  const filters = useUrlFilters();
  const properties = useProperties();
  const zone = properties.timeZone(propertyId);
  const status = filters.get("status") as (typeof OUTCOMES)[number] | null;
  const kind = filters.get("kind") as (typeof KINDS)[number] | null;
  const connectionId = filters.id("connection_id");
  const query = { page: filters.page, page_size: PAGE_SIZE, ...(status ? { status } : {}), ...(kind ? { kind } : {}), ...(connectionId ? { connection_id: connectionId } : {}) };
  const runs = useQuery({
    queryKey: ["sync-runs", propertyId, query],
    queryFn: async () => unwrap(await api.GET("/properties/{property_id}/sync-runs", { params: { path: { property_id: propertyId }, query } })),
    placeholderData: keepPreviousData,
    refetchInterval: 10_000,
  });
  const connections = useQuery({
    queryKey: ["ota-connections", "of", propertyId],
    queryFn: async () => unwrap(await api.GET("/ota-connections", { params: { query: { property_id: propertyId, page_size: 50 } } })),
  });
  let body = queryState(runs, t("channels.syncLog.empty"), (page) => page.items.length === 0);
  if (!body && runs.data)
    body = (
      <>
        <ScrollBox label={t("channels.syncLog.title")}>
          <Table striped verticalSpacing="xs" miw={960} aria-busy={runs.isFetching}>
            <Table.Caption>{t("allotments.total", { count: runs.data.total })}</Table.Caption>
            <HeaderRow labels={[t("channels.syncLog.started"), t("channels.ota"), t("channels.syncLog.kind"), t("channels.syncLog.trigger"), t("channels.syncLog.outcome"), t("channels.syncLog.duration"), t("channels.syncLog.counts"), t("channels.syncLog.issues")]} />
            <Table.Tbody>
              {runs.data.items.map((run) => (
                <Table.Tr key={run.id} data-run-kind={run.kind} data-run-status={run.status}>
                  <Table.Td>{formatDateTime(run.started_at, i18n.language, zone)}</Table.Td>
                  <Table.Td>{run.ota}</Table.Td>
                  <Table.Td>{t(`channels.syncLog.kinds.${run.kind}`, run.kind)}</Table.Td>
                  <Table.Td>{t(`channels.syncLog.triggers.${run.trigger}`, run.trigger)}</Table.Td>
                  <Table.Td>
                    <Badge variant="dot" color={OUTCOME_COLOURS[run.status] ?? "gray"} styles={{ root: { color: "#212529", maxWidth: "none", flexShrink: 0 }, label: { overflow: "visible" } }}>
                      {t(`channels.syncLog.outcomes.${run.status}`, run.status)}
                    </Badge>
                  </Table.Td>
                  <Table.Td>{run.duration_ms === null ? "—" : t("channels.syncLog.ms", { count: run.duration_ms })}</Table.Td>
                  <Table.Td>
                    <Text size="xs">{countEntries(run.counts).map(([key, value]) => `${key} ${value}`).join(" · ") || "—"}</Text>
                  </Table.Td>
                  <Table.Td>
                    <RunIssues run={run} />
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </ScrollBox>
        <ListPagination pages={runs.data.pages} page={runs.data.page} onChange={(p) => filters.update({ page: String(p) })} />
      </>
    );
  return (
    <>
      <Anchor component={Link} to="/connections" size="sm">
        {t("channels.connection.back")}
      </Anchor>
      <PageHeader title={t("channels.syncLog.titleFor", { name: properties.name(propertyId) })} />
      <Text size="sm" c="dimmed" mb="md">
        {t("channels.syncLog.intro", { zone: zone ?? "UTC" })}
      </Text>
      <FilterPanel cols={{ base: 1, sm: 3 }}>
        <Select label={t("channels.syncLog.outcome")} data={OUTCOMES.map((s) => ({ value: s, label: t(`channels.syncLog.outcomes.${s}`) }))} value={status} onChange={(value) => filters.update({ status: value })} clearable />
        <Select label={t("channels.syncLog.kind")} data={KINDS.map((k) => ({ value: k, label: t(`channels.syncLog.kinds.${k}`) }))} value={kind} onChange={(value) => filters.update({ kind: value })} clearable />
        <Select
          label={t("channels.syncLog.connection")}
          data={(connections.data?.items ?? []).map((c) => ({ value: String(c.id), label: `${c.ota_name} · ${c.ota_hotel_id}` }))}
          value={connectionId ? String(connectionId) : null}
          onChange={(value) => filters.update({ connection_id: value })}
          clearable
        />
      </FilterPanel>
      {body}
    </>
  );
}
