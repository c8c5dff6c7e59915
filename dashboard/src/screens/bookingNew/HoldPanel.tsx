import { Alert, Anchor, Button, Group, Paper, Stack, Table, Text, Title } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";

import { api, type Schemas } from "../../api/client";
import { unwrap } from "../../api/errors";
import { formatDateTime, formatMoney, formatStay } from "../../components/format";
import { StatusBadge } from "../../components/StatusBadge";
import { useProperties } from "../../components/useProperties";
import { formatCountdown, holdRemainingMs } from "./hold";
import { HeaderRow } from "../../components/ListFrame";

type Booking = Schemas["BookingOut"];

function useCountdown(hold: Booking, receivedAt: number): number {
  const [now, setNow] = useState(() => Date.now());
  const remaining = holdRemainingMs(hold, receivedAt, now);
  useEffect(() => {
    if (remaining <= 0) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [remaining]);
  return remaining;
}

/** The API's hold: what it costs, how long it lasts, and Confirm; or the confirmed booking. */
export function HoldPanel({ hold, receivedAt, onStartAgain }: { hold: Booking; receivedAt: number; onStartAgain: () => void }) {
  const { t, i18n } = useTranslation();
  const queryClient = useQueryClient();
  const properties = useProperties();
  const remaining = useCountdown(hold, receivedAt);
  const confirm = useMutation({
    mutationFn: async () =>
      unwrap(await api.PATCH("/bookings/{group_id}/confirm", { params: { path: { group_id: hold.id } } })),
    onSuccess: async (booking) => {
      queryClient.setQueryData(["booking", booking.id], booking);
      await queryClient.invalidateQueries({ queryKey: ["bookings"] });
    },
  });
  const booking = confirm.data ?? hold;
  const confirmed = Boolean(confirm.data);
  const expired = !confirmed && remaining <= 0;
  const zone = properties.timeZone(booking.property_id);

  return (
    <Paper withBorder p="md" component="section" aria-labelledby="hold-title" data-booking-id={booking.id} data-reference={booking.reference}>
      <Stack gap="md">
        <Group justify="space-between" align="flex-start">
          <div>
            <Title order={2} size="h3" id="hold-title">
              {confirmed ? t("newBooking.confirmedTitle", { reference: booking.reference }) : t("newBooking.heldTitle", { reference: booking.reference })}
            </Title>
            <Text c="dimmed" size="sm">
              {booking.property_name} · {booking.guest_name}
            </Text>
          </div>
          <StatusBadge status={booking.status} />
        </Group>
        <Table.ScrollContainer minWidth={480}>
          <Table verticalSpacing="xs">
            <HeaderRow labels={[t("booking.roomType"), t("bookings.stay"), t("bookings.rooms"), { label: t("bookings.amount"), numeric: true }]} />
            <Table.Tbody>
              {booking.lines.map((line) => (
                <Table.Tr key={line.id}>
                  <Table.Td>{line.room_type_name}</Table.Td>
                  <Table.Td>{formatStay(line.check_in, line.check_out, i18n.language)}</Table.Td>
                  <Table.Td>{line.rooms}</Table.Td>
                  <Table.Td style={{ textAlign: "right" }}>{formatMoney(line.amount, booking.currency, i18n.language)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
        <Group justify="space-between">
          <Text fw={600}>{t("newBooking.price")}</Text>
          <Text fw={700} size="lg" data-total={booking.total_amount}>
            {formatMoney(booking.total_amount, booking.currency, i18n.language)}
          </Text>
        </Group>
        {confirmed && (
          <Alert color="green" role="status">
            {t("newBooking.confirmedDone", { reference: booking.reference })}
          </Alert>
        )}
        {!confirmed && !expired && (
          <Alert color="blue">
            <Text size="sm">
              {t("newBooking.holdUntil", { time: formatDateTime(hold.hold_expires_at, i18n.language, zone) })}{" "}
              <Text span fw={700} role="timer" aria-label={t("newBooking.timeLeft")} data-remaining-ms={remaining}>
                {formatCountdown(remaining)}
              </Text>
            </Text>
          </Alert>
        )}
        {expired && (
          <Alert color="orange" role="alert" title={t("newBooking.expiredTitle")}>
            {t("newBooking.expired")}
          </Alert>
        )}
        {confirm.isError && (
          <Alert color="red" role="alert">
            {confirm.error.message}
          </Alert>
        )}
        <Group justify="flex-end">
          {confirmed ? (
            <Button component={Link} to={`/bookings/${booking.id}`}>
              {t("newBooking.open")}
            </Button>
          ) : (
            <>
              {expired && (
                <Button variant="default" onClick={onStartAgain}>
                  {t("newBooking.startAgain")}
                </Button>
              )}
              <Button onClick={() => confirm.mutate()} loading={confirm.isPending} disabled={expired}>
                {t("newBooking.confirm")}
              </Button>
            </>
          )}
        </Group>
        {confirmed && (
          <Anchor component={Link} to="/bookings/new" onClick={onStartAgain} size="sm">
            {t("newBooking.another")}
          </Anchor>
        )}
      </Stack>
    </Paper>
  );
}
