import { Button, Select, Table, Tabs, Text, TextInput } from "@mantine/core";
import { keepPreviousData, useQuery, type UseQueryResult } from "@tanstack/react-query";
import { type ReactNode, useState } from "react";
import { useTranslation } from "react-i18next";

import { api, type Schemas } from "../../api/client";
import { unwrap } from "../../api/errors";
import { useSession } from "../../auth/session";
import { formatDateTime } from "../../components/format";
import { EmptyState } from "../../components/States";
import { AuditDiff } from "./AuditDiff";
import { splitAction } from "./diff";
import { HeaderRow } from "../../components/ListFrame";
import { ListPagination, queryState } from "../../components/ListFrame";
import { PageHeader } from "../../components/Page";
import { useUrlFilters } from "../../components/useUrlFilters";
import { FilterPanel } from "../../components/FilterPanel";

type Filters = ReturnType<typeof useUrlFilters>;
const PAGE_SIZE = 25;
const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;
const OBJECT_TYPES = ["user", "role", "booking", "booking_status", "booking_transition", "property", "room_type", "rate_plan", "ota_account", "ota_connection", "settings", "supplier", "contract", "agency"];

/** A local date-time field's value as the API's ISO 8601 instant (null when empty). */
function instant(value: string | null): string | null {
  if (!value) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

function pick<K extends string>(filters: Filters, keys: readonly K[]): Partial<Record<K, string>> {
  return Object.fromEntries(keys.flatMap((k) => (filters.get(k) ? [[k, filters.get(k)!]] : []))) as Partial<Record<K, string>>;
}

/** The page, its size and the time window: what both lists ask the API for. */
function pageQuery(filters: Filters) {
  const [since, until] = [instant(filters.get("since")), instant(filters.get("until"))];
  return { page: filters.page, page_size: PAGE_SIZE, ...(since ? { since } : {}), ...(until ? { until } : {}) };
}

interface PageOf<T> {
  items: T[];
  total: number;
  page: number;
  pages: number;
}

interface LogListProps<T> {
  filters: Filters;
  result: UseQueryResult<PageOf<T>>;
  empty: string;
  fields: ReactNode;
  headers: string[];
  rows: (items: T[]) => ReactNode;
}

/** A log's filters (its own fields, then the time window) over its table and pages. */
function LogList<T>({ filters, result, empty, fields, headers, rows }: LogListProps<T>) {
  const { t } = useTranslation();
  const state = queryState(result, empty, (page) => page.items.length === 0);
  return (
    <>
      <FilterPanel cols={{ base: 1, sm: 3 }}>
        {fields}
        <TextInput label={t("audit.since")} type="datetime-local" value={filters.get("since") ?? ""} onChange={(e) => filters.update({ since: e.currentTarget.value || null })} />
        <TextInput label={t("audit.until")} type="datetime-local" value={filters.get("until") ?? ""} onChange={(e) => filters.update({ until: e.currentTarget.value || null })} />
      </FilterPanel>
      {state ??
        (result.data && (
          <>
            <Table.ScrollContainer minWidth={860}>
              <Table verticalSpacing="xs" aria-busy={result.isFetching}>
                <Table.Caption>{t("allotments.total", { count: result.data.total })}</Table.Caption>
                <HeaderRow labels={headers} />
                <Table.Tbody>{rows(result.data.items)}</Table.Tbody>
              </Table>
            </Table.ScrollContainer>
            <ListPagination pages={result.data.pages} page={result.data.page} onChange={(p) => filters.update({ page: String(p) })} />
          </>
        ))}
    </>
  );
}

function useUserOptions() {
  const { can } = useSession();
  const users = useQuery({
    queryKey: ["users", "options"],
    queryFn: async () => unwrap(await api.GET("/users", { params: { query: { page_size: 100 } } })).items,
    enabled: can("USERS_READ"),
  });
  return (users.data ?? []).map((u) => ({ value: String(u.id), label: `${u.full_name} (${u.email})` }));
}

function AuditRow({ row, expanded, onToggle }: { row: Schemas["AuditOut"]; expanded: boolean; onToggle: () => void }) {
  const { t, i18n } = useTranslation();
  const [object, verb] = splitAction(row.action);
  return (
    <>
      <Table.Tr data-audit={row.action} data-entity={`${row.entity_type}:${row.entity_id}`}>
        <Table.Td>{formatDateTime(row.occurred_at, i18n.language)}</Table.Td>
        <Table.Td>{row.actor_email || t("audit.system")}</Table.Td>
        <Table.Td>{t(`audit.verbs.${verb}`, { defaultValue: verb || row.action })}</Table.Td>
        <Table.Td>{`${object === row.entity_type ? row.entity_type : `${row.entity_type} (${object})`} #${row.entity_id}`}</Table.Td>
        <Table.Td>{row.changed_fields.join(", ") || "—"}</Table.Td>
        <Table.Td>
          <Button size="xs" variant="light" aria-expanded={expanded} onClick={onToggle}>
            {t(expanded ? "audit.hideChanges" : "audit.showChanges")}
          </Button>
        </Table.Td>
      </Table.Tr>
      {expanded && (
        <Table.Tr>
          <Table.Td colSpan={6}>
            <AuditDiff before={row.before} after={row.after} caption={t("audit.diffCaption", { action: row.action, id: row.entity_id })} />
            {row.request_id && (
              <Text size="xs" c="dimmed" mt={4}>
                {t("common.requestId", { id: row.request_id })}
              </Text>
            )}
          </Table.Td>
        </Table.Tr>
      )}
    </>
  );
}

function AuditTrail({ filters }: { filters: Filters }) {
  const { t } = useTranslation();
  const users = useUserOptions();
  const [open, setOpen] = useState<number | null>(null);
  const actor = filters.id("actor_user_id");
  const query = { ...pageQuery(filters), ...pick(filters, ["action", "entity_type", "entity_id"] as const), ...(actor ? { actor_user_id: actor } : {}) };
  const result = useQuery({ queryKey: ["audit-log", query], queryFn: async () => unwrap(await api.GET("/audit-log", { params: { query } })), placeholderData: keepPreviousData });
  const fields = (
    <>
      {users.length > 0 ? (
        <Select label={t("audit.user")} data={users} value={filters.get("actor_user_id")} onChange={(v) => filters.update({ actor_user_id: v })} clearable searchable />
      ) : (
        <TextInput label={t("audit.userId")} inputMode="numeric" value={filters.get("actor_user_id") ?? ""} onChange={(e) => filters.update({ actor_user_id: e.currentTarget.value.replace(/\D/g, "") || null })} />
      )}
      <TextInput label={t("audit.action")} description={t("audit.actionHelp")} value={filters.get("action") ?? ""} onChange={(e) => filters.update({ action: e.currentTarget.value.trim() || null })} />
      <Select label={t("audit.objectType")} data={OBJECT_TYPES} value={filters.get("entity_type")} onChange={(v) => filters.update({ entity_type: v })} clearable searchable />
      <TextInput label={t("audit.objectId")} value={filters.get("entity_id") ?? ""} onChange={(e) => filters.update({ entity_id: e.currentTarget.value.trim() || null })} />
    </>
  );
  return (
    <LogList
      filters={filters}
      result={result}
      empty={t("audit.empty")}
      fields={fields}
      headers={["when", "who", "action", "object", "changedFields", "details"].map((key) => t(`audit.${key}`))}
      rows={(items) => items.map((row) => <AuditRow key={row.id} row={row} expanded={open === row.id} onToggle={() => setOpen(open === row.id ? null : row.id)} />)}
    />
  );
}

function ActivityLog({ filters }: { filters: Filters }) {
  const { t, i18n } = useTranslation();
  const status = Number(filters.get("status_code"));
  const query = {
    ...pageQuery(filters),
    ...pick(filters, ["email", "path_prefix"] as const),
    ...(filters.get("method") ? { method: filters.get("method") as (typeof METHODS)[number] } : {}),
    ...(status >= 100 && status <= 599 ? { status_code: status } : {}),
  };
  const result = useQuery({ queryKey: ["activity-log", query], queryFn: async () => unwrap(await api.GET("/activity-log", { params: { query } })), placeholderData: keepPreviousData });
  const fields = (
    <>
      <TextInput label={t("audit.email")} value={filters.get("email") ?? ""} onChange={(e) => filters.update({ email: e.currentTarget.value.trim() || null })} />
      <Select label={t("audit.method")} data={[...METHODS]} value={filters.get("method")} onChange={(v) => filters.update({ method: v })} clearable />
      <TextInput label={t("audit.statusCode")} inputMode="numeric" value={filters.get("status_code") ?? ""} onChange={(e) => filters.update({ status_code: e.currentTarget.value.replace(/\D/g, "") || null })} />
      <TextInput label={t("audit.pathPrefix")} placeholder="/api/bookings" value={filters.get("path_prefix") ?? ""} onChange={(e) => filters.update({ path_prefix: e.currentTarget.value.trim() || null })} />
    </>
  );
  return (
    <LogList
      filters={filters}
      result={result}
      empty={t("audit.activityEmpty")}
      fields={fields}
      headers={["when", "who", "request", "statusCode", "duration", "client"].map((key) => t(`audit.${key}`))}
      rows={(items) =>
        items.map((row) => (
          <Table.Tr key={row.id}>
            <Table.Td>{formatDateTime(row.occurred_at, i18n.language)}</Table.Td>
            <Table.Td>{row.email ?? t("audit.anonymous")}</Table.Td>
            <Table.Td style={{ wordBreak: "break-all" }}>{`${row.method} ${row.path}`}</Table.Td>
            <Table.Td>{row.status_code}</Table.Td>
            <Table.Td>{t("audit.ms", { value: Math.round(row.duration_ms) })}</Table.Td>
            <Table.Td>{row.client_ip ?? "—"}</Table.Td>
          </Table.Tr>
        ))
      }
    />
  );
}

export default function Audit() {
  const { t } = useTranslation();
  const { can } = useSession();
  const filters = useUrlFilters();
  if (!can("AUDIT_READ")) return <EmptyState message={t("setup.notAllowed")} />;
  const tab = filters.get("tab") === "activity" ? "activity" : "trail";
  return (
    <>
      <PageHeader title={t("audit.title")} />
      <Text size="sm" c="dimmed" mb="sm">
        {t("audit.intro")}
      </Text>
      <Tabs value={tab} onChange={(value) => filters.update({ tab: value === "activity" ? "activity" : null })} keepMounted={false}>
        <Tabs.List mb="md">
          <Tabs.Tab value="trail">{t("audit.trail")}</Tabs.Tab>
          <Tabs.Tab value="activity">{t("audit.activity")}</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="trail">
          <AuditTrail filters={filters} />
        </Tabs.Panel>
        <Tabs.Panel value="activity">
          <ActivityLog filters={filters} />
        </Tabs.Panel>
      </Tabs>
    </>
  );
}
