import { Anchor, Button, Paper, SimpleGrid, Stack } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router-dom";

import { api } from "../../api/client";
import { unwrap } from "../../api/errors";
import { useSession } from "../../auth/session";
import { Field } from "../../components/Field";
import { ErrorState, LoadingState } from "../../components/States";
import { PropertyForm } from "./PropertyForm";
import { RatePlans } from "./RatePlans";
import { RoomTypes, useRoomTypes } from "./RoomTypes";
import { PageHeader } from "../../components/Page";
import { EditModal } from "../../components/EditModal";

export default function PropertyDetail() {
  const { t } = useTranslation();
  const { can } = useSession();
  const propertyId = Number(useParams().propertyId);
  const [editing, setEditing] = useState(false);
  const [selected, setSelected] = useState<number | null>(null);
  const property = useQuery({
    queryKey: ["properties", "one", propertyId],
    queryFn: async () => unwrap(await api.GET("/properties/{property_id}", { params: { path: { property_id: propertyId } } })),
  });
  const roomTypes = useRoomTypes(propertyId);
  if (property.isPending) return <LoadingState />;
  if (property.isError) return <ErrorState error={property.error} onRetry={() => void property.refetch()} />;
  const data = property.data;
  const roomType = roomTypes.data?.find((r) => r.id === (selected ?? roomTypes.data[0]?.id));
  return (
    <Stack gap="lg">
      <div>
        <Anchor component={Link} to="/properties" size="sm">
          {t("setup.properties.back")}
        </Anchor>
        <PageHeader
          title={data.name}
          action={can("PROPERTIES_WRITE") && <Button onClick={() => setEditing(true)}>{t("allotments.edit")}</Button>}
        />
        <Paper withBorder p="md">
          <SimpleGrid cols={{ base: 2, sm: 4 }} spacing="sm">
            <Field label={t("setup.properties.code")} value={data.code} />
            <Field label={t("setup.properties.country")} value={data.country_code} />
            <Field label={t("setup.properties.timezone")} value={data.timezone} />
            <Field label={t("setup.properties.currency")} value={data.currency} />
            <Field label={t("setup.properties.address")} value={[data.address, data.city, data.region, data.postal_code].filter(Boolean).join(", ")} />
            <Field label={t("setup.properties.buffer")} value={data.buffer_rooms ?? t("setup.roomTypes.inherits")} />
            <Field label={t("allotments.status")} value={t(`setup.properties.statuses.${data.status}`)} />
          </SimpleGrid>
        </Paper>
      </div>
      <Paper withBorder p="md">
        <RoomTypes property={data} selected={roomType?.id ?? null} onSelect={setSelected} />
      </Paper>
      {roomType && (
        <Paper withBorder p="md">
          <RatePlans key={roomType.id} property={data} roomType={roomType} />
        </Paper>
      )}
      <EditModal opened={editing} onClose={() => setEditing(false)} title={t("setup.properties.editNamed", { name: data.name })} size="lg">
        {editing && <PropertyForm property={data} onDone={() => setEditing(false)} />}
      </EditModal>
    </Stack>
  );
}
