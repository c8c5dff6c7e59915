import { Card, SimpleGrid, Text } from "@mantine/core";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";

import type { Schemas } from "../../api/client";
import { formatMoney, formatNumber, formatPercent } from "../../components/format";

type Summary = Schemas["DashboardSummaryOut"];

function Kpi({ id, label, value, detail, raw }: { id: string; label: string; value: string; detail?: ReactNode; raw: string }) {
  return (
    <Card withBorder padding="md" component="section" aria-labelledby={`kpi-${id}`} data-kpi={id} data-value={raw}>
      <Text size="sm" c="dimmed" id={`kpi-${id}`}>
        {label}
      </Text>
      <Text fz={26} fw={700} data-kpi-figure>
        {value}
      </Text>
      {detail && (
        <Text size="xs" c="dimmed">
          {detail}
        </Text>
      )}
    </Card>
  );
}

/** The summary's figures as cards; money per currency (never added across currencies). */
export function KpiCards({ summary }: { summary: Summary }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const nights = summary.room_nights;
  return (
    <>
      <SimpleGrid cols={{ base: 1, xs: 2, md: 3, xl: 5 }} spacing="md" mb="md">
        <Kpi
          id="occupancy"
          label={t("home.occupancy")}
          value={formatPercent(nights.occupancy, lang)}
          raw={String(nights.occupancy)}
          detail={t("home.occupancyDetail", { sold: formatNumber(nights.sold, lang), available: formatNumber(nights.available, lang) })}
        />
        <Kpi id="room-nights-sold" label={t("home.roomNightsSold")} value={formatNumber(nights.sold, lang)} raw={String(nights.sold)}
          detail={t("home.held", { count: nights.held })} />
        <Kpi id="bookings" label={t("home.bookings")} value={formatNumber(summary.activity.bookings, lang)} raw={String(summary.activity.bookings)} />
        <Kpi
          id="cancellations"
          label={t("home.cancellations")}
          value={formatNumber(summary.activity.cancellations, lang)}
          raw={String(summary.activity.cancellations)}
        />
        <Kpi
          id="sync-success"
          label={t("home.syncSuccess")}
          value={formatPercent(summary.sync.success_rate, lang)}
          raw={String(summary.sync.success_rate)}
          detail={t("home.syncDetail", { succeeded: summary.sync.succeeded_runs, finished: summary.sync.finished_runs })}
        />
      </SimpleGrid>
      {summary.revenue === null ? (
        <Text size="sm" c="dimmed" mb="md" data-revenue-hidden>
          {t("home.revenueHidden")}
        </Text>
      ) : summary.revenue.length === 0 ? (
        <Text size="sm" c="dimmed" mb="md">
          {t("home.noRevenue")}
        </Text>
      ) : (
        <SimpleGrid cols={{ base: 1, xs: 2, md: 3 }} spacing="md" mb="md">
          {summary.revenue.map((money) => (
            <Kpi
              key={money.currency}
              id={`revenue-${money.currency}`}
              label={t("home.revenue", { currency: money.currency })}
              value={formatMoney(money.revenue, money.currency, lang)}
              raw={money.revenue}
              detail={t("home.adrRevpar", {
                adr: money.adr === null ? "—" : formatMoney(money.adr, money.currency, lang),
                revpar: money.revpar === null ? "—" : formatMoney(money.revpar, money.currency, lang),
              })}
            />
          ))}
        </SimpleGrid>
      )}
    </>
  );
}
