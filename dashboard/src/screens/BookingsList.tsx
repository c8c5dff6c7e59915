import { Button, Group, MultiSelect, Pagination, Paper, Select, SimpleGrid, TextInput, Title } from "@mantine/core";
import { DatePickerInput } from "@mantine/dates";
import { useDebouncedValue } from "@mantine/hooks";
import { keepPreviousData, useMutation, useQuery } from "@tanstack/react-query";
import dayjs from "dayjs";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useSearchParams } from "react-router-dom";

import { api } from "../api/client";
import { saveBlob } from "../api/download";
import type { paths } from "../api/schema";
import { unwrap } from "../api/errors";
import { useSession } from "../auth/session";
import { BookingsTable } from "../components/BookingsTable";
import { EmptyState, ErrorState, LoadingState } from "../components/States";
import { useProperties } from "../components/useProperties";
import { notify } from "../components/notify";

const PAGE_SIZE = 25;
const OTAS = ["booking_com", "expedia", "agoda", "traveloka"] as const;
const SOURCES = ["direct", "partner"] as const;
type Ota = (typeof OTAS)[number];
type Source = (typeof SOURCES)[number] | "ota";

/** The list's filters live in the URL: shareable, and Back restores them. */
function useFilters() {
  const [params, setParams] = useSearchParams();
  const update = (changes: Record<string, string | string[] | null>) => {
    const next = new URLSearchParams(params);
    for (const [key, value] of Object.entries(changes)) {
      next.delete(key);
      if (Array.isArray(value)) value.forEach((v) => next.append(key, v));
      else if (value) next.set(key, value);
    }
    if (!("page" in changes)) next.delete("page");
    setParams(next, { replace: true });
  };
  return {
    page: Math.max(1, Number(params.get("page") ?? 1) || 1),
    stayFrom: params.get("stay_from"),
    stayTo: params.get("stay_to"),
    statuses: params.getAll("status"),
    channel: params.get("channel"),
    propertyId: params.get("property_id"),
    guest: params.get("guest") ?? "",
    update,
    clear: () => setParams(new URLSearchParams(), { replace: true }),
  };
}

function channelQuery(channel: string | null): { source?: Source[]; ota?: Ota } {
  if (!channel) return {};
  if ((OTAS as readonly string[]).includes(channel)) return { ota: channel as Ota };
  return { source: [channel as Source] };
}

type ExportQuery = NonNullable<paths["/bookings/export"]["get"]["parameters"]["query"]>;

/** Downloads GET /bookings/export with the list's filters, through the authenticated fetch. */
function ExportButton({ query }: { query: ExportQuery }) {
  const { t } = useTranslation();
  const exportCsv = useMutation({
    mutationFn: async () => unwrap(await api.GET("/bookings/export", { params: { query }, parseAs: "blob" })),
    onSuccess: (blob) => saveBlob(blob, "bookings.csv"),
    onError: (error) => notify(error.message, "red", t("bookings.exportFailed")),
  });
  return (
    <Button variant="default" loading={exportCsv.isPending} onClick={() => exportCsv.mutate()}>
      {t("bookings.export")}
    </Button>
  );
}

export default function BookingsList() {
  const { t } = useTranslation();
  const { can } = useSession();
  const filters = useFilters();
  const [search, setSearch] = useState(filters.guest);
  const [debouncedSearch] = useDebouncedValue(search, 350);
  const searchTooShort = debouncedSearch.trim().length === 1;

  useEffect(() => {
    const value = debouncedSearch.trim();
    if (value.length !== 1 && value !== filters.guest) filters.update({ guest: value || null });
    // eslint-disable-next-line react-hooks/exhaustive-deps -- only when the typed text settles
  }, [debouncedSearch]);

  const statuses = useQuery({
    queryKey: ["booking-statuses"],
    queryFn: async () => unwrap(await api.GET("/booking-statuses")),
    staleTime: 5 * 60_000,
  });
  const properties = useProperties();
  // The filters alone: the list pages through them, the CSV export takes them all.
  const filterQuery = {
    ...(filters.stayFrom ? { stay_from: filters.stayFrom } : {}),
    ...(filters.stayTo ? { stay_to: filters.stayTo } : {}),
    ...(filters.statuses.length ? { status: filters.statuses } : {}),
    ...channelQuery(filters.channel),
    ...(filters.propertyId ? { property_id: Number(filters.propertyId) } : {}),
    ...(filters.guest ? { guest: filters.guest } : {}),
  };
  const query = { page: filters.page, page_size: PAGE_SIZE, ...filterQuery };
  const bookings = useQuery({
    queryKey: ["bookings", query],
    queryFn: async () => unwrap(await api.GET("/bookings", { params: { query } })),
    placeholderData: keepPreviousData,
  });

  const range: [Date | null, Date | null] = [
    filters.stayFrom ? dayjs(filters.stayFrom).toDate() : null,
    filters.stayTo ? dayjs(filters.stayTo).toDate() : null,
  ];
  const channelOptions = [...SOURCES, ...OTAS].map((code) => ({ value: code, label: t(`bookings.channels.${code}`) }));

  let body;
  if (bookings.isPending) body = <LoadingState />;
  else if (bookings.isError) body = <ErrorState error={bookings.error} onRetry={() => void bookings.refetch()} />;
  else if (bookings.data.items.length === 0) body = <EmptyState message={t("bookings.empty")} />;
  else {
    const page = bookings.data;
    body = (
      <>
        <BookingsTable
          rows={page.items}
          columns={["reference", "guest", "property", "channel", "stay", "status", "amount"]}
          caption={t("bookings.total", { count: page.total })}
          busy={bookings.isFetching}
        />
        {page.pages > 1 && (
          <Group justify="center" mt="md">
            <Pagination
              total={page.pages}
              value={page.page}
              onChange={(value) => filters.update({ page: String(value) })}
              getControlProps={(control) => ({ "aria-label": `${t("bookings.pagination")}: ${control}` })}
              getItemProps={(p) => ({ "aria-label": `${t("bookings.pagination")} ${p}` })}
            />
          </Group>
        )}
      </>
    );
  }

  return (
    <>
      <Group justify="space-between" mb="md" gap="sm">
        <Title order={1} size="h2">
          {t("bookings.title")}
        </Title>
        <Group gap="sm">
          {can("BOOKINGS_EXPORT") && <ExportButton query={filterQuery} />}
          {can("BOOKINGS_CREATE") && (
            <Button component={Link} to="/bookings/new">
              {t("bookings.new")}
            </Button>
          )}
        </Group>
      </Group>
      <Paper withBorder p="md" mb="md" component="section" aria-label={t("bookings.filters")}>
        <SimpleGrid cols={{ base: 1, xs: 2, md: 3, lg: 5 }} spacing="sm">
          <TextInput
            label={t("bookings.search")}
            placeholder={t("bookings.searchPlaceholder")}
            value={search}
            onChange={(event) => setSearch(event.currentTarget.value)}
            error={searchTooShort ? t("bookings.searchTooShort") : undefined}
            type="search"
          />
          <DatePickerInput
            type="range"
            label={t("bookings.stayDates")}
            placeholder={t("bookings.stayDatesPlaceholder")}
            value={range}
            clearable
            allowSingleDateInRange
            onChange={([from, to]) => {
              if (from && !to) return; // wait for the second date
              filters.update({
                stay_from: from ? dayjs(from).format("YYYY-MM-DD") : null,
                stay_to: to ? dayjs(to).format("YYYY-MM-DD") : null,
              });
            }}
          />
          <MultiSelect
            label={t("bookings.status")}
            data={(statuses.data?.statuses ?? []).map((s) => ({ value: s.code, label: s.label }))}
            value={filters.statuses}
            onChange={(value) => filters.update({ status: value })}
            clearable
            searchable
          />
          <Select
            label={t("bookings.channel")}
            data={channelOptions}
            value={filters.channel}
            onChange={(value) => filters.update({ channel: value })}
            clearable
          />
          {can("PROPERTIES_READ") && (
            <Select
              label={t("bookings.property")}
              data={properties.items.map((p) => ({ value: String(p.id), label: `${p.name} (${p.code})` }))}
              value={filters.propertyId}
              onChange={(value) => filters.update({ property_id: value })}
              clearable
              searchable
            />
          )}
        </SimpleGrid>
        <Group justify="flex-end" mt="sm">
          <Button
            variant="subtle"
            size="xs"
            onClick={() => {
              setSearch("");
              filters.clear();
            }}
          >
            {t("bookings.clearFilters")}
          </Button>
        </Group>
      </Paper>
      {body}
    </>
  );
}
