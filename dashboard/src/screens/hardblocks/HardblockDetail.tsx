import { Anchor, Button, Group, Paper, SimpleGrid, Stack, Table, Title } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router-dom";

import { api, type Schemas } from "../../api/client";
import { ApiError, unwrap } from "../../api/errors";
import { useSession } from "../../auth/session";
import { Field } from "../../components/Field";
import { formatDate } from "../../components/format";
import { ErrorState, LoadingState } from "../../components/States";
import { useProperties } from "../../components/useProperties";
import NotFound from "../NotFound";
import { useAgencies, useRoomTypes } from "../allotments/useAllotmentData";
import { AmendmentForm } from "./AmendmentForm";
import { BlockGrid } from "./BlockGrid";
import { blockTotals, versionSummary, type AmendmentBody } from "./blockValues";
import { DiffPreview } from "./DiffPreview";
import { BlockStatusBadge, GuaranteeBadge, holderName } from "./parts";
import { notify } from "../../components/notify";
import { QueryTable } from "../../components/ListFrame";
import { SectionPanel } from "../../components/Page";

type Block = Schemas["BlockOut"];
type Preview = Schemas["AmendmentPreviewOut"];
interface Pending {
  body: AmendmentBody;
  preview: Preview;
}

function Versions({ block, onRevert }: { block: Block; onRevert: (version: number) => void }) {
  const { t } = useTranslation();
  const { can } = useSession();
  const versions = useQuery({
    queryKey: ["hardblock", block.id, "versions", block.version],
    queryFn: async () => unwrap(await api.GET("/hardblocks/{block_id}/versions", { params: { path: { block_id: block.id } } })),
  });
  const body = (
    <QueryTable
      query={versions}
      empty={t("hardblocks.versions.empty")}
      minWidth={560}
      compact
      columns={[t("allotments.contracts.version"), t("hardblocks.guarantee"), t("allotments.status"), { label: t("hardblocks.roomNights"), numeric: true }, t("allotments.actions")]}
      rows={(items) =>
        [...items].reverse().map(({ version, block: snapshot }) => {
          const summary = versionSummary(snapshot);
          const current = version === block.version;
          return (
            <Table.Tr key={version} data-version={version}>
              <Table.Td>{current ? t("hardblocks.versions.current", { version }) : version}</Table.Td>
              <Table.Td>{t(`hardblocks.guarantees.${summary.guarantee}`, summary.guarantee)}</Table.Td>
              <Table.Td>{t(`hardblocks.statuses.${summary.status}`, summary.status)}</Table.Td>
              <Table.Td style={{ textAlign: "right" }}>{summary.rooms}</Table.Td>
              <Table.Td>
                {!current && can("CONTRACTS_WRITE") && (
                  <Button size="compact-xs" variant="light" onClick={() => onRevert(version)}>
                    {t("hardblocks.versions.revertTo", { version })}
                  </Button>
                )}
              </Table.Td>
            </Table.Tr>
          );
        })
      }
    />
  );
  return (
    <SectionPanel id="versions-heading" title={t("hardblocks.versions.title")} help={t("hardblocks.versions.help")}>
      {body}
    </SectionPanel>
  );
}

function BlockScreen({ block }: { block: Block }) {
  const { t, i18n } = useTranslation();
  const { can } = useSession();
  const queryClient = useQueryClient();
  const agencies = useAgencies();
  const properties = useProperties();
  const roomTypes = useRoomTypes(block.property_id);
  const [pending, setPending] = useState<Pending | null>(null);
  const [previewError, setPreviewError] = useState<string | null>(null);
  const totals = blockTotals(block.nights);
  const writable = can("CONTRACTS_WRITE");

  const saved = async (updated: Block, message: string) => {
    queryClient.setQueryData(["hardblock", updated.id], updated);
    await queryClient.invalidateQueries({ queryKey: ["hardblocks"] });
    setPending(null);
    notify(message);
  };
  const apply = useMutation({
    mutationFn: async (body: AmendmentBody) =>
      unwrap(await api.POST("/hardblocks/{block_id}/amendments", { params: { path: { block_id: block.id } }, body })).block,
    onSuccess: (updated) => saved(updated, t("hardblocks.applied", { version: updated.version })),
  });
  // A revert or a cancellation is previewed like any amendment, then applied with the same body.
  const previewOf = async (body: AmendmentBody) => {
    setPreviewError(null);
    apply.reset();
    try {
      const preview = unwrap(await api.POST("/hardblocks/{block_id}/amendments/preview", { params: { path: { block_id: block.id } }, body }));
      setPending({ body, preview });
    } catch (error) {
      setPreviewError(error instanceof Error ? error.message : String(error));
    }
  };
  const titles: Record<string, string> = {
    revert: t("hardblocks.preview.revertTitle", { version: pending?.body.to_version ?? 0 }),
    cancel: t("hardblocks.preview.cancelTitle"),
  };

  return (
    <Stack gap="md">
      <Anchor component={Link} to="/hardblocks" size="sm">
        ← {t("hardblocks.title")}
      </Anchor>
      <Group justify="space-between">
        <Title order={1} size="h2">
          {t("hardblocks.blockN", { id: block.id })} · {holderName(block, agencies.name)}
        </Title>
        {writable && block.status === "active" && (
          <Button color="red" variant="light" onClick={() => void previewOf({ kind: "cancel" } as AmendmentBody)}>
            {t("hardblocks.cancel")}
          </Button>
        )}
      </Group>
      <Paper withBorder p="md" component="section" aria-label={t("hardblocks.block")}>
        <SimpleGrid cols={{ base: 2, sm: 4 }} spacing="sm">
          <Field label={t("bookings.property")} value={properties.name(block.property_id)} />
          <Field label={t("hardblocks.cutOff")} value={formatDate(block.cut_off_date, i18n.language)} />
          <Field label={t("hardblocks.guarantee")} value={<GuaranteeBadge guarantee={block.guarantee} />} />
          <Field label={t("allotments.status")} value={<BlockStatusBadge status={block.status} />} />
          <Field label={t("allotments.contracts.version")} value={<span data-block-version>{block.version}</span>} />
          <Field label={t("hardblocks.roomNights")} value={String(totals.rooms)} />
          <Field label={t("hardblocks.released")} value={String(totals.released)} />
          <Field label={t("allotments.notes")} value={block.notes} />
        </SimpleGrid>
      </Paper>
      <SectionPanel id="grid-heading" title={t("hardblocks.gridTitle")}>
        <BlockGrid block={block} roomTypeName={roomTypes.name} />
      </SectionPanel>
      {writable && block.status === "active" && (
        <AmendmentForm
          key={block.version} // an applied change starts a blank form
          block={block}
          roomTypeOptions={roomTypes.options}
          onChange={() => setPending((p) => (p && p.body.kind in titles ? p : null))}
          onPreview={(body, preview) => {
            apply.reset();
            setPending({ body, preview });
          }}
        />
      )}
      {previewError && <ErrorState error={new Error(previewError)} />}
      {pending && (
        <DiffPreview
          preview={pending.preview}
          currency={block.currency}
          roomTypeName={roomTypes.name}
          title={titles[pending.body.kind] ?? t("hardblocks.preview.title")}
          busy={apply.isPending}
          error={apply.error ? apply.error.message : null}
          onApply={() => apply.mutate(pending.body)}
          onDiscard={() => {
            apply.reset();
            setPending(null);
          }}
        />
      )}
      <Versions block={block} onRevert={(version) => void previewOf({ kind: "revert", to_version: version } as AmendmentBody)} />
    </Stack>
  );
}

export default function HardblockDetail() {
  const { blockId } = useParams();
  const id = Number(blockId);
  const block = useQuery({
    queryKey: ["hardblock", id],
    queryFn: async () => unwrap(await api.GET("/hardblocks/{block_id}", { params: { path: { block_id: id } } })),
    enabled: Number.isInteger(id) && id > 0,
    retry: (count, error) => !(error instanceof ApiError && error.status === 404) && count < 2,
  });
  if (!Number.isInteger(id) || id <= 0 || (block.error instanceof ApiError && block.error.status === 404)) return <NotFound />;
  if (block.isPending) return <LoadingState />;
  if (block.isError) return <ErrorState error={block.error} onRetry={() => void block.refetch()} />;
  return <BlockScreen block={block.data} />;
}
