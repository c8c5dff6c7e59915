import { Anchor, Card, Grid, Group, SimpleGrid, Stack, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router-dom";

import { api } from "../../api/client";
import { ApiError, unwrap } from "../../api/errors";
import { useSession } from "../../auth/session";
import { formatDate, formatDateTime } from "../../components/format";
import { Field } from "../../components/Field";
import { EmptyState, ErrorState, LoadingState } from "../../components/States";
import { useProperties } from "../../components/useProperties";
import NotFound from "../NotFound";
import { AlertActions } from "./AlertActions";
import { AlertRootCause, InvolvedBookings, useChannelName } from "./AlertRootCause";
import { calendarLink } from "./calendarLink";
import { SeverityBadge } from "./SeverityBadge";

/** One alert: its root cause in words, the bookings and calendar cells involved, and the staff actions. */
export default function AlertDetail() {
  const { t, i18n } = useTranslation();
  const { alertId } = useParams();
  const id = Number(alertId);
  const { can } = useSession();
  const properties = useProperties();
  const channelName = useChannelName();
  const alert = useQuery({
    queryKey: ["alerts", "detail", id],
    queryFn: async () => unwrap(await api.GET("/alerts/{alert_id}", { params: { path: { alert_id: id } } })),
    enabled: Number.isInteger(id) && id > 0,
  });

  if (!Number.isInteger(id) || id <= 0) return <NotFound />;
  const back = (
    <Anchor component={Link} to="/alerts" size="sm">
      ← {t("alertDetail.back")}
    </Anchor>
  );
  if (alert.isPending) return <LoadingState />;
  if (alert.isError) {
    const missing = alert.error instanceof ApiError && alert.error.status === 404;
    return (
      <Stack>
        {back}
        {missing ? <EmptyState message={t("alertDetail.notFound")} /> : <ErrorState error={alert.error} onRetry={() => void alert.refetch()} />}
      </Stack>
    );
  }
  const a = alert.data;
  const lang = i18n.language;
  const timeZone = properties.timeZone(a.property_id);
  const calendar = calendarLink(a);
  return (
    <Stack>
      {back}
      <Group gap="sm" align="center">
        <SeverityBadge severity={a.severity} />
        <Title order={1} size="h2">
          {a.title}
        </Title>
      </Group>
      {can("ALERTS_MANAGE") && <AlertActions alert={a} />}
      <Grid>
        <Grid.Col span={{ base: 12, md: 7 }}>
          <Stack>
            <Card withBorder component="section" aria-labelledby="cause-heading">
              <Title order={2} size="h4" id="cause-heading" mb="sm">
                {t("alertDetail.rootCause")}
              </Title>
              <AlertRootCause alert={a} timeZone={timeZone} />
            </Card>
            <Card withBorder component="section" aria-labelledby="involved-heading">
              <Title order={2} size="h4" id="involved-heading" mb="sm">
                {t("alertDetail.bookingsInvolved")}
              </Title>
              <InvolvedBookings alert={a} timeZone={timeZone} />
            </Card>
          </Stack>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 5 }}>
          <Card withBorder component="section" aria-labelledby="facts-heading">
            <Title order={2} size="h4" id="facts-heading" mb="sm">
              {t("booking.details")}
            </Title>
            <SimpleGrid cols={{ base: 1, xs: 2 }} spacing="sm">
              <Field label={t("alerts.state")} value={t(`alerts.states.${a.status}`)} />
              <Field label={t("bookings.property")} value={properties.name(a.property_id)} />
              <Field label={t("alerts.night")} value={formatDate(a.night, lang)} />
              <Field label={t("bookings.channel")} value={a.channel ? channelName(a.channel) : null} />
              <Field label={t("alertDetail.firstSeen")} value={formatDateTime(a.first_seen_at, lang, timeZone)} />
              <Field label={t("alerts.lastSeen")} value={`${formatDateTime(a.last_seen_at, lang, timeZone)} · ${t("alerts.occurrences", { count: a.occurrences })}`} />
              {a.snoozed_until && <Field label={t("alertDetail.snoozedUntil")} value={formatDateTime(a.snoozed_until, lang, timeZone)} />}
              {a.resolution_note && <Field label={t("alerts.note")} value={a.resolution_note} />}
            </SimpleGrid>
            {calendar && (
              <Anchor component={Link} to={calendar} size="sm" mt="md" display="block">
                {t("alertDetail.openCalendar", { night: formatDate(a.night, lang) })}
              </Anchor>
            )}
          </Card>
        </Grid.Col>
      </Grid>
    </Stack>
  );
}
