import { Badge, Button, Group, Paper, Select, SimpleGrid, Table, Text, TextInput } from "@mantine/core";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";

import { api } from "../../api/client";
import { unwrap } from "../../api/errors";
import { useSession } from "../../auth/session";
import { formatDateTime } from "../../components/format";
import { OTAS, type Ota } from "./channelLogic";
import { ListPagination, queryState } from "../../components/ListFrame";
import { PageHeader } from "../../components/Page";
import { useUrlFilters, useUrlSearch } from "../../components/useUrlFilters";

const PAGE_SIZE = 25;

/** The OTA accounts in the reader's scope, with their last connection test, and the way into the
 * connect wizard (a new account, or one more hotel of an existing one). */
export default function OtaAccounts() {
  const { t, i18n } = useTranslation();
  const { can } = useSession();
  const filters = useUrlFilters();
  const [search, setSearch] = useUrlSearch(filters, "search");
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
  let body = queryState(accounts, t("channels.accounts.empty"), (page) => page.items.length === 0);
  if (!body && accounts.data)
    body = (
      <>
        <Table.ScrollContainer minWidth={820}>
          <Table striped highlightOnHover verticalSpacing="xs" aria-busy={accounts.isFetching}>
            <Table.Caption>{t("allotments.total", { count: accounts.data.total })}</Table.Caption>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">{t("channels.accounts.name")}</Table.Th>
                <Table.Th scope="col">{t("channels.ota")}</Table.Th>
                <Table.Th scope="col">{t("setup.properties.country")}</Table.Th>
                <Table.Th scope="col">{t("channels.accounts.credentials")}</Table.Th>
                <Table.Th scope="col">{t("channels.accounts.lastTest")}</Table.Th>
                <Table.Th scope="col">{t("channels.accounts.connections")}</Table.Th>
                {mayImport && <Table.Th scope="col">{t("allotments.actions")}</Table.Th>}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {accounts.data.items.map((account) => (
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
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
        <ListPagination pages={accounts.data.pages} page={accounts.data.page} onChange={(p) => filters.update({ page: String(p) })} />
      </>
    );
  return (
    <>
      <PageHeader
        title={t("channels.accounts.title")}
        action={
          mayConnect && (
            <Button component={Link} to="/ota-accounts/connect">
              {t("channels.accounts.connect")}
            </Button>
          )
        }
      />
      <Text size="sm" c="dimmed" mb="md">
        {t("channels.accounts.intro")}
      </Text>
      <Paper withBorder p="md" mb="md" component="section" aria-label={t("bookings.filters")}>
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
          <TextInput label={t("channels.accounts.search")} type="search" value={search} onChange={(event) => setSearch(event.currentTarget.value)} />
          <Select label={t("channels.ota")} data={OTAS.map((code) => ({ value: code, label: t(`channels.otas.${code}`) }))} value={ota} onChange={(value) => filters.update({ ota: value })} clearable />
        </SimpleGrid>
      </Paper>
      {body}
    </>
  );
}
