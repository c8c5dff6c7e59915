// Small pieces the allotment screens share.
import { Select } from "@mantine/core";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";

import { FilterPanel, FilterSelect } from "../../components/FilterPanel";
import { StatusBadge } from "../../components/StatusBadge";
import { useProperties } from "../../components/useProperties";
import { useAgencyAccount } from "../portal/agencyAccount";
import { propertyOptions, useAgencies } from "./useAllotmentData";
import type { UrlFilters } from "../../components/useUrlFilters";

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

/** The agency, property and status filters in the URL, as a list's API query (those set). */
export function termQuery<Status extends string>(filters: UrlFilters) {
  const status = filters.get("status") as Status | null;
  return {
    ...(filters.id("agency_id") ? { agency_id: filters.id("agency_id") } : {}),
    ...(filters.id("property_id") ? { property_id: filters.id("property_id") } : {}),
    ...(status ? { status } : {}),
  };
}

/** The filters shared by the contract and sale order lists: agency, property and status, kept in the URL.
 * An agency's account sees one agency, and no property list: status alone (and the search). */
export function TermFilters({ filters, statuses, children }: { filters: UrlFilters; statuses: readonly string[]; children?: ReactNode }) {
  const portal = useAgencyAccount() !== null;
  const status = <StatusSelect statuses={statuses} value={filters.get("status")} onChange={(value) => filters.update({ status: value })} />;
  if (portal)
    return (
      <FilterPanel cols={{ base: 1, sm: 2 }}>
        {children}
        {status}
      </FilterPanel>
    );
  return (
    <FilterPanel cols={{ base: 1, sm: children ? 2 : 3, lg: children ? 4 : 3 }}>
      {children}
      <AgencyPropertyFilters filters={filters} />
      {status}
    </FilterPanel>
  );
}

/** The agency and property filters (searchable choices kept in the URL) of the allotment and hardblock lists. */
export function AgencyPropertyFilters({ filters }: { filters: UrlFilters }) {
  const { t } = useTranslation();
  const agencies = useAgencies();
  const properties = useProperties();
  return (
    <>
      <FilterSelect filters={filters} param="agency_id" label={t("allotments.agency")} data={agencies.options} searchable />
      <FilterSelect filters={filters} param="property_id" label={t("bookings.property")} data={propertyOptions(properties.items)} searchable />
    </>
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
