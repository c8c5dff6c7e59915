import { Alert, Button, Group, List, Paper, Stack, Table, Text, Title } from "@mantine/core";
import { useEffect, useRef } from "react";
import { useTranslation } from "react-i18next";

import type { Schemas } from "../../api/client";
import { formatDate, formatMoney } from "../../components/format";
import { useChannelName } from "../alerts/AlertRootCause";
import { NightsHead, RowHeads } from "./BlockGrid";
import { cellKey, diffGrid, otasTold, poolEffect, trend } from "./blockValues";
import { ScrollBox } from "../../components/Page";

type Preview = Schemas["AmendmentPreviewOut"];
type Diff = Schemas["BlockDiffOut"];
const ROWS = ["rooms", "released", "rate", "pool"] as const;
type Row = (typeof ROWS)[number];

// Dark text on a pale background: the colour says up or down, the arrow says it too (and passes contrast).
const TREND_STYLE = {
  up: { background: "var(--mantine-color-green-0)", color: "#1b5e20" }, // green-9 is short of 4.5:1 on green-0
  down: { background: "var(--mantine-color-red-0)", color: "var(--mantine-color-red-9)" },
  same: {},
};
const ARROW = { up: "▲", down: "▼", same: "" };

function values(row: Row, diff: Diff): [number | string | null, number | string | null] {
  if (row === "rooms") return [diff.rooms_before, diff.rooms_after];
  if (row === "released") return [diff.released_before, diff.released_after];
  if (row === "rate") return [diff.rate_before, diff.rate_after];
  return [diff.pool_before, diff.pool_after];
}

function DiffCell({ row, diff, currency }: { row: Row; diff: Diff | undefined; currency: string }) {
  const { i18n } = useTranslation();
  if (!diff) return <Table.Td style={{ textAlign: "center" }}>·</Table.Td>;
  const [before, after] = values(row, diff);
  const show = (value: number | string | null) => (value === null ? "—" : row === "rate" ? formatMoney(value, currency, i18n.language) : String(value));
  const direction = trend(before, after);
  return (
    <Table.Td data-night={diff.night} data-trend={direction} style={{ whiteSpace: "nowrap", textAlign: "right", ...TREND_STYLE[direction] }}>
      {direction === "same" ? (
        <span data-after>{show(after)}</span>
      ) : (
        <>
          <s data-before style={{ color: "var(--mantine-color-gray-8)" }}>
            {show(before)}
          </s>
          {" → "}
          <strong data-after>{show(after)}</strong> <span aria-hidden>{ARROW[direction]}</span>
        </>
      )}
    </Table.Td>
  );
}

/**
 * What an amendment (or a revert) would do, per room type and night: before → after of the rooms,
 * released rooms and rate, and the pool the OTAs and direct channel may sell; increases green,
 * decreases red. Apply sends the very body previewed.
 */
export function DiffPreview({
  preview,
  currency,
  roomTypeName,
  title,
  busy,
  error,
  onApply,
  onDiscard,
}: {
  preview: Preview;
  currency: string;
  roomTypeName: (id: number) => string;
  title: string;
  busy: boolean;
  error: string | null;
  onApply: () => void;
  onDiscard: () => void;
}) {
  const { t, i18n } = useTranslation();
  const grid = diffGrid(preview.diff);
  const pool = poolEffect(preview.diff);
  const otas = otasTold(preview.diff);
  const channelName = useChannelName();
  const ref = useRef<HTMLElement>(null);
  // Braces: a browser whose scrollIntoView returns a promise must not have it taken for a cleanup.
  useEffect(() => {
    ref.current?.scrollIntoView({ block: "nearest" });
  }, [preview]);
  return (
    <Paper ref={ref} withBorder p="md" component="section" aria-labelledby="preview-heading" data-preview>
      <Title order={2} size="h4" id="preview-heading" mb="xs">
        {title}
      </Title>
      <Stack gap="sm">
        {!preview.changed && <Alert color="gray">{t("hardblocks.preview.unchanged")}</Alert>}
        {preview.changed && (
          <Text size="sm" data-pool-effect={pool}>
            {pool === 0 ? t("hardblocks.preview.poolSame") : pool > 0 ? t("hardblocks.preview.poolUp", { count: pool }) : t("hardblocks.preview.poolDown", { count: -pool })}
          </Text>
        )}
        {preview.changed && preview.diff.some((row) => row.pool_delta) && (
          <Text size="sm" data-otas-told={otas.join(",")}>
            {otas.length > 0 ? t("hardblocks.preview.otasTold", { otas: otas.map(channelName).join(", ") }) : t("hardblocks.preview.otasNone")}
          </Text>
        )}
        {preview.refused && (
          <Alert color="red" role="alert" title={t("hardblocks.preview.refused")}>
            <List size="sm">
              {preview.shortages.map((s) => (
                <List.Item key={`${s.room_type_id}-${s.night}`}>
                  {t("hardblocks.preview.shortage", { roomType: roomTypeName(s.room_type_id), night: formatDate(s.night, i18n.language), requested: s.requested, available: s.available })}
                </List.Item>
              ))}
            </List>
          </Alert>
        )}
        {grid.nights.length > 0 && (
          <ScrollBox label={t("hardblocks.preview.gridLabel")}>
            <Table withTableBorder withColumnBorders verticalSpacing={4} fz="sm" data-diff-grid>
              <NightsHead nights={grid.nights} />
              <Table.Tbody>
                {grid.roomTypes.flatMap((roomTypeId) =>
                  ROWS.map((row, index) => (
                    <Table.Tr key={`${roomTypeId}-${row}`} data-room-type={roomTypeId} data-row={row}>
                      <RowHeads roomType={roomTypeName(roomTypeId)} row={row} index={index} rows={ROWS.length} />
                      {grid.nights.map((night) => (
                        <DiffCell key={night} row={row} diff={grid.cells.get(cellKey(roomTypeId, night))} currency={currency} />
                      ))}
                    </Table.Tr>
                  )),
                )}
              </Table.Tbody>
            </Table>
          </ScrollBox>
        )}
        {error && (
          <Alert color="red" role="alert">
            {error}
          </Alert>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={onDiscard}>
            {t("hardblocks.preview.discard")}
          </Button>
          <Button onClick={onApply} loading={busy} disabled={preview.refused || !preview.changed}>
            {t("hardblocks.preview.apply")}
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}
