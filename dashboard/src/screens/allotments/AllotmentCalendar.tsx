import { Badge, Group, Paper, Select, SimpleGrid, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";

import { api } from "../../api/client";
import { unwrap } from "../../api/errors";
import { formatDate, localDate } from "../../components/format";
import { EmptyState, ErrorState, LoadingState } from "../../components/States";
import { useProperties } from "../../components/useProperties";
import { AllotmentGrid } from "./AllotmentGrid";
import { nightsOf } from "./calendarNights";
import { propertyOptions, useRoomTypes } from "./useAllotmentData";
import { queryState, HeaderRow } from "../../components/ListFrame";
import { useUrlFilters } from "../../components/useUrlFilters";

const SPANS = [7, 14, 31] as const;

function addDays(iso: string, days: number): string {
  const day = new Date(`${iso}T00:00:00Z`);
  day.setUTCDate(day.getUTCDate() + days);
  return day.toISOString().slice(0, 10);
}

/** The nights a calendar shows: from a first night (default today at the property), 7 / 14 / 31 of them. */
export function useCalendarRange(timeZone: string | undefined) {
  const [from, setFrom] = useState<string>("");
  const [span, setSpan] = useState<number>(14);
  const first = from || localDate(new Date(), timeZone);
  return { first, last: addDays(first, span - 1), span, setFrom, setSpan };
}

export function RangeControls({ range }: { range: ReturnType<typeof useCalendarRange> }) {
  const { t } = useTranslation();
  return (
    <>
      <TextInput type="date" label={t("allotments.calendar.from")} value={range.first} onChange={(e) => range.setFrom(e.currentTarget.value)} />
      <Select
        label={t("allotments.calendar.span")}
        data={SPANS.map((n) => ({ value: String(n), label: t("allotments.calendar.nights", { count: n }) }))}
        value={String(range.span)}
        allowDeselect={false}
        onChange={(value) => range.setSpan(Number(value ?? 14))}
      />
    </>
  );
}

function ReleasingPanel({ propertyId, contractName, roomTypeName }: { propertyId: number; contractName: (id: number) => string; roomTypeName: (id: number) => string }) {
  const { t, i18n } = useTranslation();
  const releasing = useQuery({
    queryKey: ["allotments", "releasing", propertyId],
    queryFn: async () =>
      unwrap(await api.GET("/properties/{property_id}/allotments/releasing", { params: { path: { property_id: propertyId }, query: { days: 7 } } })),
  });
  let body = queryState(releasing, t("allotments.releasing.empty"), (rows) => rows.length === 0);
  if (!body && releasing.data)
    body = (
      <Table.ScrollContainer minWidth={520}>
        <Table striped verticalSpacing={4} fz="sm">
          <HeaderRow labels={[t("allotments.calendar.releaseDate"), t("allotments.contract"), t("allotments.roomType"), t("allotments.night"), { label: t("allotments.calendar.remaining"), numeric: true }]} />
          <Table.Tbody>
            {releasing.data.map((row) => (
              <Table.Tr key={`${row.contract_id}-${row.room_type_id}-${row.night}`}>
                <Table.Td>{formatDate(row.release_date, i18n.language)}</Table.Td>
                <Table.Td>
                  <Link to={`/contracts/${row.contract_id}`}>{contractName(row.contract_id)}</Link>
                </Table.Td>
                <Table.Td>{roomTypeName(row.room_type_id)}</Table.Td>
                <Table.Td>{formatDate(row.night, i18n.language)}</Table.Td>
                <Table.Td style={{ textAlign: "right" }}>{row.remaining}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    );
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="releasing-heading">
      <Group gap="xs" mb="sm">
        <Title order={2} size="h4" id="releasing-heading">
          {t("allotments.releasing.title")}
        </Title>
        {releasing.data && releasing.data.length > 0 && <Badge color="orange">{releasing.data.length}</Badge>}
      </Group>
      {body}
    </Paper>
  );
}

/** A property's allotment calendar: every contract's nights and the pool they leave the OTAs. */
export default function AllotmentCalendar() {
  const { t } = useTranslation();
  const filters = useUrlFilters();
  const properties = useProperties();
  const propertyId = filters.id("property_id") ?? properties.items[0]?.id;
  const range = useCalendarRange(properties.timeZone(propertyId));
  const roomTypes = useRoomTypes(propertyId);
  const contracts = useQuery({
    queryKey: ["contracts", { property_id: propertyId, page_size: 200 }],
    queryFn: async () => unwrap(await api.GET("/contracts", { params: { query: { property_id: propertyId, page_size: 200 } } })),
    enabled: Boolean(propertyId),
  });
  const calendar = useQuery({
    queryKey: ["allotments", "property", propertyId, range.first, range.last],
    queryFn: async () =>
      unwrap(
        await api.GET("/properties/{property_id}/allotments", {
          params: { path: { property_id: propertyId as number }, query: { date_from: range.first, date_to: range.last } },
        }),
      ),
    enabled: Boolean(propertyId),
    placeholderData: keepPreviousData,
  });
  const contractItems = contracts.data?.items ?? [];
  const contractName = (id: number) => contractItems.find((c) => c.id === id)?.name ?? `#${id}`;

  let body;
  if (!propertyId) body = properties.query.isPending ? <LoadingState /> : <EmptyState message={t("allotments.calendar.noProperty")} />;
  else if (calendar.isPending) body = <LoadingState />;
  else if (calendar.isError) body = <ErrorState error={calendar.error} onRetry={() => void calendar.refetch()} />;
  else body = <AllotmentGrid calendar={calendar.data} contracts={contractItems} roomTypeName={roomTypes.name} showPool />;

  return (
    <Stack gap="md">
      <Title order={1} size="h2">
        {t("allotments.calendar.title")}
      </Title>
      <Paper withBorder p="md" component="section" aria-label={t("bookings.filters")}>
        <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="sm">
          <Select
            label={t("bookings.property")}
            data={propertyOptions(properties.items)}
            value={propertyId ? String(propertyId) : null}
            onChange={(value) => filters.update({ property_id: value })}
            allowDeselect={false}
            searchable
          />
          <RangeControls range={range} />
        </SimpleGrid>
        {calendar.data && (
          <Text size="xs" c="dimmed" mt="xs">
            {t("allotments.calendar.legend", { count: nightsOf(calendar.data.date_from, calendar.data.date_to).length, today: calendar.data.today })}
          </Text>
        )}
      </Paper>
      {propertyId && <ReleasingPanel propertyId={propertyId} contractName={contractName} roomTypeName={roomTypes.name} />}
      {body}
    </Stack>
  );
}
