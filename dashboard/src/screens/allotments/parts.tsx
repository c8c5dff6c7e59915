// Small pieces the allotment screens share.
import { Box, Group, Pagination, Paper, Select, SimpleGrid, Title } from "@mantine/core";
import type { UseQueryResult } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";

import { EmptyState, ErrorState, LoadingState } from "../../components/States";
import { StatusBadge } from "../../components/StatusBadge";
import { useProperties } from "../../components/useProperties";
import { useAgencyAccount } from "../portal/agencyAccount";
import { propertyOptions, useAgencies, useUrlFilters } from "./useAllotmentData";

const COLOURS: Record<string, string> = {
  active: "green",
  draft: "gray",
  suspended: "orange",
  closed: "red",
  ended: "red",
  to_invoice: "blue",
  cancelled: "red",
};

/** An agency, contract or sale order status with its translated label. */
export function TermStatus({ status }: { status: string }) {
  const { t } = useTranslation();
  return <StatusBadge status={{ code: status, label: t(`allotments.statuses.${status}`, status), colour: COLOURS[status] ?? "gray" }} />;
}

export function ListPagination({ pages, page, onChange }: { pages: number; page: number; onChange: (page: number) => void }) {
  const { t } = useTranslation();
  if (pages <= 1) return null;
  return (
    <Group justify="center" mt="md">
      <Pagination
        total={pages}
        value={page}
        onChange={onChange}
        getControlProps={(control) => ({ "aria-label": `${t("bookings.pagination")}: ${control}` })}
        getItemProps={(p) => ({ "aria-label": `${t("bookings.pagination")} ${p}` })}
      />
    </Group>
  );
}

/** A screen's title, with its main action (New …, Export) on the right. */
export function PageHeader({ title, action }: { title: string; action?: ReactNode }) {
  return (
    <Group justify="space-between" mb="md">
      <Title order={1} size="h2">
        {title}
      </Title>
      {action}
    </Group>
  );
}

/** What a query shows before its data: loading, the error (with retry), or the empty message;
 * null when there is data to show. */
export function queryState<T>(query: UseQueryResult<T>, emptyMessage: string, isEmpty: (data: T) => boolean): ReactNode | null {
  if (query.isPending) return <LoadingState />;
  if (query.isError) return <ErrorState error={query.error} onRetry={() => void query.refetch()} />;
  return isEmpty(query.data) ? <EmptyState message={emptyMessage} /> : null;
}

/** The filters shared by the contract and sale order lists: agency, property and status, kept in the URL.
 * An agency's account sees one agency, and no property list: status alone (and the search). */
export function TermFilters({ filters, statuses, children }: { filters: ReturnType<typeof useUrlFilters>; statuses: readonly string[]; children?: ReactNode }) {
  const { t } = useTranslation();
  const portal = useAgencyAccount() !== null;
  const agencies = useAgencies();
  const properties = useProperties();
  const status = <StatusSelect statuses={statuses} value={filters.get("status")} onChange={(value) => filters.update({ status: value })} />;
  if (portal)
    return (
      <Paper withBorder p="md" mb="md" component="section" aria-label={t("bookings.filters")}>
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
          {children}
          {status}
        </SimpleGrid>
      </Paper>
    );
  return (
    <Paper withBorder p="md" mb="md" component="section" aria-label={t("bookings.filters")}>
      <SimpleGrid cols={{ base: 1, sm: children ? 2 : 3, lg: children ? 4 : 3 }} spacing="sm">
        {children}
        <Select
          label={t("allotments.agency")}
          data={agencies.options}
          value={filters.get("agency_id")}
          onChange={(value) => filters.update({ agency_id: value })}
          clearable
          searchable
        />
        <Select
          label={t("bookings.property")}
          data={propertyOptions(properties.items)}
          value={filters.get("property_id")}
          onChange={(value) => filters.update({ property_id: value })}
          clearable
          searchable
        />
        {status}
      </SimpleGrid>
    </Paper>
  );
}

export function StatusSelect({ statuses, value, onChange }: { statuses: readonly string[]; value: string | null; onChange: (value: string | null) => void }) {
  const { t } = useTranslation();
  return (
    <Select
      label={t("allotments.status")}
      data={statuses.map((s) => ({ value: s, label: t(`allotments.statuses.${s}`) }))}
      value={value}
      onChange={onChange}
      clearable
    />
  );
}

/** The API's YYYY-MM-DD for a picked date (the picker's Date is local midnight). */
export function isoDate(value: Date | string | null): string | null {
  if (!value) return null;
  if (typeof value === "string") return value.slice(0, 10);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${value.getFullYear()}-${pad(value.getMonth() + 1)}-${pad(value.getDate())}`;
}

export function pickerDate(iso: string | null | undefined): Date | null {
  if (!iso) return null;
  const [y = 1970, m = 1, d = 1] = iso.split("-").map(Number);
  return new Date(y, m - 1, d);
}

/** The "Allotments" navigation group: each screen shown to those with its permission. */
export const ALLOTMENT_NAVIGATION: { to: string; label: string; permission: string }[] = [
  { to: "/agencies", label: "allotments.nav.agencies", permission: "AGENCIES_READ" },
  { to: "/contracts", label: "allotments.nav.contracts", permission: "CONTRACTS_READ" },
  { to: "/allotments", label: "allotments.nav.calendar", permission: "CONTRACTS_READ" },
  { to: "/sale-orders", label: "allotments.nav.saleOrders", permission: "CONTRACTS_READ" },
  { to: "/hardblock-pick-up", label: "hardblockPickup.nav.report", permission: "CONTRACTS_READ" },
  { to: "/hardblock-rooming-list", label: "hardblockPickup.nav.rooming", permission: "BOOKINGS_CREATE" },
];

/** A box that scrolls sideways when its table is wider than the screen; focusable, so the
 * keyboard can scroll it too (axe: scrollable-region-focusable). */
export function ScrollBox({ label, children }: { label: string; children: ReactNode }) {
  return (
    <Box role="region" aria-label={label} tabIndex={0} mb="sm" style={{ overflowX: "auto" }}>
      {children}
    </Box>
  );
}
