import { Anchor, List, Stack, Table, Text } from "@mantine/core";
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";

import type { Schemas } from "../../api/client";
import { formatDate, formatDateTime } from "../../components/format";
import { HeaderRow } from "../../components/ListFrame";

type Alert = Schemas["AlertOut"];

interface BookingOnNight {
  group_id: number;
  reference: string;
  channel: string;
  rooms: number;
  effect: string;
  arrived_at: string;
  booked_at: string;
}

interface AllotmentOnNight {
  contract_id: number;
  contract_name: string;
  agency_name: string;
  withheld: number;
}

interface StaleChannel {
  channel: string;
  behind_by_seconds: number;
}

/** The overbooking root cause as the API stores it (chalicelib/domain/alerts.py: overbooking_root_cause). */
interface OverbookingCause {
  room_type_name?: string;
  total: number;
  sold: number;
  held: number;
  blocked: number;
  overbooked_by: number;
  trigger_group_id: number;
  trigger_channel: string | null;
  trigger_booked_at: string | null;
  rooms_by_channel: Record<string, number>;
  bookings: BookingOnNight[];
  stale_channels: StaleChannel[];
  channel_freshness_unknown: string[];
  allotments?: AllotmentOnNight[];
}

/** A channel code ("booking_com", "direct") as people name it ("Booking.com", "Direct"). */
export function useChannelName() {
  const { t } = useTranslation();
  return (code: string | null | undefined) => (code ? t(`bookings.channels.${code}`, code) : "—");
}

function isOverbooking(alert: Alert): boolean {
  return alert.type === "overbooking" && Array.isArray((alert.details as { bookings?: unknown }).bookings);
}

function duration(seconds: number, language: string): string {
  const minutes = Math.max(1, Math.round(seconds / 60));
  const [value, unit] = minutes < 120 ? [minutes, "minute"] : [Math.round(minutes / 60), "hour"];
  return new Intl.NumberFormat(language, { style: "unit", unit, unitDisplay: "long" }).format(value);
}

function OverbookingExplanation({ alert, timeZone }: { alert: Alert; timeZone?: string }) {
  const { t, i18n } = useTranslation();
  const channelName = useChannelName();
  const cause = alert.details as unknown as OverbookingCause;
  const lang = i18n.language;
  const trigger = cause.bookings.find((b) => b.group_id === cause.trigger_group_id);
  return (
    <Stack gap="sm">
      <Text>
        {t("alertDetail.causeSummary", {
          roomType: cause.room_type_name ?? "",
          night: formatDate(alert.night, lang),
          taken: cause.sold + cause.held + cause.blocked,
          total: cause.total,
          count: cause.overbooked_by,
        })}
      </Text>
      {trigger && (
        <Text>
          {t("alertDetail.causeTrigger", {
            channel: channelName(trigger.channel),
            reference: trigger.reference,
            time: formatDateTime(trigger.booked_at, lang, timeZone),
          })}
        </Text>
      )}
      {cause.stale_channels.map((stale) => (
        <Text key={stale.channel} c="red.9" fw={500}>
          {t("alertDetail.causeStale", { channel: channelName(stale.channel), behind: duration(stale.behind_by_seconds, lang) })}
        </Text>
      ))}
      {cause.channel_freshness_unknown.map((channel) => (
        <Text key={channel}>{t("alertDetail.causeUnknown", { channel: channelName(channel) })}</Text>
      ))}
      {(cause.allotments ?? []).length > 0 && (
        <div>
          <Text size="sm" fw={500}>
            {t("alertDetail.allotmentsWithheld")}
          </Text>
          <List size="sm">
            {(cause.allotments ?? []).map((a) => (
              <List.Item key={a.contract_id}>
                {t("alertDetail.allotmentRooms", { agency: a.agency_name, contract: a.contract_name, count: a.withheld })}
              </List.Item>
            ))}
          </List>
        </div>
      )}
      <div>
        <Text size="sm" fw={500}>
          {t("alertDetail.roomsByChannel")}
        </Text>
        <List size="sm">
          {Object.entries(cause.rooms_by_channel).map(([channel, rooms]) => (
            <List.Item key={channel}>{t("alertDetail.channelRooms", { channel: channelName(channel), count: rooms })}</List.Item>
          ))}
        </List>
      </div>
    </Stack>
  );
}

/** The bookings holding the night, oldest first, each a link to its detail. */
export function InvolvedBookings({ alert, timeZone }: { alert: Alert; timeZone?: string }) {
  const { t, i18n } = useTranslation();
  const channelName = useChannelName();
  const bookings = isOverbooking(alert) ? (alert.details as unknown as OverbookingCause).bookings : [];
  if (bookings.length === 0) {
    return alert.booking_group_id === null ? (
      <Text c="dimmed">{t("alertDetail.noBookings")}</Text>
    ) : (
      <Anchor component={Link} to={`/bookings/${alert.booking_group_id}`}>
        {t("alerts.openBooking")}
      </Anchor>
    );
  }
  return (
    <Table.ScrollContainer minWidth={520}>
      <Table>
        <HeaderRow labels={[t("bookings.reference"), t("bookings.channel"), t("bookings.rooms"), t("alertDetail.arrived")]} />
        <Table.Tbody>
          {bookings.map((b) => (
            <Table.Tr key={`${b.group_id}-${b.arrived_at}`}>
              <Table.Td>
                <Anchor component={Link} to={`/bookings/${b.group_id}`}>
                  {b.reference}
                </Anchor>
                {b.group_id === alert.booking_group_id && (
                  <Text size="xs" c="red.9">
                    {t("alertDetail.trigger")}
                  </Text>
                )}
              </Table.Td>
              <Table.Td>{channelName(b.channel)}</Table.Td>
              <Table.Td>{b.rooms}</Table.Td>
              <Table.Td>{formatDateTime(b.arrived_at, i18n.language, timeZone)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

/** The root cause in words: for an overbooking, built from its details; otherwise the alert's message. */
export function AlertRootCause({ alert, timeZone }: { alert: Alert; timeZone?: string }) {
  if (isOverbooking(alert)) return <OverbookingExplanation alert={alert} timeZone={timeZone} />;
  return <Text>{alert.message}</Text>;
}
