import { Alert, Anchor, Badge, Card, Grid, Group, Progress, Select, Stack, Text, Title } from "@mantine/core";
import { DatePickerInput } from "@mantine/dates";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import dayjs from "dayjs";
import { lazy, Suspense } from "react";
import { useTranslation } from "react-i18next";
import { Link, useSearchParams } from "react-router-dom";

import { api, type Schemas } from "../api/client";
import { ApiError, unwrap } from "../api/errors";
import { useSession } from "../auth/session";
import { BookingsTable } from "../components/BookingsTable";
import { formatDateTime, formatMoney, formatNumber } from "../components/format";
import { EmptyState, ErrorState, LoadingState } from "../components/States";
import { useProperties } from "../components/useProperties";
import { KpiCards } from "./home/KpiCards";
import { FilterPanel } from "../components/FilterPanel";

// The chart is its own chunk, fetched after the figures.
const OccupancyChart = lazy(() => import("./home/OccupancyChart"));

type Summary = Schemas["DashboardSummaryOut"];
export const SUMMARY_KEY = "summary";
const SEVERITY_COLOURS: Record<string, string> = { critical: "red", warning: "orange", info: "blue" };

function channelLabel(t: (key: string, fallback: string) => string, channel: string): string {
  return t(`bookings.channels.${channel}`, channel);
}

function TroubleBanner({ summary }: { summary: Summary }) {
  const { t } = useTranslation();
  if (summary.channel_trouble.length === 0) return null;
  const names = summary.channel_trouble.map(
    (c) => `${channelLabel(t, c.ota)} · ${c.property_name} (${c.stale ? t("home.stale") : t(`home.health.${c.health}`, c.health)})`,
  );
  return (
    <Alert color="orange" title={t("home.troubleTitle", { count: names.length })} mb="md" role="alert" data-channel-trouble>
      {names.join("; ")}
    </Alert>
  );
}

function ChannelMix({ summary }: { summary: Summary }) {
  const { t, i18n } = useTranslation();
  const total = summary.channel_mix.reduce((sum, c) => sum + c.room_nights, 0);
  if (summary.channel_mix.length === 0) return <Text c="dimmed">{t("home.noBookings")}</Text>;
  return (
    <Stack gap="xs">
      {summary.channel_mix.map((c) => {
        const share = total ? (c.room_nights / total) * 100 : 0;
        const revenue = summary.channel_revenue?.filter((r) => r.channel === c.channel && Number(r.revenue) !== 0) ?? [];
        return (
          <div key={c.channel} data-channel={c.channel}>
            <Group justify="space-between" gap="xs">
              <Text size="sm" fw={500}>
                {channelLabel(t, c.channel)}
              </Text>
              <Text size="xs" c="dimmed">
                {t("home.channelFigures", { bookings: formatNumber(c.bookings, i18n.language), nights: formatNumber(c.room_nights, i18n.language) })}
                {revenue.map((r) => ` · ${formatMoney(r.revenue, r.currency, i18n.language)}`).join("")}
              </Text>
            </Group>
            <Progress value={share} aria-label={`${channelLabel(t, c.channel)}: ${Math.round(share)}%`} />
          </div>
        );
      })}
    </Stack>
  );
}

function RecentBookings({ summary }: { summary: Summary }) {
  const { t } = useTranslation();
  if (summary.recent_bookings.length === 0) return <EmptyState message={t("home.noBookings")} />;
  return <BookingsTable rows={summary.recent_bookings} columns={["reference", "property", "stay", "bookedAt", "amount"]} compact minWidth={560} />;
}

function ActiveAlerts({ summary }: { summary: Summary }) {
  const { t, i18n } = useTranslation();
  const properties = useProperties();
  const counts = summary.alert_counts;
  return (
    <Stack gap="xs">
      <Group gap="xs">
        {(["critical", "warning", "info"] as const).map((severity) => (
          <Badge
            key={severity}
            color={SEVERITY_COLOURS[severity]}
            variant="dot"
            data-alert-count={severity}
            styles={{ root: { color: "#212529", textTransform: "none" } }}
          >
            {t(`alerts.severities.${severity}`)}: {counts[severity]}
          </Badge>
        ))}
      </Group>
      {summary.recent_alerts.length === 0 ? (
        <Text c="dimmed" size="sm">
          {t("home.noAlerts")}
        </Text>
      ) : (
        summary.recent_alerts.map((alert) => (
          <div key={alert.id} data-alert-id={alert.id}>
            <Text size="sm" fw={500}>
              {alert.title}
            </Text>
            <Text size="xs" c="dimmed">
              {t(`alerts.severities.${alert.severity}`, alert.severity)} · {properties.name(alert.property_id)} ·{" "}
              {formatDateTime(alert.last_seen_at, i18n.language, properties.timeZone(alert.property_id))}
            </Text>
          </div>
        ))
      )}
      <Anchor component={Link} to="/alerts" size="sm">
        {t("home.allAlerts")}
      </Anchor>
    </Stack>
  );
}

function Section({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <Card withBorder component="section" aria-label={title} h="100%">
      <Title order={2} size="h4" mb="sm">
        {title}
      </Title>
      {children}
    </Card>
  );
}

/** The landing page: the window's KPIs, occupancy by night, channel mix, latest bookings and alerts. */
export default function Home() {
  const { t } = useTranslation();
  const { can } = useSession();
  const properties = useProperties();
  const [params, setParams] = useSearchParams();
  const dateFrom = params.get("date_from");
  const dateTo = params.get("date_to");
  const propertyId = params.get("property_id");
  const update = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(params);
    for (const [key, value] of Object.entries(changes)) {
      if (value) next.set(key, value);
      else next.delete(key);
    }
    setParams(next, { replace: true });
  };
  const query = {
    ...(dateFrom ? { date_from: dateFrom } : {}),
    ...(dateTo ? { date_to: dateTo } : {}),
    ...(propertyId ? { property_id: Number(propertyId) } : {}),
  };
  const summary = useQuery({
    queryKey: [SUMMARY_KEY, query],
    queryFn: async () => unwrap(await api.GET("/dashboard/summary", { params: { query } })),
    placeholderData: keepPreviousData,
  });
  // The picker shows the window the API answered for (its default: the 30 nights up to today).
  const shown = summary.data;
  const from = dateFrom ?? shown?.date_from;
  const to = dateTo ?? shown?.date_to;
  const range: [Date | null, Date | null] = [from ? dayjs(from).toDate() : null, to ? dayjs(to).toDate() : null];
  // A window the API refuses (reversed, over 366 nights) is named under the picker.
  const windowError = summary.error instanceof ApiError ? summary.error.fieldErrors().date_to : undefined;

  let body;
  if (summary.isPending) body = <LoadingState />;
  else if (summary.isError) body = <ErrorState error={summary.error} onRetry={() => void summary.refetch()} />;
  else {
    const data = summary.data;
    body = (
      <div aria-busy={summary.isFetching} data-summary-from={data.date_from} data-summary-to={data.date_to}>
        <TroubleBanner summary={data} />
        <KpiCards summary={data} />
        <Grid mb="md">
          <Grid.Col span={{ base: 12, lg: 8 }}>
            <Section title={t("home.occupancyChart")}>
              <Suspense fallback={<LoadingState />}>
                <OccupancyChart nights={data.occupancy_by_night} />
              </Suspense>
            </Section>
          </Grid.Col>
          <Grid.Col span={{ base: 12, lg: 4 }}>
            <Section title={t("home.channelMix")}>
              <ChannelMix summary={data} />
            </Section>
          </Grid.Col>
        </Grid>
        <Grid>
          <Grid.Col span={{ base: 12, xl: 8 }}>
            <Section title={t("home.recentBookings")}>
              <RecentBookings summary={data} />
            </Section>
          </Grid.Col>
          <Grid.Col span={{ base: 12, xl: 4 }}>
            <Section title={t("home.activeAlerts")}>
              <ActiveAlerts summary={data} />
            </Section>
          </Grid.Col>
        </Grid>
      </div>
    );
  }

  return (
    <>
      <Title order={1} size="h2" mb="md">
        {t("home.title")}
      </Title>
      <FilterPanel cols={{ base: 1, sm: 2 }}>
        <DatePickerInput
          type="range"
          label={t("home.window")}
          value={range}
          allowSingleDateInRange
          error={windowError}
          onChange={([from, to]) => {
            if (from && !to) return; // wait for the second date
            update({ date_from: from ? dayjs(from).format("YYYY-MM-DD") : null, date_to: to ? dayjs(to).format("YYYY-MM-DD") : null });
          }}
        />
        {can("PROPERTIES_READ") && (
          <Select
            label={t("bookings.property")}
            placeholder={t("home.allProperties")}
            data={properties.items.map((p) => ({ value: String(p.id), label: `${p.name} (${p.code})` }))}
            value={propertyId}
            onChange={(value) => update({ property_id: value })}
            clearable
            searchable
          />
        )}
      </FilterPanel>
      {body}
    </>
  );
}
