import { Alert, Anchor, Button, Group, NumberInput, Paper, Select, SimpleGrid, Stack, Text, TextInput, Textarea, Title } from "@mantine/core";
import { DatePickerInput } from "@mantine/dates";
import { useForm, type UseFormReturnType } from "@mantine/form";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import dayjs from "dayjs";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";

import { api, type Schemas } from "../api/client";
import { ApiError, unwrap } from "../api/errors";
import { useSession } from "../auth/session";
import { EmptyState } from "../components/States";
import { FormError } from "../components/useApiSubmit";
import { useProperties } from "../components/useProperties";
import { bookingFieldOf } from "./bookingNew/hold";
import { HoldPanel } from "./bookingNew/HoldPanel";

type Booking = Schemas["BookingOut"];

interface Values {
  property_id: string | null;
  room_type_id: string | null;
  rate_plan_id: string | null;
  stay: [Date | null, Date | null];
  rooms: number | string;
  adults: number | string;
  children: number | string;
  guest_name: string;
  guest_email: string;
  guest_phone: string;
  notes: string;
  [key: string]: unknown;
}

const INITIAL: Values = {
  property_id: null,
  room_type_id: null,
  rate_plan_id: null,
  stay: [null, null],
  rooms: 1,
  adults: 2,
  children: 0,
  guest_name: "",
  guest_email: "",
  guest_phone: "",
  notes: "",
};

function requestBody(values: Values) {
  const [checkIn, checkOut] = values.stay;
  return {
    property_id: Number(values.property_id),
    source: "direct" as const,
    guest_name: values.guest_name.trim(),
    guest_email: values.guest_email.trim() || null,
    guest_phone: values.guest_phone.trim() || null,
    notes: values.notes,
    lines: [
      {
        room_type_id: Number(values.room_type_id),
        rate_plan_id: values.rate_plan_id ? Number(values.rate_plan_id) : null,
        check_in: dayjs(checkIn).format("YYYY-MM-DD"),
        check_out: dayjs(checkOut).format("YYYY-MM-DD"),
        rooms: Number(values.rooms),
        adults: Number(values.adults),
        children: Number(values.children),
        amount: null, // priced by the API from the rates
        guest_name: null,
      },
    ],
  };
}

/** The API's field errors under the fields they name; the message for the rest (409s: the short nights). */
function placeErrors(form: UseFormReturnType<Values>, error: unknown): string | null {
  if (!(error instanceof ApiError)) return error instanceof Error ? error.message : String(error);
  let placed = false;
  for (const detail of error.details) {
    const field = detail.field ? bookingFieldOf(detail.field) : null;
    if (field && !form.errors[field]) {
      form.setFieldError(field, detail.message);
      placed = true;
    }
  }
  return placed ? null : error.message;
}

function useRoomChoices(propertyId: string | null, roomTypeId: string | null) {
  const roomTypes = useQuery({
    queryKey: ["room-types", propertyId],
    queryFn: async () =>
      unwrap(await api.GET("/properties/{property_id}/room-types", { params: { path: { property_id: Number(propertyId) } } })),
    enabled: Boolean(propertyId),
    staleTime: 60_000,
  });
  const ratePlans = useQuery({
    queryKey: ["rate-plans", roomTypeId],
    queryFn: async () =>
      unwrap(await api.GET("/room-types/{room_type_id}/rate-plans", { params: { path: { room_type_id: Number(roomTypeId) } } })),
    enabled: Boolean(roomTypeId),
    staleTime: 60_000,
  });
  return { roomTypes, ratePlans };
}

/** A direct booking: the form, then the API's hold with its countdown, then Confirm. */
export default function BookingNew() {
  const { t } = useTranslation();
  const { can } = useSession();
  const queryClient = useQueryClient();
  const properties = useProperties();
  const [hold, setHold] = useState<{ booking: Booking; receivedAt: number } | null>(null);
  const [busy, setBusy] = useState(false);
  const [formError, setFormError] = useState<string | null>(null);
  const form = useForm<Values>({
    initialValues: INITIAL,
    validate: {
      property_id: (v) => (v ? null : t("auth.required")),
      room_type_id: (v) => (v ? null : t("auth.required")),
      stay: ([from, to]) => (from && to ? null : t("newBooking.stayRequired")),
      guest_name: (v) => (v.trim() ? null : t("auth.required")),
    },
  });
  const { roomTypes, ratePlans } = useRoomChoices(form.values.property_id, form.values.room_type_id);

  const submit = form.onSubmit(async (values) => {
    setBusy(true);
    setFormError(null);
    try {
      const booking = unwrap(
        await api.POST("/bookings", {
          body: requestBody(values),
          // One key per attempt: a retried request (a flaky network) cannot take the rooms twice.
          params: { header: { "Idempotency-Key": crypto.randomUUID() } },
        }),
      );
      setHold({ booking, receivedAt: Date.now() });
      await queryClient.invalidateQueries({ queryKey: ["bookings"] });
    } catch (error) {
      setFormError(placeErrors(form, error));
    } finally {
      setBusy(false);
    }
  });

  if (!can("BOOKINGS_CREATE") || !can("PROPERTIES_READ")) return <EmptyState message={t("newBooking.notAllowed")} />;

  const heading = (
    <Group justify="space-between" mb="md">
      <Title order={1} size="h2">
        {t("newBooking.title")}
      </Title>
      <Anchor component={Link} to="/bookings">
        {t("booking.back")}
      </Anchor>
    </Group>
  );
  if (hold) {
    return (
      <>
        {heading}
        <HoldPanel hold={hold.booking} receivedAt={hold.receivedAt} onStartAgain={() => setHold(null)} />
      </>
    );
  }

  const change = (field: "property_id" | "room_type_id", value: string | null) => {
    form.setFieldValue(field, value);
    if (field === "property_id") form.setFieldValue("room_type_id", null);
    form.setFieldValue("rate_plan_id", null);
  };
  return (
    <>
      {heading}
      <form onSubmit={submit} noValidate>
        <Stack gap="md">
          <Paper withBorder p="md" component="fieldset">
            <Text component="legend" fw={600} px={4}>
              {t("newBooking.stay")}
            </Text>
            <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }} spacing="sm">
              <Select
                label={t("bookings.property")}
                required
                searchable
                data={properties.items.map((p) => ({ value: String(p.id), label: `${p.name} (${p.code})` }))}
                {...form.getInputProps("property_id")}
                onChange={(value) => change("property_id", value)}
              />
              <Select
                label={t("booking.roomType")}
                required
                disabled={!form.values.property_id}
                data={(roomTypes.data ?? []).filter((r) => r.is_active).map((r) => ({ value: String(r.id), label: `${r.name} (${r.code})` }))}
                {...form.getInputProps("room_type_id")}
                onChange={(value) => change("room_type_id", value)}
              />
              <Select
                label={t("newBooking.ratePlan")}
                placeholder={t("newBooking.ratePlanDefault")}
                clearable
                disabled={!form.values.room_type_id}
                data={(ratePlans.data ?? []).filter((r) => r.is_active).map((r) => ({ value: String(r.id), label: `${r.name} (${r.code})` }))}
                {...form.getInputProps("rate_plan_id")}
              />
              <DatePickerInput
                type="range"
                label={t("newBooking.dates")}
                placeholder={t("newBooking.datesPlaceholder")}
                required
                minDate={new Date()}
                ariaLabels={{ nextMonth: t("newBooking.nextMonth"), previousMonth: t("newBooking.previousMonth") }}
                {...form.getInputProps("stay")}
              />
              <NumberInput label={t("bookings.rooms")} min={1} max={50} required {...form.getInputProps("rooms")} />
              <Group grow gap="sm" align="flex-start">
                <NumberInput label={t("newBooking.adults")} min={1} max={20} {...form.getInputProps("adults")} />
                <NumberInput label={t("newBooking.children")} min={0} max={20} {...form.getInputProps("children")} />
              </Group>
            </SimpleGrid>
          </Paper>
          <Paper withBorder p="md" component="fieldset">
            <Text component="legend" fw={600} px={4}>
              {t("newBooking.guestDetails")}
            </Text>
            <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="sm">
              <TextInput label={t("newBooking.guestName")} required autoComplete="off" {...form.getInputProps("guest_name")} />
              <TextInput label={t("booking.email")} type="email" autoComplete="off" {...form.getInputProps("guest_email")} />
              <TextInput label={t("booking.phone")} type="tel" autoComplete="off" {...form.getInputProps("guest_phone")} />
            </SimpleGrid>
            <Textarea label={t("booking.notes")} mt="sm" autosize minRows={2} maxLength={2000} {...form.getInputProps("notes")} />
          </Paper>
          <FormError message={formError} />
          {ratePlans.isError && <Alert color="red">{ratePlans.error.message}</Alert>}
          {roomTypes.isError && <Alert color="red">{roomTypes.error.message}</Alert>}
          <Group justify="flex-end">
            <Button type="submit" loading={busy}>
              {t("newBooking.hold")}
            </Button>
          </Group>
        </Stack>
      </form>
    </>
  );
}
