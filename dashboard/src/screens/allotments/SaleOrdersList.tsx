import { Anchor, Button, Table, Text } from "@mantine/core";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { Fragment, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";

import { api, type Schemas } from "../../api/client";
import { ApiError, unwrap } from "../../api/errors";
import { formatDate, formatDateTime, formatMoney } from "../../components/format";
import { useProperties } from "../../components/useProperties";
import { useAgencyAccount } from "../portal/agencyAccount";
import { TermFilters, TermStatus, termQuery } from "./parts";
import { useAgencies, useRoomTypes } from "./useAllotmentData";
import { notifyError } from "../../components/notify";
import { PagedTable, type Column, HeaderRow } from "../../components/ListFrame";
import { PageHeader } from "../../components/Page";
import { useUrlFilters } from "../../components/useUrlFilters";

type SaleOrder = Schemas["SaleOrderOut"];
const PAGE_SIZE = 25;
const STATUSES = ["to_invoice", "cancelled"] as const;

/** Saves a Blob as a file (the CSV came through the app's authed fetch, so a plain link would not do). */
function saveBlob(blob: Blob, filename: string) {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1_000);
}

function SaleOrderLines({ order }: { order: SaleOrder }) {
  const { t, i18n } = useTranslation();
  const roomTypes = useRoomTypes(order.property_id);
  return (
    <Table verticalSpacing={2} fz="sm" withTableBorder>
      <Table.Caption style={{ captionSide: "top", textAlign: "left" }}>{t("allotments.saleOrders.linesOf", { number: order.number })}</Table.Caption>
      <HeaderRow
        labels={[
          t("allotments.night"),
          t("allotments.roomType"),
          { label: t("allotments.seasons.rooms"), numeric: true },
          { label: t("allotments.calendar.rate"), numeric: true },
          { label: t("bookings.amount"), numeric: true },
        ]}
      />
      <Table.Tbody>
        {order.lines.map((line) => (
          <Table.Tr key={`${line.night}-${line.room_type_id}`}>
            <Table.Td>{formatDate(line.night, i18n.language)}</Table.Td>
            <Table.Td>{roomTypes.name(line.room_type_id)}</Table.Td>
            <Table.Td style={{ textAlign: "right" }}>{line.rooms}</Table.Td>
            <Table.Td style={{ textAlign: "right" }}>{formatMoney(line.rate, order.currency, i18n.language)}</Table.Td>
            <Table.Td style={{ textAlign: "right" }}>{formatMoney(line.amount, order.currency, i18n.language)}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

export default function SaleOrdersList() {
  const { t, i18n } = useTranslation();
  // An agency's account: its own orders (no agency column), and no staff booking screen to link to.
  const portal = useAgencyAccount() !== null;
  const filters = useUrlFilters();
  const agencies = useAgencies();
  const properties = useProperties();
  const [open, setOpen] = useState<number | null>(null);
  const [exporting, setExporting] = useState(false);
  const filterQuery = termQuery<SaleOrder["status"]>(filters);
  const query = { page: filters.page, page_size: PAGE_SIZE, ...filterQuery };
  const orders = useQuery({
    queryKey: ["sale-orders", query],
    queryFn: async () => unwrap(await api.GET("/sale-orders", { params: { query } })),
    placeholderData: keepPreviousData,
  });

  const exportCsv = async () => {
    setExporting(true);
    try {
      const result = await api.GET("/sale-orders.csv", { params: { query: filterQuery }, parseAs: "blob" });
      if (!result.response.ok) throw new ApiError(result.response.status, result.error);
      saveBlob(result.data as Blob, "sale-orders.csv");
    } catch (error) {
      notifyError(error instanceof Error ? error.message : String(error));
    } finally {
      setExporting(false);
    }
  };

  const columns: Column[] = [t("allotments.saleOrders.number"), !portal && t("allotments.agency"), t("bookings.property"), t("bookings.reference"), t("allotments.saleOrders.confirmedAt"), t("allotments.status"), { label: t("allotments.saleOrders.total"), numeric: true }, t("allotments.saleOrders.lines")];
  const rows = (items: SaleOrder[]) =>
    items.map((order) => (
      <Fragment key={order.id}>
        <Table.Tr data-sale-order={order.number}>
          <Table.Td fw={500} style={{ whiteSpace: "nowrap" }}>
            {order.number}
          </Table.Td>
          {!portal && <Table.Td>{agencies.name(order.agency_id)}</Table.Td>}
          <Table.Td>{properties.name(order.property_id)}</Table.Td>
          <Table.Td>
            {portal ? (
              order.booking_reference
            ) : (
              <Anchor component={Link} to={`/bookings/${order.booking_id}`}>
                {order.booking_reference}
              </Anchor>
            )}
          </Table.Td>
          <Table.Td style={{ whiteSpace: "nowrap" }}>{formatDateTime(order.confirmed_at, i18n.language, properties.timeZone(order.property_id))}</Table.Td>
          <Table.Td>
            <TermStatus status={order.status} />
          </Table.Td>
          <Table.Td style={{ textAlign: "right", whiteSpace: "nowrap" }}>{formatMoney(order.total, order.currency, i18n.language)}</Table.Td>
          <Table.Td>
            <Button
              size="xs"
              variant="subtle"
              aria-expanded={open === order.id}
              aria-controls={`sale-order-lines-${order.id}`}
              onClick={() => setOpen(open === order.id ? null : order.id)}
            >
              {open === order.id ? t("allotments.saleOrders.hideLines") : t("allotments.saleOrders.showLines", { count: order.lines.length })}
            </Button>
          </Table.Td>
        </Table.Tr>
        {open === order.id && (
          <Table.Tr id={`sale-order-lines-${order.id}`}>
            <Table.Td colSpan={portal ? 7 : 8}>
              <SaleOrderLines order={order} />
            </Table.Td>
          </Table.Tr>
        )}
      </Fragment>
    ));

  return (
    <>
      <PageHeader
        title={t("allotments.saleOrders.title")}
        action={
          <Button variant="default" loading={exporting} onClick={() => void exportCsv()}>
            {t("allotments.saleOrders.export")}
          </Button>
        }
      />
      <TermFilters filters={filters} statuses={STATUSES} />
      <Text size="xs" c="dimmed" mb="sm">
        {t("allotments.saleOrders.exportHelp")}
      </Text>
      <PagedTable query={orders} hover={false} empty={t("allotments.saleOrders.empty")} minWidth={820} columns={columns} rows={rows} onPage={(p) => filters.update({ page: String(p) })} />
    </>
  );
}
