import { Anchor, Table, Text } from "@mantine/core";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";

import type { Schemas } from "../api/client";
import { formatDateTime, formatMoney, formatStay } from "./format";
import { StatusBadge } from "./StatusBadge";
import { useProperties } from "./useProperties";

/** A booking as the list (BookingSummaryOut) and Home's recent bookings (RecentBookingOut) both have it. */
export type BookingRow = Pick<
  Schemas["BookingSummaryOut"],
  "id" | "reference" | "property_id" | "property_name" | "guest_name" | "channel" | "check_in" | "check_out" | "booked_at" | "currency"
> & {
  ota_code?: string | null;
  source?: string;
  status: Schemas["StatusOut"] | string;
  total_amount: string | null;
};

export type BookingColumn = "reference" | "guest" | "property" | "channel" | "stay" | "bookedAt" | "status" | "amount";

interface Props {
  rows: BookingRow[];
  columns: BookingColumn[];
  /** Guest and channel under the reference (a narrow table without their own columns). */
  compact?: boolean;
  caption?: ReactNode;
  busy?: boolean;
  minWidth?: number;
}

const HEADINGS: Record<BookingColumn, string> = {
  reference: "bookings.reference",
  guest: "bookings.guest",
  property: "bookings.property",
  channel: "bookings.channel",
  stay: "bookings.stay",
  bookedAt: "booking.bookedAt",
  status: "bookings.status",
  amount: "bookings.amount",
};

const NO_WRAP = { whiteSpace: "nowrap" } as const;
const RIGHT = { textAlign: "right" } as const;

/** The bookings table of the list and of Home: a link per reference, times in the property's zone. */
export function BookingsTable({ rows, columns, compact = false, caption, busy, minWidth = 720 }: Props) {
  const { t, i18n } = useTranslation();
  const properties = useProperties();
  const channel = (b: BookingRow) => t(`bookings.channels.${b.ota_code ?? b.source ?? b.channel}`, b.channel);
  const cell = (b: BookingRow, column: BookingColumn): ReactNode => {
    switch (column) {
      case "reference":
        return (
          <Table.Td style={NO_WRAP} key={column}>
            <Anchor component={Link} to={`/bookings/${b.id}`} fw={500} size={compact ? "sm" : undefined}>
              {b.reference}
            </Anchor>
            {compact && (
              <Text size="xs" c="dimmed">
                {b.guest_name} · {channel(b)}
              </Text>
            )}
          </Table.Td>
        );
      case "guest":
        return <Table.Td key={column}>{b.guest_name ?? <Text c="dimmed">{t("bookings.hidden")}</Text>}</Table.Td>;
      case "property":
        return <Table.Td key={column}>{b.property_name}</Table.Td>;
      case "channel":
        return <Table.Td key={column}>{channel(b)}</Table.Td>;
      case "stay":
        return (
          <Table.Td style={NO_WRAP} key={column}>
            {formatStay(b.check_in, b.check_out, i18n.language)}
          </Table.Td>
        );
      case "bookedAt":
        return (
          <Table.Td style={NO_WRAP} data-booked-at key={column}>
            {formatDateTime(b.booked_at, i18n.language, properties.timeZone(b.property_id))}
          </Table.Td>
        );
      case "status":
        return (
          <Table.Td style={NO_WRAP} key={column}>
            {typeof b.status === "string" ? b.status : <StatusBadge status={b.status} />}
          </Table.Td>
        );
      case "amount":
        return (
          <Table.Td style={RIGHT} key={column}>
            {b.total_amount === null ? "—" : formatMoney(b.total_amount, b.currency, i18n.language)}
          </Table.Td>
        );
    }
  };
  return (
    <Table.ScrollContainer minWidth={minWidth}>
      <Table striped highlightOnHover verticalSpacing="xs" aria-busy={busy}>
        {caption && <Table.Caption>{caption}</Table.Caption>}
        <Table.Thead>
          <Table.Tr>
            {columns.map((column) => (
              <Table.Th scope="col" key={column} style={column === "amount" ? RIGHT : undefined}>
                {t(HEADINGS[column])}
              </Table.Th>
            ))}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((b) => (
            <Table.Tr key={b.id} data-reference={b.reference}>
              {columns.map((column) => cell(b, column))}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
