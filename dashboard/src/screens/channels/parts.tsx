// Pieces the channels screens share: the property's catalog (room types and rate plans), a
// connection's mappings and proposals, and the health badge.
import { Badge, Button, Group, Table, Text } from "@mantine/core";
import { useMutation, useQueries, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";

import { api, type Schemas } from "../../api/client";
import { unwrap } from "../../api/errors";
import { useSession } from "../../auth/session";
import { useRoomTypes } from "../setup/RoomTypes";
import { HEALTH_COLOURS, healthLevel, type MappableRatePlan } from "./channelLogic";
import { notify, notifyError } from "../../components/notify";
import { ScrollBox } from "../../components/Page";
import { HeaderRow } from "../../components/ListFrame";

export type Proposal = Schemas["ProposalOut"];

/** An alert's title in the text colour: a coloured title on the alert's light tint is too faint. */
export const READABLE_ALERT = { title: { color: "var(--mantine-color-text)" } };

/** A connection's health in one word, coloured (the word carries the meaning, not the colour). */
export function HealthBadge({ connection }: { connection: { is_active: boolean; health: string; stale?: boolean } }) {
  const { t } = useTranslation();
  const level = healthLevel(connection);
  return (
    <Badge variant="dot" color={HEALTH_COLOURS[level]} data-health={level} styles={{ root: { color: "#212529" } }}>
      {t(`channels.health.${level}`)}
    </Badge>
  );
}

/** The property's room types and every rate plan of them (one request per room type). */
export function usePropertyCatalog(propertyId: number | null) {
  const roomTypes = useRoomTypes(propertyId ?? 0);
  const rooms = propertyId ? (roomTypes.data ?? []) : [];
  const plans = useQueries({
    queries: rooms.map((room) => ({
      queryKey: ["rate-plans", room.id],
      queryFn: async () => unwrap(await api.GET("/room-types/{room_type_id}/rate-plans", { params: { path: { room_type_id: room.id } } })),
    })),
  });
  const ratePlans: MappableRatePlan[] = plans.flatMap((q) => q.data ?? []);
  return {
    roomTypes: rooms,
    ratePlans,
    loading: roomTypes.isPending || plans.some((q) => q.isPending),
    roomName: (id: number | null) => rooms.find((r) => r.id === id)?.name,
    planName: (id: number | null) => ratePlans.find((p) => p.id === id)?.name,
  };
}

export function useMappings(connectionId: number | null) {
  const path = { params: { path: { connection_id: connectionId ?? 0 }, query: { page_size: 200 } } };
  const rooms = useQuery({
    queryKey: ["ota-mappings", connectionId, "rooms"],
    queryFn: async () => unwrap(await api.GET("/ota-connections/{connection_id}/room-type-mappings", path)),
    enabled: connectionId !== null,
  });
  const plans = useQuery({
    queryKey: ["ota-mappings", connectionId, "plans"],
    queryFn: async () => unwrap(await api.GET("/ota-connections/{connection_id}/rate-plan-mappings", path)),
    enabled: connectionId !== null,
  });
  return { rooms, plans, roomItems: rooms.data?.items ?? [], planItems: plans.data?.items ?? [] };
}

export function useProposals(connectionId: number | null) {
  return useQuery({
    queryKey: ["ota-proposals", connectionId],
    queryFn: async () =>
      unwrap(
        await api.GET("/ota-connections/{connection_id}/mapping-proposals", {
          params: { path: { connection_id: connectionId ?? 0 }, query: { page_size: 200 } },
        }),
      ),
    enabled: connectionId !== null,
  });
}

/** After a decision on a proposal: proposals and mappings of the connection are read again. */
function useRefreshConnection(connectionId: number) {
  const queryClient = useQueryClient();
  return async () => {
    await queryClient.invalidateQueries({ queryKey: ["ota-proposals", connectionId] });
    await queryClient.invalidateQueries({ queryKey: ["ota-mappings", connectionId] });
  };
}

/** The mapping proposals of a connection: accept or reject each, or accept every suggestion. */
export function ProposalsTable({ connectionId, propertyId }: { connectionId: number; propertyId: number }) {
  const { t } = useTranslation();
  const { can } = useSession();
  const proposals = useProposals(connectionId);
  const catalog = usePropertyCatalog(propertyId);
  const refresh = useRefreshConnection(connectionId);
  const failed = (error: Error) => notifyError(error.message);
  const decide = useMutation({
    mutationFn: async ({ proposal, accept }: { proposal: Proposal; accept: boolean }) => {
      const path = { params: { path: { proposal_id: proposal.id } } };
      if (accept) unwrap(await api.POST("/mapping-proposals/{proposal_id}/accept", { ...path, body: {} }));
      else unwrap(await api.POST("/mapping-proposals/{proposal_id}/reject", path));
    },
    onSuccess: refresh,
    onError: failed,
  });
  const acceptAll = useMutation({
    mutationFn: async () =>
      unwrap(await api.POST("/ota-connections/{connection_id}/mapping-proposals/accept-all", { params: { path: { connection_id: connectionId } } })),
    onSuccess: async (accepted) => {
      notify(t("channels.proposals.acceptedAll", { count: accepted.length }));
      await refresh();
    },
    onError: failed,
  });
  const writable = can("OTA_CONNECTIONS_WRITE");
  const items = proposals.data?.items ?? [];
  const open = items.filter((p) => p.status === "proposed");
  if (proposals.isPending) return null;
  if (items.length === 0) return <Text c="dimmed">{t("channels.proposals.none")}</Text>;
  const suggestion = (p: Proposal) =>
    (p.kind === "room_type" ? catalog.roomName(p.room_type_id) : catalog.planName(p.rate_plan_id)) ?? t("channels.proposals.noSuggestion");
  return (
    <>
      <Group justify="space-between" mb="xs">
        <Text size="sm">{t("channels.proposals.open", { count: open.length })}</Text>
        {writable && open.length > 0 && (
          <Button size="xs" onClick={() => acceptAll.mutate()} loading={acceptAll.isPending}>
            {t("channels.proposals.acceptAll")}
          </Button>
        )}
      </Group>
      <ScrollBox label={t("channels.proposals.title")}>
        <Table striped verticalSpacing="xs" miw={720}>
          <HeaderRow labels={[t("channels.proposals.kind"), t("channels.proposals.otaItem"), t("channels.proposals.suggestion"), t("channels.proposals.reason"), t("channels.proposals.status"), writable && t("allotments.actions")]} />
          <Table.Tbody>
            {items.map((p) => {
              const item = p.kind === "room_type" ? `${p.ota_room_name || p.ota_room_id} (${p.ota_room_id})` : `${p.ota_rate_plan_name || p.ota_rate_plan_id} (${p.ota_room_id} / ${p.ota_rate_plan_id})`;
              return (
                <Table.Tr key={p.id} data-proposal={p.kind === "room_type" ? p.ota_room_id : `${p.ota_room_id}/${p.ota_rate_plan_id}`} data-status={p.status}>
                  <Table.Td>{t(`channels.proposals.kinds.${p.kind}`)}</Table.Td>
                  <Table.Td>{item}</Table.Td>
                  <Table.Td>{suggestion(p)}</Table.Td>
                  <Table.Td>{p.match_reason ? t(`channels.proposals.reasons.${p.match_reason}`, p.match_reason) : "—"}</Table.Td>
                  <Table.Td>{t(`channels.proposals.statuses.${p.status}`, p.status)}</Table.Td>
                  {writable && (
                    <Table.Td>
                      {p.status === "proposed" && (
                        <Group gap={4} wrap="nowrap">
                          <Button size="xs" variant="light" color="green" disabled={p.match_reason === null} onClick={() => decide.mutate({ proposal: p, accept: true })} aria-label={t("channels.proposals.acceptNamed", { item })}>
                            {t("channels.proposals.accept")}
                          </Button>
                          <Button size="xs" variant="subtle" color="red" onClick={() => decide.mutate({ proposal: p, accept: false })} aria-label={t("channels.proposals.rejectNamed", { item })}>
                            {t("channels.proposals.reject")}
                          </Button>
                        </Group>
                      )}
                    </Table.Td>
                  )}
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      </ScrollBox>
    </>
  );
}
