import { Button, Group, Table } from "@mantine/core";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";

import { api, type Schemas } from "../../api/client";
import { unwrap } from "../../api/errors";
import { useSession } from "../../auth/session";
import { StatusBadge } from "../../components/StatusBadge";
import { SupplierAllocations } from "./SupplierAllocations";
import { SupplierForm } from "./SupplierForm";
import { PagedTable } from "../../components/ListFrame";
import { PageHeader } from "../../components/Page";
import { useUrlFilters } from "../../components/useUrlFilters";
import { ActiveFilter, FilterPanel, FilterSelect, SearchFilter } from "../../components/FilterPanel";
import { EditModal, EditDialog } from "../../components/EditModal";

type Supplier = Schemas["SupplierOut"];
const PAGE_SIZE = 25;

export default function SuppliersList() {
  const { t } = useTranslation();
  const { can, me } = useSession();
  const filters = useUrlFilters();
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

  const columns = [t("suppliers.name"), t("allotments.agencies.country"), t("allotments.agencies.contact"), t("suppliers.bank"), t("allotments.status"), t("allotments.actions")];
  const rows = (items: Supplier[]) =>
    items.map((supplier) => (
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
    ));

  return (
    <>
      <PageHeader title={t("suppliers.title")} action={writable && <Button onClick={() => setEditing(null)}>{t("suppliers.new")}</Button>} />
      <FilterPanel cols={{ base: 1, sm: 3 }}>
        <SearchFilter filters={filters} label={t("suppliers.search")} />
        <FilterSelect filters={filters} param="country_code" label={t("allotments.agencies.country")} data={me?.visible_countries ?? []} />
        <ActiveFilter filters={filters} active={t("suppliers.activeShort")} inactive={t("suppliers.inactive")} />
      </FilterPanel>
      <PagedTable query={suppliers} empty={t("suppliers.empty")} minWidth={760} columns={columns} rows={rows} onPage={(p) => filters.update({ page: String(p) })} />
      <EditDialog target={editing} onClose={() => setEditing(undefined)} title={editing ? t("suppliers.editNamed", { name: editing.name }) : t("suppliers.new")} size="lg">
        {(supplier) => <SupplierForm supplier={supplier} onDone={() => setEditing(undefined)} />}
      </EditDialog>
      <EditModal
        opened={allocationsOf !== null}
        onClose={() => setAllocationsOf(null)}
        title={allocationsOf ? t("suppliers.allocations.of", { name: allocationsOf.name }) : ""}
        size="xl"
      >
        {allocationsOf && <SupplierAllocations supplier={allocationsOf} writable={writable} />}
      </EditModal>
    </>
  );
}
