import { Anchor, Table, Text } from "@mantine/core";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";

import { api, type Schemas } from "../../api/client";
import { unwrap } from "../../api/errors";
import { useSession } from "../../auth/session";
import { formatDate } from "../../components/format";
import { useProperties } from "../../components/useProperties";
import { useAgencies } from "../allotments/useAllotmentData";
import { blockTotals } from "./blockValues";
import { BLOCK_STATUSES, BlockStatusBadge, GuaranteeBadge, holderName } from "./parts";
import { PagedTable, type Column } from "../../components/ListFrame";
import { PageHeader, LinkButton } from "../../components/Page";
import { useUrlFilters } from "../../components/useUrlFilters";
import { FilterPanel, FilterSelect } from "../../components/FilterPanel";
import { AgencyPropertyFilters, termQuery } from "../allotments/parts";

const PAGE_SIZE = 25;
type Block = Schemas["BlockOut"];

/** Days from today to the cut-off (negative: past). */
function daysUntil(iso: string): number {
  const [y = 1970, m = 1, d = 1] = iso.split("-").map(Number);
  const today = new Date();
  return Math.round((Date.UTC(y, m - 1, d) - Date.UTC(today.getFullYear(), today.getMonth(), today.getDate())) / 86_400_000);
}

function CutOff({ block }: { block: Block }) {
  const { t, i18n } = useTranslation();
  const days = daysUntil(block.cut_off_date);
  const soon = block.status === "active" && days >= 0 && days <= 7;
  return (
    <>
      <Text size="sm" style={{ whiteSpace: "nowrap" }}>
        {formatDate(block.cut_off_date, i18n.language)}
      </Text>
      {soon && (
        <Text size="xs" c="var(--mantine-color-orange-light-color)" data-cut-off-soon>
          {t("hardblocks.cutOffIn", { count: days })}
        </Text>
      )}
    </>
  );
}

export default function HardblocksList() {
  const { t, i18n } = useTranslation();
  const { can } = useSession();
  const filters = useUrlFilters();
  const agencies = useAgencies();
  const properties = useProperties();
  const query = { page: filters.page, page_size: PAGE_SIZE, ...termQuery<Block["status"]>(filters) };
  const blocks = useQuery({
    queryKey: ["hardblocks", query],
    queryFn: async () => unwrap(await api.GET("/hardblocks", { params: { query } })),
    placeholderData: keepPreviousData,
  });

  const columns: Column[] = [t("hardblocks.block"), t("hardblocks.holder"), t("bookings.property"), t("hardblocks.nights"), { label: t("hardblocks.roomNights"), numeric: true }, t("hardblocks.cutOff"), t("hardblocks.guarantee"), t("allotments.status")];
  const rows = (items: Block[]) =>
    items.map((block) => {
      const totals = blockTotals(block.nights);
      return (
        <Table.Tr key={block.id} data-block={block.id}>
          <Table.Td style={{ whiteSpace: "nowrap" }}>
            <Anchor component={Link} to={`/hardblocks/${block.id}`} fw={500}>
              {t("hardblocks.blockN", { id: block.id })}
            </Anchor>
          </Table.Td>
          <Table.Td>{holderName(block, agencies.name)}</Table.Td>
          <Table.Td>{properties.name(block.property_id)}</Table.Td>
          <Table.Td style={{ whiteSpace: "nowrap" }}>
            {totals.first ? `${formatDate(totals.first, i18n.language)} – ${formatDate(totals.last, i18n.language)}` : "—"}
          </Table.Td>
          <Table.Td style={{ textAlign: "right" }}>{totals.rooms}</Table.Td>
          <Table.Td>
            <CutOff block={block} />
          </Table.Td>
          <Table.Td>
            <GuaranteeBadge guarantee={block.guarantee} />
          </Table.Td>
          <Table.Td>
            <BlockStatusBadge status={block.status} />
          </Table.Td>
        </Table.Tr>
      );
    });

  return (
    <>
      <PageHeader
        title={t("hardblocks.title")}
        action={
          can("CONTRACTS_WRITE") && <LinkButton to="/hardblocks/new">{t("hardblocks.new")}</LinkButton>
        }
      />
      <Text size="sm" c="dimmed" mb="sm">
        {t("hardblocks.intro")}
      </Text>
      <FilterPanel cols={{ base: 1, sm: 3 }}>
        <AgencyPropertyFilters filters={filters} />
        <FilterSelect filters={filters} param="status" label={t("allotments.status")} data={BLOCK_STATUSES.map((s) => ({ value: s, label: t(`hardblocks.statuses.${s}`) }))} />
      </FilterPanel>
      <PagedTable query={blocks} empty={t("hardblocks.empty")} minWidth={860} columns={columns} rows={rows} onPage={(p) => filters.update({ page: String(p) })} />
    </>
  );
}
