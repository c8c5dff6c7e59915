import { Button, Group, NumberInput, Select, SimpleGrid, Stack, Table, Text, TextInput } from "@mantine/core";
import { useForm } from "@mantine/form";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";

import { api, type Schemas } from "../../api/client";
import { unwrap } from "../../api/errors";
import { formatDate } from "../../components/format";
import { useApiSubmit, FormActions } from "../../components/useApiSubmit";
import { useProperties } from "../../components/useProperties";
import { propertyOptions, useRoomTypes } from "../allotments/useAllotmentData";
import { notify, notifyError } from "../../components/notify";
import { QueryTable } from "../../components/ListFrame";

type Supplier = Schemas["SupplierOut"];
type Allocation = Schemas["AllocationOut"];

function RoomTypeName({ propertyId, roomTypeId }: { propertyId: number; roomTypeId: number }) {
  return <>{useRoomTypes(propertyId).name(roomTypeId)}</>;
}

/** Add an allocation (property, room type, nights, rooms), or change one's nights, rooms and notes. */
function AllocationForm({ supplier, allocation, onDone }: { supplier: Supplier; allocation: Allocation | null; onDone: () => void }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const properties = useProperties();
  const form = useForm({
    initialValues: {
      property_id: allocation ? String(allocation.property_id) : (null as string | null),
      room_type_id: allocation ? String(allocation.room_type_id) : (null as string | null),
      date_from: allocation?.date_from ?? "",
      date_to: allocation?.date_to ?? "",
      rooms: allocation?.rooms ?? ("" as number | ""),
      notes: allocation?.notes ?? "",
    },
    validate: {
      room_type_id: (v) => (v ? null : t("auth.required")),
      date_from: (v) => (v ? null : t("auth.required")),
      date_to: (v) => (v ? null : t("auth.required")),
      rooms: (v) => (v === "" ? t("auth.required") : null),
    },
  });
  const propertyId = form.getValues().property_id;
  const roomTypes = useRoomTypes(propertyId ? Number(propertyId) : null);
  const { submit, busy, formError } = useApiSubmit(form, async (v) => {
    const fields = { date_from: v.date_from, date_to: v.date_to, rooms: Number(v.rooms), notes: v.notes };
    if (allocation) unwrap(await api.PATCH("/allocations/{allocation_id}", { params: { path: { allocation_id: allocation.id } }, body: fields }));
    else
      unwrap(
        await api.POST("/suppliers/{supplier_id}/allocations", {
          params: { path: { supplier_id: supplier.id } },
          body: { ...fields, room_type_id: Number(v.room_type_id) },
        }),
      );
    notify(t("suppliers.allocations.saved"));
    await queryClient.invalidateQueries({ queryKey: ["supplier-allocations", supplier.id] });
    onDone();
  });
  return (
    <form onSubmit={submit} noValidate aria-label={allocation ? t("suppliers.allocations.edit") : t("suppliers.allocations.add")}>
      <Stack gap="sm">
        <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="sm">
          <Select label={t("bookings.property")} data={propertyOptions(properties.items)} searchable disabled={Boolean(allocation)} {...form.getInputProps("property_id")} />
          <Select label={t("allotments.roomType")} data={roomTypes.options} required disabled={Boolean(allocation)} {...form.getInputProps("room_type_id")} />
          <NumberInput label={t("suppliers.allocations.rooms")} min={1} allowDecimal={false} required {...form.getInputProps("rooms")} />
          <TextInput type="date" label={t("allotments.seasons.firstNight")} required {...form.getInputProps("date_from")} />
          <TextInput type="date" label={t("allotments.seasons.lastNight")} required {...form.getInputProps("date_to")} />
          <TextInput label={t("allotments.notes")} {...form.getInputProps("notes")} />
        </SimpleGrid>
        <FormActions error={formError} busy={busy} onCancel={onDone} />
      </Stack>
    </form>
  );
}

/** The rooms of room types a supplier owns, over which nights; the API refuses more than a room type has. */
export function SupplierAllocations({ supplier, writable }: { supplier: Supplier; writable: boolean }) {
  const { t, i18n } = useTranslation();
  const queryClient = useQueryClient();
  const properties = useProperties();
  const [editing, setEditing] = useState<Allocation | null | undefined>(undefined);
  const allocations = useQuery({
    queryKey: ["supplier-allocations", supplier.id],
    queryFn: async () => unwrap(await api.GET("/suppliers/{supplier_id}/allocations", { params: { path: { supplier_id: supplier.id } } })),
  });
  const remove = useMutation({
    mutationFn: async (allocation: Allocation) => unwrap(await api.DELETE("/allocations/{allocation_id}", { params: { path: { allocation_id: allocation.id } } })),
    onSuccess: async () => {
      notify(t("suppliers.allocations.removed"));
      await queryClient.invalidateQueries({ queryKey: ["supplier-allocations", supplier.id] });
    },
    onError: (error) => notifyError(error.message),
  });
  const body = (
    <QueryTable
      query={allocations}
      empty={t("suppliers.allocations.empty")}
      minWidth={560}
      compact
      columns={[t("bookings.property"), t("allotments.roomType"), t("hardblocks.nights"), { label: t("suppliers.allocations.rooms"), numeric: true }, writable && t("allotments.actions")]}
      rows={(items) =>
        items.map((a) => (
          <Table.Tr key={a.id} data-allocation={a.id}>
            <Table.Td>{properties.name(a.property_id)}</Table.Td>
            <Table.Td>
              <RoomTypeName propertyId={a.property_id} roomTypeId={a.room_type_id} />
            </Table.Td>
            <Table.Td style={{ whiteSpace: "nowrap" }}>{`${formatDate(a.date_from, i18n.language)} – ${formatDate(a.date_to, i18n.language)}`}</Table.Td>
            <Table.Td style={{ textAlign: "right" }}>{a.rooms}</Table.Td>
            {writable && (
              <Table.Td>
                <Group gap="xs" wrap="nowrap">
                  <Button size="compact-xs" variant="light" onClick={() => setEditing(a)} aria-label={t("suppliers.allocations.editNamed", { id: a.id })}>
                    {t("allotments.edit")}
                  </Button>
                  <Button size="compact-xs" variant="subtle" color="red" onClick={() => remove.mutate(a)} aria-label={t("suppliers.allocations.removeNamed", { id: a.id })}>
                    {t("allotments.remove")}
                  </Button>
                </Group>
              </Table.Td>
            )}
          </Table.Tr>
        ))
      }
    />
  );
  return (
    <Stack gap="sm">
      <Text size="sm" c="dimmed">
        {t("suppliers.allocations.help")}
      </Text>
      {body}
      {editing !== undefined ? (
        <AllocationForm key={editing?.id ?? "new"} supplier={supplier} allocation={editing} onDone={() => setEditing(undefined)} />
      ) : (
        writable && (
          <Group>
            <Button size="xs" variant="light" onClick={() => setEditing(null)}>
              {t("suppliers.allocations.add")}
            </Button>
          </Group>
        )
      )}
    </Stack>
  );
}
