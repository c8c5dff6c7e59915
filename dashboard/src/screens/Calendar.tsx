import { Button, Group, Paper, Select, SimpleGrid, Stack, Text, Title } from "@mantine/core";
import { DatePickerInput } from "@mantine/dates";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import dayjs from "dayjs";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { useSearchParams } from "react-router-dom";

import { api } from "../api/client";
import { unwrap } from "../api/errors";
import { useSession } from "../auth/session";
import { formatMoney, localDate } from "../components/format";
import { EmptyState, ErrorState, LoadingState } from "../components/States";
import { useProperties } from "../components/useProperties";
import { BulkUpdateDialog } from "./calendar/BulkUpdateDialog";
import { CalendarGrid, formatNight, planRates, syncText, type Grid } from "./calendar/CalendarGrid";
import { clampSelection, rectOf, type Selection } from "./calendar/selection";
import { addDays, clampStart, isIsoDate, nightsFrom, WINDOW_DAYS } from "./calendar/window";

const BEHIND_REFRESH_MS = 10_000;

function Legend() {
  const { t } = useTranslation();
  const items = [
    ["open", "#fff"],
    ["sold-out", "#fff4e6"],
    ["stop-sold", "repeating-linear-gradient(135deg, #f1f3f5 0 4px, #dee2e6 4px 8px)"],
    ["overbooked", "#ffe3e3"],
  ] as const;
  return (
    <Group gap="md" wrap="wrap" aria-label={t("calendar.legend.title")} role="group" data-legend>
      {items.map(([state, background]) => (
        <Text key={state} size="xs">
          <span className="cal-swatch" style={{ background }} aria-hidden="true" />
          {t(`calendar.legend.${state}`)}
        </Text>
      ))}
      <Text size="xs">{t("calendar.legend.cell")}</Text>
      <Text size="xs">{t("calendar.legend.sync")}</Text>
    </Group>
  );
}

function FocusedCell({ grid, selection, nights }: { grid: Grid; selection: Selection; nights: string[] }) {
  const { t, i18n } = useTranslation();
  const row = grid.room_types[selection.focus.row];
  const night = row?.nights.find((n) => n.night === nights[selection.focus.col]);
  if (!row || !night) return null;
  const figures: [string, string][] = [
    [t("calendar.fields.total"), String(night.total)],
    [t("calendar.fields.sold"), String(night.sold)],
    [t("calendar.fields.held"), String(night.held)],
    [t("calendar.fields.blocked"), String(night.blocked)],
    [t("calendar.fields.buffer"), String(night.buffer)],
    [t("calendar.fields.available"), String(night.available)],
    [t("calendar.fields.stop_sell"), t(night.stop_sell ? "calendar.yes" : "calendar.no")],
    [t("calendar.fields.closed_to_arrival"), t(night.closed_to_arrival ? "calendar.yes" : "calendar.no")],
    [t("calendar.fields.closed_to_departure"), t(night.closed_to_departure ? "calendar.yes" : "calendar.no")],
    [t("calendar.fields.min_los"), String(night.min_los)],
    [t("calendar.fields.max_los"), night.max_los === null ? "—" : String(night.max_los)],
    ...planRates(row, night).map(({ plan, amount }): [string, string] => [`${plan.code} (${plan.name})`, formatMoney(amount, grid.currency, i18n.language)]),
  ];
  return (
    <Paper withBorder p="sm" aria-live="polite" data-focused-cell>
      <Text fw={600} size="sm">
        {row.name} · {formatNight(night.night, i18n.language)}
      </Text>
      <SimpleGrid cols={{ base: 2, sm: 4, lg: 6 }} spacing="xs" mt={4}>
        {figures.map(([label, value]) => (
          <Text key={label} size="xs">
            <Text span c="dimmed" size="xs">
              {label}:
            </Text>{" "}
            {value}
          </Text>
        ))}
      </SimpleGrid>
      <Text size="xs" mt={4}>
        {syncText(t, row, night)}
      </Text>
    </Paper>
  );
}

export default function Calendar() {
  const { t } = useTranslation();
  const { can } = useSession();
  const [params, setParams] = useSearchParams();
  const properties = useProperties();
  const propertyId = params.get("property_id") ?? (properties.items[0] ? String(properties.items[0].id) : null);
  const property = properties.items.find((p) => String(p.id) === propertyId);
  const today = localDate(new Date(), property?.timezone);
  const wanted = params.get("start");
  const start = clampStart(isIsoDate(wanted) ? wanted : today, today);
  const nights = nightsFrom(start, WINDOW_DAYS);
  const highlight = Number(params.get("room_type_id")) || null;
  const [selection, setSelection] = useState<Selection | null>(null);
  const [bulkOpen, setBulkOpen] = useState(false);

  const update = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(params);
    for (const [key, value] of Object.entries(changes)) {
      if (value) next.set(key, value);
      else next.delete(key);
    }
    setParams(next, { replace: true });
  };

  const grid = useQuery({
    queryKey: ["calendar", propertyId, start],
    queryFn: async () =>
      unwrap(
        await api.GET("/properties/{property_id}/calendar", {
          params: { path: { property_id: Number(propertyId) }, query: { date_from: start, date_to: nights[nights.length - 1] } },
        }),
      ),
    enabled: propertyId !== null,
    placeholderData: keepPreviousData,
    // While a channel still lacks a cell's latest value, look again shortly (the push takes seconds).
    refetchInterval: (query) => (query.state.data?.room_types.some((row) => row.nights.some((n) => n.channels_behind.length)) ? BEHIND_REFRESH_MS : false),
  });
  const rows = grid.data?.room_types.length ?? 0;
  useEffect(() => {
    setSelection((current) => clampSelection(current, { rows, cols: WINDOW_DAYS }));
  }, [rows]);

  const move = (days: number) => update({ start: clampStart(addDays(start, days), today) });
  const rect = selection ? rectOf(selection) : null;
  const dateFrom = rect ? nights[rect.colFrom] : undefined;
  const dateTo = rect ? nights[rect.colTo] : undefined;
  const target =
    rect && grid.data && dateFrom && dateTo
      ? { dateFrom, dateTo, roomTypeIds: grid.data.room_types.slice(rect.rowFrom, rect.rowTo + 1).map((row) => row.id) }
      : null;
  const mayUpdate = can("INVENTORY_WRITE") || can("RATES_WRITE");

  let body;
  if (!can("PROPERTIES_READ") || (properties.query.isSuccess && properties.items.length === 0)) body = <EmptyState message={t("calendar.noProperty")} />;
  else if (properties.query.isError) body = <ErrorState error={properties.query.error} onRetry={() => void properties.query.refetch()} />;
  else if (grid.isPending) body = <LoadingState />;
  else if (grid.isError) body = <ErrorState error={grid.error} onRetry={() => void grid.refetch()} />;
  else if (grid.data.room_types.length === 0) body = <EmptyState message={t("calendar.noRoomTypes")} />;
  else
    body = (
      <Stack gap="sm">
        <Text size="xs" c="dimmed" id="calendar-grid-help">
          {t("calendar.help")}
        </Text>
        <div style={{ overflowX: "auto", maxWidth: "100%", position: "relative" }} aria-busy={grid.isFetching}>
          <CalendarGrid
            grid={grid.data}
            nights={nights}
            selection={selection}
            onSelect={setSelection}
            onOpenBulk={() => mayUpdate && setBulkOpen(true)}
            highlightRoomTypeId={highlight}
          />
        </div>
        <Legend />
        {selection && <FocusedCell grid={grid.data} selection={selection} nights={nights} />}
      </Stack>
    );

  return (
    <Stack>
      <Group justify="space-between" align="flex-end" wrap="wrap">
        <Title order={1} size="h2">
          {t("calendar.title")}
        </Title>
        {mayUpdate && (
          <Button onClick={() => setBulkOpen(true)} disabled={!target} data-bulk-open>
            {target ? t("calendar.bulk.openSelected", { count: (rect!.colTo - rect!.colFrom + 1) * target.roomTypeIds.length }) : t("calendar.bulk.selectFirst")}
          </Button>
        )}
      </Group>
      <Paper withBorder p="sm">
        <Group align="flex-end" wrap="wrap" gap="sm">
          <Select
            label={t("bookings.property")}
            data={properties.items.map((p) => ({ value: String(p.id), label: p.name }))}
            value={propertyId}
            allowDeselect={false}
            searchable
            w={240}
            onChange={(value) => {
              setSelection(null);
              update({ property_id: value, room_type_id: null });
            }}
          />
          <DatePickerInput
            label={t("calendar.jumpTo")}
            value={dayjs(start).toDate()}
            minDate={dayjs(today).toDate()}
            maxDate={dayjs(addDays(today, 365)).toDate()}
            onChange={(value) => value && update({ start: clampStart(dayjs(value).format("YYYY-MM-DD"), today) })}
            w={170}
          />
          <Button.Group>
            <Button variant="default" onClick={() => move(-14)} disabled={start <= today} aria-label={t("calendar.previousFortnight")}>
              «
            </Button>
            <Button variant="default" onClick={() => move(-7)} disabled={start <= today} aria-label={t("calendar.previousWeek")}>
              ‹
            </Button>
            <Button variant="default" onClick={() => update({ start: null })}>
              {t("calendar.today")}
            </Button>
            <Button variant="default" onClick={() => move(7)} aria-label={t("calendar.nextWeek")}>
              ›
            </Button>
            <Button variant="default" onClick={() => move(14)} aria-label={t("calendar.nextFortnight")}>
              »
            </Button>
          </Button.Group>
        </Group>
      </Paper>
      {body}
      {grid.data && target && (
        <BulkUpdateDialog opened={bulkOpen} onClose={() => setBulkOpen(false)} grid={grid.data} target={target} />
      )}
    </Stack>
  );
}
