// The hardblock pick-up report: pick-up % and wash per block and per agency, and the blocks cutting off soon.
import { Badge, Button, Paper, Select, Table, Text, TextInput, Title } from "@mantine/core";
import { keepPreviousData, useMutation, useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";

import { api, type Schemas } from "../../../api/client";
import { saveBlob } from "../../../api/download";
import { unwrap } from "../../../api/errors";
import { formatDate, formatPercent, localDate } from "../../../components/format";
import { useProperties } from "../../../components/useProperties";
import { propertyOptions, useAgencies } from "../../allotments/useAllotmentData";
import { notifyError } from "../../../components/notify";
import { PageHeader, ScrollBox } from "../../../components/Page";
import { queryState, HeaderRow } from "../../../components/ListFrame";
import { useUrlFilters } from "../../../components/useUrlFilters";
import { FilterPanel } from "../../../components/FilterPanel";

type BlockRow = Schemas["BlockPickUpOut"];

function plusDays(iso: string, days: number): string {
  const day = new Date(`${iso}T00:00:00Z`);
  day.setUTCDate(day.getUTCDate() + days);
  return day.toISOString().slice(0, 10);
}

/** A percentage the API gives as "44.4" (of 100). */
function percent(value: string, language: string): string {
  return formatPercent(Number(value) / 100, language);
}

function CuttingOff() {
  const { t, i18n } = useTranslation();
  const agencies = useAgencies();
  const soon = useQuery({
    queryKey: ["hardblocks", "cutting-off"],
    queryFn: async () => unwrap(await api.GET("/hardblocks/cutting-off", { params: { query: { days: 7 } } })),
  });
  const body = queryState(soon, t("hardblockPickup.cuttingOff.empty"), (rows) => rows.length === 0);
  return (
    <Paper withBorder p="md" mb="md" component="section" aria-labelledby="cutting-off-title">
      <Title order={2} size="h4" id="cutting-off-title" mb="xs">
        {t("hardblockPickup.cuttingOff.title")}
      </Title>
      <Text size="sm" c="dimmed" mb="sm">
        {t("hardblockPickup.cuttingOff.help")}
      </Text>
      {body ??
        (soon.data && (
          <Table verticalSpacing="xs">
            <HeaderRow labels={[t("hardblockPickup.block"), t("hardblockPickup.cutOff"), { label: t("hardblockPickup.freeRooms"), numeric: true }, { label: t("hardblockPickup.pickedUp"), numeric: true }]} />
            <Table.Tbody>
              {soon.data.map((row) => (
                <Table.Tr key={row.block_id}>
                  <Table.Td>{`#${row.block_id} ${row.agency_id ? agencies.name(row.agency_id) : row.group_name}`}</Table.Td>
                  <Table.Td>
                    {formatDate(row.cut_off_date, i18n.language)}{" "}
                    <Badge size="sm" color={row.days_left <= 1 ? "red" : "yellow"} variant="light">
                      {t("hardblockPickup.daysLeft", { count: row.days_left })}
                    </Badge>
                  </Table.Td>
                  <Table.Td style={{ textAlign: "right" }}>{row.free_rooms}</Table.Td>
                  <Table.Td style={{ textAlign: "right" }}>{row.picked_up}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        ))}
    </Paper>
  );
}

export default function PickUpReport() {
  const { t, i18n } = useTranslation();
  const filters = useUrlFilters();
  const properties = useProperties();
  const agencies = useAgencies();
  const today = localDate(new Date());
  const dateFrom = filters.get("date_from") ?? today;
  const dateTo = filters.get("date_to") ?? plusDays(today, 30);
  const query = {
    date_from: dateFrom,
    date_to: dateTo,
    ...(filters.id("property_id") ? { property_id: filters.id("property_id") } : {}),
  };
  const report = useQuery({
    queryKey: ["hardblocks", "pick-up-report", query],
    queryFn: async () => unwrap(await api.GET("/hardblocks/pick-up-report", { params: { query } })),
    placeholderData: keepPreviousData,
  });

  const exportCsv = useMutation({
    mutationFn: async () => unwrap(await api.GET("/hardblocks/pick-up-report/export", { params: { query }, parseAs: "blob" })),
    onSuccess: (blob) => saveBlob(blob as Blob, "hardblock-pick-up.csv"),
    onError: (error) => notifyError(error.message),
  });

  const who = (row: { agency_id?: number | null; group_name?: string }) => (row.agency_id ? agencies.name(row.agency_id) : row.group_name || t("hardblockPickup.group"));
  let body = queryState(report, t("hardblockPickup.report.empty"), (data) => data.blocks.length === 0);
  if (!body && report.data)
    body = (
      <>
        <ScrollBox label={t("hardblockPickup.report.byBlock")}>
          <Table striped verticalSpacing="xs" aria-busy={report.isFetching} miw={820}>
            <Table.Caption>{t("hardblockPickup.report.byBlock")}</Table.Caption>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">{t("hardblockPickup.block")}</Table.Th>
                <Table.Th scope="col">{t("hardblockPickup.status")}</Table.Th>
                <Table.Th scope="col">{t("hardblockPickup.cutOff")}</Table.Th>
                {(["held", "pickedUp", "washed", "available", "pickUpPercent", "washPercent"] as const).map((key) => (
                  <Table.Th scope="col" key={key} style={{ textAlign: "right" }}>
                    {t(`hardblockPickup.${key}`)}
                  </Table.Th>
                ))}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {report.data.blocks.map((row: BlockRow) => (
                <Table.Tr key={row.block_id} data-block={row.block_id}>
                  <Table.Td>{`#${row.block_id} ${who(row)}`}</Table.Td>
                  <Table.Td>{t(`hardblockPickup.statuses.${row.status}`)}</Table.Td>
                  <Table.Td>{formatDate(row.cut_off_date, i18n.language)}</Table.Td>
                  <Table.Td style={{ textAlign: "right" }}>{row.held}</Table.Td>
                  <Table.Td style={{ textAlign: "right" }}>{row.picked_up}</Table.Td>
                  <Table.Td style={{ textAlign: "right" }}>{row.washed}</Table.Td>
                  <Table.Td style={{ textAlign: "right" }}>{row.available}</Table.Td>
                  <Table.Td style={{ textAlign: "right" }}>{percent(row.pick_up_percent, i18n.language)}</Table.Td>
                  <Table.Td style={{ textAlign: "right" }}>{percent(row.wash_percent, i18n.language)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </ScrollBox>
        <Table striped verticalSpacing="xs" mt="md">
          <Table.Caption>{t("hardblockPickup.report.byAgency")}</Table.Caption>
          <HeaderRow labels={[t("hardblockPickup.agency"), { label: t("hardblockPickup.blocks"), numeric: true }, { label: t("hardblockPickup.pickUpPercent"), numeric: true }, { label: t("hardblockPickup.washPercent"), numeric: true }]} />
          <Table.Tbody>
            {report.data.agencies.map((row) => (
              <Table.Tr key={row.agency_id ?? "groups"}>
                <Table.Td>{row.agency_id ? agencies.name(row.agency_id) : t("hardblockPickup.groups")}</Table.Td>
                <Table.Td style={{ textAlign: "right" }}>{row.blocks}</Table.Td>
                <Table.Td style={{ textAlign: "right" }}>{percent(row.pick_up_percent, i18n.language)}</Table.Td>
                <Table.Td style={{ textAlign: "right" }}>{percent(row.wash_percent, i18n.language)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </>
    );

  return (
    <>
      <PageHeader
        title={t("hardblockPickup.report.title")}
        action={
          <Button variant="default" loading={exportCsv.isPending} onClick={() => exportCsv.mutate()}>
            {t("hardblockPickup.report.export")}
          </Button>
        }
      />
      <Text size="sm" c="dimmed" mb="sm">
        {t("hardblockPickup.report.help")}
      </Text>
      <CuttingOff />
      <FilterPanel cols={{ base: 1, sm: 3 }}>
        <Select
          label={t("bookings.property")}
          placeholder={t("hardblockPickup.allProperties")}
          data={propertyOptions(properties.items)}
          value={filters.get("property_id")}
          onChange={(value) => filters.update({ property_id: value })}
          clearable
          searchable
        />
        <TextInput type="date" label={t("hardblockPickup.dateFrom")} value={dateFrom} onChange={(event) => filters.update({ date_from: event.currentTarget.value || null })} />
        <TextInput type="date" label={t("hardblockPickup.dateTo")} value={dateTo} onChange={(event) => filters.update({ date_to: event.currentTarget.value || null })} />
      </FilterPanel>
      {body}
    </>
  );
}
