import { Anchor, Button, Table, TextInput } from "@mantine/core";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";

import { api, type Schemas } from "../../api/client";
import { unwrap } from "../../api/errors";
import { useSession } from "../../auth/session";
import { formatDate } from "../../components/format";
import { useProperties } from "../../components/useProperties";
import { useAgencyAccount } from "../portal/agencyAccount";
import { TermFilters, TermStatus } from "./parts";
import { useAgencies } from "./useAllotmentData";
import { ListPagination, queryState } from "../../components/ListFrame";
import { PageHeader } from "../../components/Page";
import { useUrlFilters, useUrlSearch } from "../../components/useUrlFilters";

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
  const status = filters.get("status") as Contract["status"] | null;
  const [search, setSearch] = useUrlSearch(filters, "q");
  const query = {
    page: filters.page,
    page_size: PAGE_SIZE,
    ...(filters.id("agency_id") ? { agency_id: filters.id("agency_id") } : {}),
    ...(filters.id("property_id") ? { property_id: filters.id("property_id") } : {}),
    ...(status ? { status } : {}),
    ...(filters.get("q") ? { q: filters.get("q") as string } : {}),
  };
  const contracts = useQuery({
    queryKey: ["contracts", query],
    queryFn: async () => unwrap(await api.GET("/contracts", { params: { query } })),
    placeholderData: keepPreviousData,
  });

  let body = queryState(contracts, t("allotments.contracts.empty"), (page) => page.items.length === 0);
  if (!body && contracts.data)
    body = (
      <>
        <Table.ScrollContainer minWidth={760}>
          <Table striped highlightOnHover verticalSpacing="xs" aria-busy={contracts.isFetching}>
            <Table.Caption>{t("allotments.total", { count: contracts.data.total })}</Table.Caption>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">{t("allotments.contracts.name")}</Table.Th>
                {!portal && <Table.Th scope="col">{t("allotments.agency")}</Table.Th>}
                <Table.Th scope="col">{t("bookings.property")}</Table.Th>
                <Table.Th scope="col">{t("allotments.contracts.mode")}</Table.Th>
                <Table.Th scope="col">{t("allotments.contracts.seasons")}</Table.Th>
                <Table.Th scope="col">{t("allotments.status")}</Table.Th>
                <Table.Th scope="col">{t("allotments.contracts.version")}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {contracts.data.items.map((contract) => (
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
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
        <ListPagination pages={contracts.data.pages} page={contracts.data.page} onChange={(p) => filters.update({ page: String(p) })} />
      </>
    );

  return (
    <>
      <PageHeader
        title={t("allotments.contracts.title")}
        action={
          can("CONTRACTS_WRITE") && (
            <Button component={Link} to="/contracts/new">
              {t("allotments.contracts.new")}
            </Button>
          )
        }
      />
      <TermFilters filters={filters} statuses={STATUSES}>
        <TextInput
          label={t("allotments.contracts.search")}
          description={t("allotments.contracts.searchHelp")}
          type="search"
          value={search}
          onChange={(event) => setSearch(event.currentTarget.value)}
        />
      </TermFilters>
      {body}
    </>
  );
}
