import { Button, Group, Modal, Paper, Select, SimpleGrid, Table, TextInput } from "@mantine/core";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";

import { api, type Schemas } from "../../api/client";
import { unwrap } from "../../api/errors";
import { useSession } from "../../auth/session";
import { StatusBadge } from "../../components/StatusBadge";
import { SupplierAllocations } from "./SupplierAllocations";
import { SupplierForm } from "./SupplierForm";
import { ListPagination, queryState } from "../../components/ListFrame";
import { PageHeader } from "../../components/Page";
import { useUrlFilters, useUrlSearch } from "../../components/useUrlFilters";

type Supplier = Schemas["SupplierOut"];
const PAGE_SIZE = 25;

export default function SuppliersList() {
  const { t } = useTranslation();
  const { can, me } = useSession();
  const filters = useUrlFilters();
  const [search, setSearch] = useUrlSearch(filters, "search");
  const [editing, setEditing] = useState<Supplier | null | undefined>(undefined);
  const [allocationsOf, setAllocationsOf] = useState<Supplier | null>(null);
  const writable = can("SUPPLIERS_WRITE");
  const active = filters.get("is_active");
  const query = {
    page: filters.page,
    page_size: PAGE_SIZE,
    ...(filters.get("search") ? { search: filters.get("search") as string } : {}),
    ...(filters.get("country_code") ? { country_code: filters.get("country_code") as string } : {}),
    ...(active ? { is_active: active === "true" } : {}),
  };
  const suppliers = useQuery({
    queryKey: ["suppliers", query],
    queryFn: async () => unwrap(await api.GET("/suppliers", { params: { query } })),
    placeholderData: keepPreviousData,
  });

  let body = queryState(suppliers, t("suppliers.empty"), (page) => page.items.length === 0);
  if (!body && suppliers.data)
    body = (
      <>
        <Table.ScrollContainer minWidth={760}>
          <Table striped highlightOnHover verticalSpacing="xs" aria-busy={suppliers.isFetching}>
            <Table.Caption>{t("allotments.total", { count: suppliers.data.total })}</Table.Caption>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">{t("suppliers.name")}</Table.Th>
                <Table.Th scope="col">{t("allotments.agencies.country")}</Table.Th>
                <Table.Th scope="col">{t("allotments.agencies.contact")}</Table.Th>
                <Table.Th scope="col">{t("suppliers.bank")}</Table.Th>
                <Table.Th scope="col">{t("allotments.status")}</Table.Th>
                <Table.Th scope="col">{t("allotments.actions")}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {suppliers.data.items.map((supplier) => (
                <Table.Tr key={supplier.id} data-supplier={supplier.id}>
                  <Table.Td fw={500}>{supplier.name}</Table.Td>
                  <Table.Td>{supplier.country_code}</Table.Td>
                  <Table.Td>{[supplier.contact_name, supplier.email].filter(Boolean).join(" · ") || "—"}</Table.Td>
                  <Table.Td data-bank>{[supplier.bank_name, supplier.bank_account_masked].filter(Boolean).join(" · ") || "—"}</Table.Td>
                  <Table.Td>
                    <StatusBadge
                      status={{ code: supplier.is_active ? "active" : "inactive", label: supplier.is_active ? t("suppliers.activeShort") : t("suppliers.inactive"), colour: supplier.is_active ? "green" : "gray" }}
                    />
                  </Table.Td>
                  <Table.Td>
                    <Group gap="xs" wrap="nowrap">
                      {writable && (
                        <Button size="xs" variant="light" onClick={() => setEditing(supplier)} aria-label={t("suppliers.editNamed", { name: supplier.name })}>
                          {t("allotments.edit")}
                        </Button>
                      )}
                      <Button size="xs" variant="default" onClick={() => setAllocationsOf(supplier)} aria-label={t("suppliers.allocations.of", { name: supplier.name })}>
                        {t("suppliers.allocations.title")}
                      </Button>
                    </Group>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
        <ListPagination pages={suppliers.data.pages} page={suppliers.data.page} onChange={(p) => filters.update({ page: String(p) })} />
      </>
    );

  return (
    <>
      <PageHeader title={t("suppliers.title")} action={writable && <Button onClick={() => setEditing(null)}>{t("suppliers.new")}</Button>} />
      <Paper withBorder p="md" mb="md" component="section" aria-label={t("bookings.filters")}>
        <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="sm">
          <TextInput label={t("suppliers.search")} type="search" value={search} onChange={(event) => setSearch(event.currentTarget.value)} />
          <Select
            label={t("allotments.agencies.country")}
            data={me?.visible_countries ?? []}
            value={filters.get("country_code")}
            onChange={(value) => filters.update({ country_code: value })}
            clearable
          />
          <Select
            label={t("allotments.status")}
            data={[
              { value: "true", label: t("suppliers.activeShort") },
              { value: "false", label: t("suppliers.inactive") },
            ]}
            value={active}
            onChange={(value) => filters.update({ is_active: value })}
            clearable
          />
        </SimpleGrid>
      </Paper>
      {body}
      <Modal
        closeButtonProps={{ "aria-label": t("common.close") }}
        opened={editing !== undefined}
        onClose={() => setEditing(undefined)}
        title={editing ? t("suppliers.editNamed", { name: editing.name }) : t("suppliers.new")}
        size="lg"
      >
        {editing !== undefined && <SupplierForm supplier={editing} onDone={() => setEditing(undefined)} />}
      </Modal>
      <Modal
        closeButtonProps={{ "aria-label": t("common.close") }}
        opened={allocationsOf !== null}
        onClose={() => setAllocationsOf(null)}
        title={allocationsOf ? t("suppliers.allocations.of", { name: allocationsOf.name }) : ""}
        size="xl"
      >
        {allocationsOf && <SupplierAllocations supplier={allocationsOf} writable={writable} />}
      </Modal>
    </>
  );
}
