import { Button, Group, NumberInput, SimpleGrid, Stack, Switch, Table, TextInput } from "@mantine/core";
import { useForm } from "@mantine/form";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";

import { api, type Schemas } from "../../api/client";
import { unwrap } from "../../api/errors";
import { useSession } from "../../auth/session";
import { formatMoney } from "../../components/format";
import { useApiSubmit, FormActions } from "../../components/useApiSubmit";
import { notify } from "../../components/notify";
import { QueryTable } from "../../components/ListFrame";
import { EditDialog } from "../../components/EditModal";
import { SectionHeader } from "../../components/Page";

type Property = Schemas["PropertyOut"];
type RoomType = Schemas["RoomTypeOut"];

function RoomTypeForm({ property, roomType, onDone }: { property: Property; roomType: RoomType | null; onDone: () => void }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const form = useForm({
    initialValues: {
      code: roomType?.code ?? "",
      name: roomType?.name ?? "",
      total_rooms: (roomType?.total_rooms ?? "") as number | "",
      max_occupancy: (roomType?.max_occupancy ?? 2) as number | "",
      base_rate: roomType?.base_rate ?? "",
      buffer_rooms: (roomType?.buffer_rooms ?? "") as number | "",
      is_active: roomType?.is_active ?? true,
    },
    validate: {
      code: (v) => (v.trim() ? null : t("auth.required")),
      name: (v) => (v.trim() ? null : t("auth.required")),
      total_rooms: (v) => (v === "" ? t("auth.required") : null),
      base_rate: (v) => (!v.trim() || /^\d+(\.\d+)?$/.test(v.trim()) ? null : t("allotments.errors.rateInvalid")),
    },
  });
  const { submit, busy, formError } = useApiSubmit(form, async (values) => {
    const fields = {
      code: values.code.trim(),
      name: values.name.trim(),
      total_rooms: Number(values.total_rooms),
      max_occupancy: values.max_occupancy === "" ? 2 : values.max_occupancy,
      base_rate: values.base_rate.trim() || "0",
      buffer_rooms: values.buffer_rooms === "" ? null : values.buffer_rooms,
    };
    if (roomType)
      unwrap(
        await api.PATCH("/room-types/{room_type_id}", {
          params: { path: { room_type_id: roomType.id } },
          body: { ...fields, is_active: values.is_active },
        }),
      );
    else unwrap(await api.POST("/properties/{property_id}/room-types", { params: { path: { property_id: property.id } }, body: fields }));
    notify(t("setup.roomTypes.saved", { name: fields.name }));
    await queryClient.invalidateQueries({ queryKey: ["room-types", property.id] });
    onDone();
  });
  return (
    <form onSubmit={submit} noValidate>
      <Stack gap="sm">
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
          <TextInput label={t("setup.roomTypes.code")} required {...form.getInputProps("code")} />
          <TextInput label={t("setup.roomTypes.name")} required {...form.getInputProps("name")} />
          <NumberInput label={t("setup.roomTypes.totalRooms")} required min={0} allowDecimal={false} {...form.getInputProps("total_rooms")} />
          <NumberInput label={t("setup.roomTypes.maxOccupancy")} min={1} max={50} allowDecimal={false} {...form.getInputProps("max_occupancy")} />
          <TextInput
            label={t("setup.roomTypes.baseRate", { currency: property.currency })}
            inputMode="decimal"
            {...form.getInputProps("base_rate")}
          />
          <NumberInput
            label={t("setup.properties.buffer")}
            description={t("setup.roomTypes.bufferHelp")}
            min={0}
            max={1000}
            allowDecimal={false}
            clampBehavior="none"
            {...form.getInputProps("buffer_rooms")}
          />
        </SimpleGrid>
        {roomType && <Switch label={t("setup.roomTypes.active")} {...form.getInputProps("is_active", { type: "checkbox" })} />}
        <FormActions error={formError} busy={busy} onCancel={onDone} />
      </Stack>
    </form>
  );
}

export function useRoomTypes(propertyId: number) {
  return useQuery({
    queryKey: ["room-types", propertyId],
    queryFn: async () => unwrap(await api.GET("/properties/{property_id}/room-types", { params: { path: { property_id: propertyId } } })),
  });
}

/** The property's room types: a table with create/edit, and the one whose rate plans are shown. */
export function RoomTypes({ property, selected, onSelect }: { property: Property; selected: number | null; onSelect: (id: number) => void }) {
  const { t, i18n } = useTranslation();
  const { can } = useSession();
  const roomTypes = useRoomTypes(property.id);
  const [editing, setEditing] = useState<RoomType | null | undefined>(undefined);
  const writable = can("PROPERTIES_WRITE");
  const body = (
    <QueryTable
      query={roomTypes}
      empty={t("setup.roomTypes.empty")}
      minWidth={680}
      columns={[t("setup.roomTypes.code"), t("setup.roomTypes.name"), t("setup.roomTypes.totalRooms"), t("setup.roomTypes.maxOccupancy"), t("setup.roomTypes.baseRateShort"), t("setup.properties.buffer"), t("allotments.actions")]}
      rows={(items) =>
        items.map((roomType) => (
          <Table.Tr key={roomType.id} data-room-type={roomType.code}>
            <Table.Td fw={500}>{roomType.code}</Table.Td>
            <Table.Td>
              {roomType.name}
              {!roomType.is_active && ` (${t("setup.roomTypes.inactive")})`}
            </Table.Td>
            <Table.Td>{roomType.total_rooms}</Table.Td>
            <Table.Td>{roomType.max_occupancy}</Table.Td>
            <Table.Td>{formatMoney(roomType.base_rate, property.currency, i18n.language)}</Table.Td>
            <Table.Td>{roomType.buffer_rooms ?? t("setup.roomTypes.inherits")}</Table.Td>
            <Table.Td>
              <Group gap={4} wrap="nowrap">
                <Button
                  size="xs"
                  variant={selected === roomType.id ? "filled" : "light"}
                  aria-pressed={selected === roomType.id}
                  onClick={() => onSelect(roomType.id)}
                  aria-label={t("setup.ratePlans.showFor", { name: roomType.name })}
                >
                  {t("setup.ratePlans.title")}
                </Button>
                {writable && (
                  <Button size="xs" variant="default" onClick={() => setEditing(roomType)} aria-label={t("setup.roomTypes.editNamed", { name: roomType.name })}>
                    {t("allotments.edit")}
                  </Button>
                )}
              </Group>
            </Table.Td>
          </Table.Tr>
        ))
      }
    />
  );
  return (
    <section aria-labelledby="room-types-heading">
      <SectionHeader id="room-types-heading" title={t("setup.roomTypes.title")} action={writable && <Button onClick={() => setEditing(null)}>{t("setup.roomTypes.new")}</Button>} />
      {body}
      <EditDialog target={editing} onClose={() => setEditing(undefined)} title={editing ? t("setup.roomTypes.editNamed", { name: editing.name }) : t("setup.roomTypes.new")} size="lg">
        {(roomType) => <RoomTypeForm property={property} roomType={roomType} onDone={() => setEditing(undefined)} />}
      </EditDialog>
    </section>
  );
}
