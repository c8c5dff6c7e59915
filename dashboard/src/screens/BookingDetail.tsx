import { Anchor, Box, Button, Card, Grid, Group, SimpleGrid, Stack, Table, Text, Timeline, Title } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router-dom";

import { api, type Schemas } from "../api/client";
import { ApiError, unwrap } from "../api/errors";
import { formatDateTime, formatMoney, formatStay } from "../components/format";
import { Field } from "../components/Field";
import { EmptyState, ErrorState, LoadingState } from "../components/States";
import { StatusBadge } from "../components/StatusBadge";
import { useProperties } from "../components/useProperties";
import NotFound from "./NotFound";
import { TransitionDialog } from "./TransitionDialog";
import { HeaderRow } from "../components/ListFrame";

type Booking = Schemas["BookingOut"];

function BookingTimeline({ booking }: { booking: Booking }) {
  const { t, i18n } = useTranslation();
  const timeZone = useProperties().timeZone(booking.property_id);
  if (booking.timeline.length === 0) return <Text c="dimmed">{t("booking.timelineEmpty")}</Text>;
  return (
    <Timeline active={booking.timeline.length - 1} bulletSize={14} lineWidth={2}>
      {booking.timeline.map((event) => (
        <Timeline.Item
          key={event.id}
          title={
            t(`booking.events.${event.kind}`, event.kind) +
            (event.to_status ? `: ${event.from_status ? `${event.from_status} → ` : ""}${event.to_status}` : "")
          }
        >
          <Text size="xs" c="dimmed">
            {formatDateTime(event.occurred_at, i18n.language, timeZone)} · {t("booking.by", { actor: event.actor_label })}
          </Text>
          {event.reason && <Text size="sm">{event.reason}</Text>}
        </Timeline.Item>
      ))}
    </Timeline>
  );
}

export default function BookingDetail() {
  const { t, i18n } = useTranslation();
  const { bookingId } = useParams();
  const id = Number(bookingId);
  const [dialogOpened, dialog] = useDisclosure(false);
  const properties = useProperties();
  const booking = useQuery({
    queryKey: ["booking", id],
    queryFn: async () => unwrap(await api.GET("/bookings/{group_id}", { params: { path: { group_id: id } } })),
    enabled: Number.isInteger(id) && id > 0,
  });

  if (!Number.isInteger(id) || id <= 0) return <NotFound />;
  if (booking.isPending) return <LoadingState />;
  if (booking.isError) {
    const missing = booking.error instanceof ApiError && booking.error.status === 404;
    return (
      <Stack>
        <Anchor component={Link} to="/bookings">
          ← {t("booking.back")}
        </Anchor>
        {missing ? (
          <EmptyState message={t("booking.notFound")} />
        ) : (
          <ErrorState error={booking.error} onRetry={() => void booking.refetch()} />
        )}
      </Stack>
    );
  }
  const b = booking.data;
  const lang = i18n.language;
  return (
    <Stack>
      <Anchor component={Link} to="/bookings" size="sm">
        ← {t("booking.back")}
      </Anchor>
      <Group justify="space-between" align="center">
        <Group gap="sm">
          <Title order={1} size="h2">
            {t("booking.title", { reference: b.reference })}
          </Title>
          <StatusBadge status={b.status} />
        </Group>
        <Button onClick={dialog.open} disabled={b.status.is_terminal}>
          {t("booking.changeStatus")}
        </Button>
      </Group>
      <Grid>
        <Grid.Col span={{ base: 12, md: 7 }}>
          <Stack>
            <Card withBorder component="section" aria-labelledby="details-heading">
              <Title order={2} size="h4" id="details-heading" mb="sm">
                {t("booking.details")}
              </Title>
              <SimpleGrid cols={{ base: 1, xs: 2 }} spacing="sm">
                <Field label={t("bookings.guest")} value={b.guest_name ?? t("bookings.hidden")} />
                <Field label={t("bookings.property")} value={`${b.property_name} (${b.property_code})`} />
                <Field label={t("booking.email")} value={b.guest_email} />
                <Field label={t("booking.phone")} value={b.guest_phone} />
                <Field label={t("bookings.channel")} value={t(`bookings.channels.${b.ota_code ?? b.source}`, b.channel)} />
                <Field label={t("booking.otaReservation")} value={b.ota_reservation_id} />
                <Field label={t("bookings.stay")} value={formatStay(b.check_in, b.check_out, lang)} />
                <Field label={t("bookings.amount")} value={formatMoney(b.total_amount, b.currency, lang)} />
                <Field label={t("booking.bookedAt")} value={formatDateTime(b.booked_at, lang, properties.timeZone(b.property_id))} />
                {b.hold_expires_at && <Field label={t("booking.holdExpires")} value={formatDateTime(b.hold_expires_at, lang, properties.timeZone(b.property_id))} />}
              </SimpleGrid>
              {b.notes && (
                <Box mt="sm">
                  <Field label={t("booking.notes")} value={b.notes} />
                </Box>
              )}
            </Card>
            <Card withBorder component="section" aria-labelledby="lines-heading">
              <Title order={2} size="h4" id="lines-heading" mb="sm">
                {t("booking.lines")}
              </Title>
              <Table.ScrollContainer minWidth={480}>
                <Table>
                  <HeaderRow labels={[t("booking.roomType"), t("bookings.stay"), t("booking.nights"), t("bookings.rooms"), t("booking.guests"), { label: t("bookings.amount"), numeric: true }]} />
                  <Table.Tbody>
                    {b.lines.map((line) => (
                      <Table.Tr key={line.id}>
                        <Table.Td>{line.room_type_name}</Table.Td>
                        <Table.Td style={{ whiteSpace: "nowrap" }}>{formatStay(line.check_in, line.check_out, lang)}</Table.Td>
                        <Table.Td>{line.nights}</Table.Td>
                        <Table.Td>{line.rooms}</Table.Td>
                        <Table.Td>{t("booking.guestsValue", { adults: line.adults, children: line.children })}</Table.Td>
                        <Table.Td style={{ textAlign: "right" }}>{formatMoney(line.amount, b.currency, lang)}</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
            </Card>
          </Stack>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 5 }}>
          <Card withBorder component="section" aria-labelledby="timeline-heading">
            <Title order={2} size="h4" id="timeline-heading" mb="sm">
              {t("booking.timeline")}
            </Title>
            <BookingTimeline booking={b} />
          </Card>
        </Grid.Col>
      </Grid>
      <TransitionDialog bookingId={id} reference={b.reference} opened={dialogOpened} onClose={dialog.close} />
    </Stack>
  );
}
