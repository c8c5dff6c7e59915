import { Anchor, Table } from "@mantine/core";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";

import { api, type Schemas } from "../../api/client";
import { unwrap } from "../../api/errors";
import { useSession } from "../../auth/session";
import { formatDate } from "../../components/format";
import { useProperties } from "../../components/useProperties";
import { useAgencyAccount } from "../portal/agencyAccount";
import { TermFilters, TermStatus, termQuery } from "./parts";
import { useAgencies } from "./useAllotmentData";
import { PagedTable } from "../../components/ListFrame";
import { PageHeader, LinkButton } from "../../components/Page";
import { useUrlFilters } from "../../components/useUrlFilters";
import { SearchFilter } from "../../components/FilterPanel";

const PAGE_SIZE = 25;
const STATUSES = ["draft", "active", "suspended", "ended"] as const;
type Contract = Schemas["ContractOut"];

/** The first and last night of a contract's seasons. */
function seasonSpan(contract: Contract, language: string): string {
  if (contract.seasons.length === 0) return "—";
  const first = contract.seasons.map((s) => s.date_from).sort()[0];
  const last = contract.seasons.map((s) => s.date_to).sort().at(-1);
  return `${formatDate(first, language)} – ${formatDate(last, language)}`;
}

export default function ContractsList() {
  const { t, i18n } = useTranslation();
  const { can } = useSession();
  const portal = useAgencyAccount() !== null; // the agency's own contracts: no agency column
  const filters = useUrlFilters();
  const agencies = useAgencies();
  const properties = useProperties();
  const query = {
    page: filters.page,
    page_size: PAGE_SIZE,
    ...termQuery<Contract["status"]>(filters),
    ...(filters.get("q") ? { q: filters.get("q") as string } : {}),
  };
  const contracts = useQuery({
    queryKey: ["contracts", query],
    queryFn: async () => unwrap(await api.GET("/contracts", { params: { query } })),
    placeholderData: keepPreviousData,
  });

  const columns = [t("allotments.contracts.name"), !portal && t("allotments.agency"), t("bookings.property"), t("allotments.contracts.mode"), t("allotments.contracts.seasons"), t("allotments.status"), t("allotments.contracts.version")];
  const rows = (items: Contract[]) =>
    items.map((contract) => (
      <Table.Tr key={contract.id} data-contract={contract.id}>
        <Table.Td>
          <Anchor component={Link} to={`/contracts/${contract.id}`} fw={500}>
            {contract.name}
          </Anchor>
        </Table.Td>
        {!portal && <Table.Td>{agencies.name(contract.agency_id)}</Table.Td>}
        <Table.Td>{properties.name(contract.property_id)}</Table.Td>
        <Table.Td>{t(`allotments.modes.${contract.mode}`)}</Table.Td>
        <Table.Td style={{ whiteSpace: "nowrap" }}>{seasonSpan(contract, i18n.language)}</Table.Td>
        <Table.Td>
          <TermStatus status={contract.status} />
        </Table.Td>
        <Table.Td>{contract.version}</Table.Td>
      </Table.Tr>
    ));

  return (
    <>
      <PageHeader
        title={t("allotments.contracts.title")}
        action={
          can("CONTRACTS_WRITE") && <LinkButton to="/contracts/new">{t("allotments.contracts.new")}</LinkButton>
        }
      />
      <TermFilters filters={filters} statuses={STATUSES}>
        <SearchFilter filters={filters} param="q" label={t("allotments.contracts.search")} description={t("allotments.contracts.searchHelp")} />
      </TermFilters>
      <PagedTable query={contracts} empty={t("allotments.contracts.empty")} minWidth={760} columns={columns} rows={rows} onPage={(p) => filters.update({ page: String(p) })} />
    </>
  );
}
