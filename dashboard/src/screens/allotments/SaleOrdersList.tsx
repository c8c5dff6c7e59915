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
import { TermFilters, TermStatus } from "./parts";
import { useAgencies, useRoomTypes } from "./useAllotmentData";
import { notifyError } from "../../components/notify";
import { ListPagination, queryState } from "../../components/ListFrame";
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
      <Table.Thead>
        <Table.Tr>
          <Table.Th scope="col">{t("allotments.night")}</Table.Th>
          <Table.Th scope="col">{t("allotments.roomType")}</Table.Th>
          <Table.Th scope="col" style={{ textAlign: "right" }}>
            {t("allotments.seasons.rooms")}
          </Table.Th>
          <Table.Th scope="col" style={{ textAlign: "right" }}>
            {t("allotments.calendar.rate")}
          </Table.Th>
          <Table.Th scope="col" style={{ textAlign: "right" }}>
            {t("bookings.amount")}
          </Table.Th>
        </Table.Tr>
      </Table.Thead>
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
  const status = filters.get("status") as SaleOrder["status"] | null;
  const filterQuery = {
    ...(filters.id("agency_id") ? { agency_id: filters.id("agency_id") } : {}),
    ...(filters.id("property_id") ? { property_id: filters.id("property_id") } : {}),
    ...(status ? { status } : {}),
  };
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

  let body = queryState(orders, t("allotments.saleOrders.empty"), (page) => page.items.length === 0);
  if (!body && orders.data)
    body = (
      <>
        <Table.ScrollContainer minWidth={820}>
          <Table striped verticalSpacing="xs" aria-busy={orders.isFetching}>
            <Table.Caption>{t("allotments.total", { count: orders.data.total })}</Table.Caption>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">{t("allotments.saleOrders.number")}</Table.Th>
                {!portal && <Table.Th scope="col">{t("allotments.agency")}</Table.Th>}
                <Table.Th scope="col">{t("bookings.property")}</Table.Th>
                <Table.Th scope="col">{t("bookings.reference")}</Table.Th>
                <Table.Th scope="col">{t("allotments.saleOrders.confirmedAt")}</Table.Th>
                <Table.Th scope="col">{t("allotments.status")}</Table.Th>
                <Table.Th scope="col" style={{ textAlign: "right" }}>
                  {t("allotments.saleOrders.total")}
                </Table.Th>
                <Table.Th scope="col">{t("allotments.saleOrders.lines")}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {orders.data.items.map((order) => (
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
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
        <ListPagination pages={orders.data.pages} page={orders.data.page} onChange={(p) => filters.update({ page: String(p) })} />
      </>
    );

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
      {body}
    </>
  );
}
