import { Alert, Badge, Button, Group, List, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";

import { api, type Schemas } from "../../api/client";
import { unwrap } from "../../api/errors";
import { useSession } from "../../auth/session";
import { mappingCoverage } from "./channelLogic";
import { READABLE_ALERT, useMappings, usePropertyCatalog } from "./parts";
import { notifyError } from "../../components/notify";
import { ScrollBox } from "../../components/Page";
import { HeaderRow } from "../../components/ListFrame";

type Connection = Schemas["ConnectionOut"];
type MappingCheck = Schemas["MappingCheckOut"];
const UNMAPPED_ROW = { background: "var(--mantine-color-orange-light)" };

function NotMapped() {
  const { t } = useTranslation();
  return (
    <Badge color="orange" variant="outline" styles={{ root: { color: "#7a3e00" } }}>
      {t("channels.mapping.notMapped")}
    </Badge>
  );
}

/** An OTA id typed next to an unmapped row, and the button that maps it. */
function MapInput({ label, disabled, onMap }: { label: string; disabled?: boolean; onMap: (otaId: string) => Promise<void> }) {
  const { t } = useTranslation();
  const [value, setValue] = useState("");
  const [busy, setBusy] = useState(false);
  return (
    <Group gap={4} wrap="nowrap">
      <TextInput size="xs" aria-label={label} placeholder={t("channels.mapping.otaIdPlaceholder")} value={value} onChange={(e) => setValue(e.currentTarget.value)} disabled={disabled} w={140} />
      <Button
        size="xs"
        disabled={disabled || !value.trim()}
        loading={busy}
        onClick={() => {
          setBusy(true);
          onMap(value.trim())
            .then(() => setValue(""))
            .finally(() => setBusy(false));
        }}
      >
        {t("channels.mapping.map")}
      </Button>
    </Group>
  );
}

function CheckResult({ check }: { check: MappingCheck }) {
  const { t } = useTranslation();
  if (check.error) return <Alert styles={READABLE_ALERT} color="red" title={t("channels.mapping.checkFailed")}>{check.error}</Alert>;
  if (check.ok && check.unmapped.length === 0) return <Alert styles={READABLE_ALERT} color="green" title={t("channels.mapping.checkOk")}>{t("channels.mapping.checkOkText", { rooms: check.checked_room_types, plans: check.checked_rate_plans })}</Alert>;
  return (
    <Alert styles={READABLE_ALERT} color="red" title={t("channels.mapping.checkProblems")} data-testid="mapping-check">
      {check.problems.length > 0 && (
        <>
          <Text size="sm" fw={500}>
            {t("channels.mapping.stale")}
          </Text>
          <List size="sm">
            {check.problems.map((p, i) => (
              <List.Item key={`p${i}`}>{p.message}</List.Item>
            ))}
          </List>
        </>
      )}
      {check.unmapped.length > 0 && (
        <>
          <Text size="sm" fw={500} mt="xs">
            {t("channels.mapping.otaUnmapped")}
          </Text>
          <List size="sm">
            {check.unmapped.map((p, i) => (
              <List.Item key={`u${i}`}>{p.ota_rate_plan_id ? `${p.ota_room_id} / ${p.ota_rate_plan_id}: ${p.message}` : `${p.ota_room_id}: ${p.message}`}</List.Item>
            ))}
          </List>
        </>
      )}
    </Alert>
  );
}

/** The connection's room type and rate plan mappings; what nothing maps is highlighted, with why
 * it matters. Map by typing the OTA's id, unmap, or check every mapping against the OTA. */
export function MappingEditor({ connection }: { connection: Connection }) {
  const { t } = useTranslation();
  const { can } = useSession();
  const queryClient = useQueryClient();
  const catalog = usePropertyCatalog(connection.property_id);
  const mappings = useMappings(connection.id);
  const writable = can("OTA_CONNECTIONS_WRITE");
  const coverage = mappingCoverage(catalog.roomTypes, catalog.ratePlans, mappings.roomItems, mappings.planItems);
  const refresh = () => queryClient.invalidateQueries({ queryKey: ["ota-mappings", connection.id] });
  const failed = (error: unknown) => notifyError(error instanceof Error ? error.message : String(error));
  const path = { params: { path: { connection_id: connection.id } } };
  const mapRoom = async (roomTypeId: number, otaRoomId: string) => {
    try {
      unwrap(await api.POST("/ota-connections/{connection_id}/room-type-mappings", { ...path, body: { room_type_id: roomTypeId, ota_room_id: otaRoomId } }));
      await refresh();
    } catch (error) {
      failed(error);
    }
  };
  const mapPlan = async (ratePlanId: number, otaRatePlanId: string) => {
    try {
      unwrap(await api.POST("/ota-connections/{connection_id}/rate-plan-mappings", { ...path, body: { rate_plan_id: ratePlanId, ota_rate_plan_id: otaRatePlanId } }));
      await refresh();
    } catch (error) {
      failed(error);
    }
  };
  const unmap = useMutation({
    mutationFn: async ({ kind, id }: { kind: "room" | "plan"; id: number }) => {
      const params = { params: { path: { mapping_id: id } } };
      if (kind === "room") unwrap(await api.DELETE("/room-type-mappings/{mapping_id}", params));
      else unwrap(await api.DELETE("/rate-plan-mappings/{mapping_id}", params));
    },
    onSuccess: refresh,
    onError: failed,
  });
  const check = useMutation({
    mutationFn: async () => unwrap(await api.POST("/ota-connections/{connection_id}/mapping-check", path)),
    onError: failed,
  });
  const anyUnmapped = coverage.unmappedRoomTypes.length + coverage.unmappedRatePlans.length > 0;
  return (
    <Stack gap="sm">
      <Group justify="space-between">
        <Title order={2} size="h4">
          {t("channels.mapping.title")}
        </Title>
        <Button size="xs" variant="default" onClick={() => check.mutate()} loading={check.isPending}>
          {t("channels.mapping.check")}
        </Button>
      </Group>
      {anyUnmapped && (
        <Alert styles={READABLE_ALERT} color="orange" title={t("channels.mapping.unmappedTitle")} data-testid="unmapped-warning">
          {t("channels.mapping.whyItMatters")}
        </Alert>
      )}
      {check.data && <CheckResult check={check.data} />}
      <ScrollBox label={t("channels.mapping.roomTypes")}>
        <Table verticalSpacing="xs" miw={640} captionSide="top">
          <Table.Caption>{t("channels.mapping.roomTypes")}</Table.Caption>
          <HeaderRow labels={[t("channels.mapping.ours"), t("channels.mapping.otaRoom"), writable && t("allotments.actions")]} />
          <Table.Tbody>
            {catalog.roomTypes.map((room) => {
              const mapping = mappings.roomItems.find((m) => m.room_type_id === room.id);
              return (
                <Table.Tr key={room.id} data-room-type={room.code} data-unmapped={mapping ? undefined : "true"} style={mapping ? undefined : UNMAPPED_ROW}>
                  <Table.Td>{`${room.code} · ${room.name}`}</Table.Td>
                  <Table.Td>{mapping ? mapping.ota_room_id : <NotMapped />}</Table.Td>
                  {writable && (
                    <Table.Td>
                      {mapping ? (
                        <Button size="xs" variant="subtle" color="red" onClick={() => unmap.mutate({ kind: "room", id: mapping.id })} aria-label={t("channels.mapping.unmapNamed", { name: room.name })}>
                          {t("channels.mapping.unmap")}
                        </Button>
                      ) : (
                        <MapInput label={t("channels.mapping.otaRoomFor", { name: room.name })} onMap={(id) => mapRoom(room.id, id)} />
                      )}
                    </Table.Td>
                  )}
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      </ScrollBox>
      <ScrollBox label={t("channels.mapping.ratePlans")}>
        <Table verticalSpacing="xs" miw={640} captionSide="top">
          <Table.Caption>{t("channels.mapping.ratePlans")}</Table.Caption>
          <HeaderRow labels={[t("channels.mapping.ours"), t("channels.mapping.otaRate"), writable && t("allotments.actions")]} />
          <Table.Tbody>
            {catalog.ratePlans.map((plan) => {
              const mapping = mappings.planItems.find((m) => m.rate_plan_id === plan.id);
              const name = `${catalog.roomName(plan.room_type_id) ?? ""} · ${plan.code} · ${plan.name}`;
              return (
                <Table.Tr key={plan.id} data-plan={plan.code} data-unmapped={mapping ? undefined : "true"} style={mapping ? undefined : UNMAPPED_ROW}>
                  <Table.Td>{name}</Table.Td>
                  <Table.Td>{mapping ? `${mapping.ota_room_id} / ${mapping.ota_rate_plan_id}` : <NotMapped />}</Table.Td>
                  {writable && (
                    <Table.Td>
                      {mapping ? (
                        <Button size="xs" variant="subtle" color="red" onClick={() => unmap.mutate({ kind: "plan", id: mapping.id })} aria-label={t("channels.mapping.unmapNamed", { name })}>
                          {t("channels.mapping.unmap")}
                        </Button>
                      ) : coverage.blockedRatePlans.has(plan.id) ? (
                        <Text size="xs">{t("channels.mapping.roomFirst")}</Text>
                      ) : (
                        <MapInput label={t("channels.mapping.otaRateFor", { name })} onMap={(id) => mapPlan(plan.id, id)} />
                      )}
                    </Table.Td>
                  )}
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      </ScrollBox>
    </Stack>
  );
}
