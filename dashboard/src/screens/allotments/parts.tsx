// Small pieces the allotment screens share.
import { Box, Group, Pagination, Text } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";

import { StatusBadge } from "../../components/StatusBadge";

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

export function Field({ label, value }: { label: string; value: ReactNode }) {
  return (
    <div>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text size="sm">{value || "—"}</Text>
    </div>
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
];

/** A passing notice (saved, added, failed); its close button has a name, which Mantine's lacks. */
export function notify(message: string, closeLabel: string, color: "green" | "red" = "green", title?: string) {
  notifications.show({ color, message, title, closeButtonProps: { "aria-label": closeLabel } });
}

/** A box that scrolls sideways when its table is wider than the screen; focusable, so the
 * keyboard can scroll it too (axe: scrollable-region-focusable). */
export function ScrollBox({ label, children }: { label: string; children: ReactNode }) {
  return (
    <Box role="region" aria-label={label} tabIndex={0} mb="sm" style={{ overflowX: "auto" }}>
      {children}
    </Box>
  );
}
