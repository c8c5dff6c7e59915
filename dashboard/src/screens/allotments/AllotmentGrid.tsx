import { Paper, Stack, Table, Text, Title } from "@mantine/core";
import { useTranslation } from "react-i18next";

import type { Schemas } from "../../api/client";
import { formatDate, formatMoney } from "../../components/format";
import { EmptyState } from "../../components/States";
import { groupAllotments, nightsOf } from "./calendarNights";
import { ScrollBox } from "../../components/Page";

type Calendar = Schemas["AllotmentCalendarOut"];
type Night = Schemas["AllotmentNightOut"];
type Contract = Pick<Schemas["ContractOut"], "id" | "name" | "currency">;

function NightHeader({ nights }: { nights: string[] }) {
  const { i18n } = useTranslation();
  const format = new Intl.DateTimeFormat(i18n.language, { weekday: "short", day: "numeric", month: "short", timeZone: "UTC" });
  return (
    <Table.Thead>
      <Table.Tr>
        <Table.Th scope="col" />
        {nights.map((night) => (
          <Table.Th key={night} scope="col" style={{ whiteSpace: "nowrap", textAlign: "right" }}>
            {format.format(new Date(`${night}T00:00:00Z`))}
          </Table.Th>
        ))}
      </Table.Tr>
    </Table.Thead>
  );
}

/**
 * Room types × nights: for each contract, what it holds each night — contracted, picked up,
 * remaining (withheld from the OTAs), released, the release date and the rate; with the pool the
 * OTAs and direct channel may still sell when the calendar is a property's.
 */
export function AllotmentGrid({
  calendar,
  contracts,
  roomTypeName,
  showPool,
}: {
  calendar: Calendar;
  contracts: Contract[];
  roomTypeName: (id: number) => string;
  showPool: boolean;
}) {
  const { t, i18n } = useTranslation();
  const nights = nightsOf(calendar.date_from, calendar.date_to);
  const minWidth = Math.max(600, 120 + nights.length * 72);
  const groups = groupAllotments(calendar.allotments);
  const contractOf = (id: number) => contracts.find((c) => c.id === id);
  const roomTypeIds = [...new Set([...groups.map((g) => g.roomTypeId), ...(showPool ? calendar.pool.map((p) => p.room_type_id) : [])])].sort((a, b) => a - b);
  if (roomTypeIds.length === 0) return <EmptyState message={t("allotments.calendar.empty")} />;

  const rows: { key: string; label: string; cell: (n: Night) => string; strong?: boolean }[] = [
    { key: "contracted", label: t("allotments.calendar.contracted"), cell: (n) => String(n.contracted) },
    { key: "picked_up", label: t("allotments.calendar.pickedUp"), cell: (n) => String(n.picked_up) },
    { key: "remaining", label: t("allotments.calendar.remaining"), cell: (n) => (n.stop_sale ? `${n.remaining} ⛔` : String(n.remaining)), strong: true },
    { key: "released", label: t("allotments.calendar.released"), cell: (n) => String(n.released) },
    { key: "release_date", label: t("allotments.calendar.releaseDate"), cell: (n) => (n.release_date ? formatDate(n.release_date, i18n.language) : "—") },
  ];

  return (
    <Stack gap="md">
      {roomTypeIds.map((roomTypeId) => {
        const pool = calendar.pool.filter((p) => p.room_type_id === roomTypeId);
        const poolByNight = new Map(pool.map((p) => [p.night, p]));
        return (
          <Paper key={roomTypeId} withBorder p="sm" component="section" aria-label={roomTypeName(roomTypeId)} data-room-type={roomTypeId}>
            <Title order={2} size="h4" mb="xs">
              {roomTypeName(roomTypeId)}
            </Title>
            {groups
              .filter((g) => g.roomTypeId === roomTypeId)
              .map((group) => {
                const contract = contractOf(group.contractId);
                const currency = contract?.currency ?? "";
                const name = contract?.name ?? `#${group.contractId}`;
                return (
                  <ScrollBox key={group.contractId} label={t("allotments.calendar.contractCaption", { name, roomType: roomTypeName(roomTypeId) })}>
                    <Table miw={minWidth} withTableBorder withColumnBorders verticalSpacing={4} fz="sm" data-contract={group.contractId}>
                      <Table.Caption style={{ captionSide: "top", textAlign: "left" }}>{t("allotments.calendar.contractCaption", { name, roomType: roomTypeName(roomTypeId) })}</Table.Caption>
                      <NightHeader nights={nights} />
                      <Table.Tbody>
                        {[
                          ...rows,
                          { key: "rate", label: t("allotments.calendar.rate"), cell: (n: Night) => (n.rate === null ? "—" : formatMoney(n.rate, currency, i18n.language)) },
                        ].map((row) => (
                          <Table.Tr key={row.key} data-row={row.key}>
                            <Table.Th scope="row" style={{ whiteSpace: "nowrap" }}>
                              {row.label}
                            </Table.Th>
                            {nights.map((night) => {
                              const value = group.byNight.get(night);
                              return (
                                <Table.Td key={night} data-night={night} style={{ textAlign: "right", whiteSpace: "nowrap" }} fw={"strong" in row && row.strong ? 700 : undefined}>
                                  {value ? row.cell(value) : "·"}
                                </Table.Td>
                              );
                            })}
                          </Table.Tr>
                        ))}
                      </Table.Tbody>
                    </Table>
                  </ScrollBox>
                );
              })}
            {showPool && pool.length > 0 && (
              <ScrollBox label={t("allotments.calendar.poolCaption", { roomType: roomTypeName(roomTypeId) })}>
                <Table miw={minWidth} withTableBorder withColumnBorders verticalSpacing={4} fz="sm" data-pool={roomTypeId}>
                  <Table.Caption style={{ captionSide: "top", textAlign: "left" }}>{t("allotments.calendar.poolCaption", { roomType: roomTypeName(roomTypeId) })}</Table.Caption>
                  <NightHeader nights={nights} />
                  <Table.Tbody>
                    {(["total", "sold", "allotted", "pool"] as const).map((key) => (
                      <Table.Tr key={key} data-row={key}>
                        <Table.Th scope="row" style={{ whiteSpace: "nowrap" }}>
                          {t(`allotments.calendar.pool_${key}`)}
                        </Table.Th>
                        {nights.map((night) => (
                          <Table.Td key={night} data-night={night} style={{ textAlign: "right" }} fw={key === "pool" ? 700 : undefined}>
                            {poolByNight.get(night)?.[key] ?? "·"}
                          </Table.Td>
                        ))}
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </ScrollBox>
            )}
            {groups.every((g) => g.roomTypeId !== roomTypeId) && (
              <Text size="sm" c="dimmed">
                {t("allotments.calendar.noContracts")}
              </Text>
            )}
          </Paper>
        );
      })}
    </Stack>
  );
}
