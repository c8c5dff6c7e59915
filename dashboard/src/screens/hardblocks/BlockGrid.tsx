import { Table } from "@mantine/core";
import { useTranslation } from "react-i18next";

import type { Schemas } from "../../api/client";
import { formatMoney } from "../../components/format";
import { EmptyState } from "../../components/States";
import { blockGrid } from "./blockValues";
import { ScrollBox } from "../../components/Page";

type Block = Schemas["BlockOut"];
const ROWS = ["rooms", "picked_up", "released", "rate"] as const;

/** A night's column heading: weekday, day and month (the night is a date, not an instant). */
export function useNightLabel() {
  const { i18n } = useTranslation();
  const format = new Intl.DateTimeFormat(i18n.language, { weekday: "short", day: "numeric", month: "short", timeZone: "UTC" });
  return (night: string) => format.format(new Date(`${night}T00:00:00Z`));
}

/** The grids' heading row: the room type and row columns, then each night. */
export function NightsHead({ nights }: { nights: string[] }) {
  const { t } = useTranslation();
  const nightLabel = useNightLabel();
  return (
    <Table.Thead>
      <Table.Tr>
        <Table.Th scope="col">{t("allotments.roomType")}</Table.Th>
        <Table.Th scope="col" />
        {nights.map((night) => (
          <Table.Th key={night} scope="col" style={{ whiteSpace: "nowrap", textAlign: "right" }}>
            {nightLabel(night)}
          </Table.Th>
        ))}
      </Table.Tr>
    </Table.Thead>
  );
}

/** A grid row's headers: the room type (spanning its rows, on the first) and the row's name. */
export function RowHeads({ roomType, row, index, rows }: { roomType: string; row: string; index: number; rows: number }) {
  const { t } = useTranslation();
  return (
    <>
      {index === 0 && (
        <Table.Th scope="rowgroup" rowSpan={rows} style={{ verticalAlign: "top" }}>
          {roomType}
        </Table.Th>
      )}
      <Table.Th scope="row" fw={400}>
        {t(`hardblocks.grid.${row}`)}
      </Table.Th>
    </>
  );
}

/** Room type × night: the rooms the block holds, those of them bookings picked up, those released back to
 * the pool, and the rate. */
export function BlockGrid({ block, roomTypeName }: { block: Block; roomTypeName: (id: number) => string }) {
  const { t, i18n } = useTranslation();
  const grid = blockGrid(block.nights);
  if (grid.nights.length === 0) return <EmptyState message={t("hardblocks.noNights")} />;
  return (
    <ScrollBox label={t("hardblocks.gridLabel")}>
      <Table withTableBorder withColumnBorders verticalSpacing={4} fz="sm" data-block-grid={block.id}>
        <NightsHead nights={grid.nights} />
        <Table.Tbody>
          {[...grid.rows.entries()].flatMap(([roomTypeId, nights]) =>
            ROWS.map((row, index) => (
              <Table.Tr key={`${roomTypeId}-${row}`} data-room-type={roomTypeId} data-row={row}>
                <RowHeads roomType={roomTypeName(roomTypeId)} row={row} index={index} rows={ROWS.length} />
                {grid.nights.map((night) => {
                  const cell = nights.get(night);
                  let value: string = "·";
                  if (cell) value = row === "rate" ? formatMoney(cell.rate, block.currency, i18n.language) : String(cell[row]);
                  return (
                    <Table.Td key={night} data-night={night} style={{ textAlign: "right", whiteSpace: "nowrap" }}>
                      {value}
                    </Table.Td>
                  );
                })}
              </Table.Tr>
            )),
          )}
        </Table.Tbody>
      </Table>
    </ScrollBox>
  );
}
