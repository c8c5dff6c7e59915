import { Badge, Button, Group, Table, Text } from "@mantine/core";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";

import { api, type Schemas } from "../../api/client";
import { unwrap } from "../../api/errors";
import { useSession } from "../../auth/session";
import { formatDateTime } from "../../components/format";
import { OTAS, type Ota } from "./channelLogic";
import { PagedTable } from "../../components/ListFrame";
import { PageHeader, LinkButton } from "../../components/Page";
import { useUrlFilters } from "../../components/useUrlFilters";
import { FilterPanel, FilterSelect, SearchFilter } from "../../components/FilterPanel";

const PAGE_SIZE = 25;

/** The OTA accounts in the reader's scope, with their last connection test, and the way into the
 * connect wizard (a new account, or one more hotel of an existing one). */
export default function OtaAccounts() {
  const { t, i18n } = useTranslation();
  const { can } = useSession();
  const filters = useUrlFilters();
  const ota = filters.get("ota") as Ota | null;
  const text = filters.get("search");
  const query = { page: filters.page, page_size: PAGE_SIZE, ...(ota ? { ota } : {}), ...(text ? { search: text } : {}) };
  const accounts = useQuery({
    queryKey: ["ota-accounts", query],
    queryFn: async () => unwrap(await api.GET("/ota-accounts", { params: { query } })),
    placeholderData: keepPreviousData,
  });
  const mayConnect = can("OTA_ACCOUNTS_WRITE");
  const mayImport = can("OTA_CONNECTIONS_WRITE");
  const columns = [t("channels.accounts.name"), t("channels.ota"), t("setup.properties.country"), t("channels.accounts.credentials"), t("channels.accounts.lastTest"), t("channels.accounts.connections"), mayImport && t("allotments.actions")];
  const rows = (items: Schemas["OtaAccountOut"][]) =>
    items.map((account) => (
      <Table.Tr key={account.id} data-account={account.name}>
        <Table.Td fw={500}>{account.name}</Table.Td>
        <Table.Td>{account.ota_name}</Table.Td>
        <Table.Td>{account.country_code}</Table.Td>
        <Table.Td>
          <Text size="xs" ff="monospace">
            {Object.entries(account.credentials_mask)
              .map(([key, mask]) => `${key}: ${mask}`)
              .join(" · ")}
          </Text>
        </Table.Td>
        <Table.Td>
          {account.last_test_ok === null ? (
            <Text size="sm" c="dimmed">
              {t("channels.accounts.neverTested")}
            </Text>
          ) : (
            <Group gap={6} wrap="nowrap">
              <Badge variant="dot" color={account.last_test_ok ? "green" : "red"} styles={{ root: { color: "#212529" } }}>
                {t(account.last_test_ok ? "channels.accounts.testOk" : "channels.accounts.testFailed")}
              </Badge>
              <Text size="xs" c="dimmed" title={account.last_test_message ?? undefined}>
                {formatDateTime(account.last_test_at, i18n.language)}
              </Text>
            </Group>
          )}
        </Table.Td>
        <Table.Td>{account.connection_count}</Table.Td>
        {mayImport && (
          <Table.Td>
            <Button size="xs" variant="light" component={Link} to={`/ota-accounts/connect?account=${account.id}`} aria-label={t("channels.accounts.connectHotelNamed", { name: account.name })}>
              {t("channels.accounts.connectHotel")}
            </Button>
          </Table.Td>
        )}
      </Table.Tr>
    ));

  return (
    <>
      <PageHeader
        title={t("channels.accounts.title")}
        action={
          mayConnect && <LinkButton to="/ota-accounts/connect">{t("channels.accounts.connect")}</LinkButton>
        }
      />
      <Text size="sm" c="dimmed" mb="md">
        {t("channels.accounts.intro")}
      </Text>
      <FilterPanel cols={{ base: 1, sm: 2 }}>
        <SearchFilter filters={filters} label={t("channels.accounts.search")} />
        <FilterSelect filters={filters} param="ota" label={t("channels.ota")} data={OTAS.map((code) => ({ value: code, label: t(`channels.otas.${code}`) }))} />
      </FilterPanel>
      <PagedTable query={accounts} empty={t("channels.accounts.empty")} minWidth={820} columns={columns} rows={rows} onPage={(p) => filters.update({ page: String(p) })} />
    </>
  );
}
