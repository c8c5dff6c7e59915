import { Anchor, Button, Group, Table } from "@mantine/core";
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";

import { api, type Schemas } from "../../api/client";
import { saveBlob } from "../../api/download";
import { unwrap } from "../../api/errors";
import { useSession } from "../../auth/session";
import { PropertyForm } from "./PropertyForm";
import { PropertyStatus } from "./PropertyStatus";
import { notify, notifyError } from "../../components/notify";
import { PagedTable } from "../../components/ListFrame";
import { PageHeader } from "../../components/Page";
import { useUrlFilters } from "../../components/useUrlFilters";
import { FilterPanel, FilterSelect, SearchFilter } from "../../components/FilterPanel";
import { EditDialog } from "../../components/EditModal";

type Property = Schemas["PropertyOut"];
type Status = Property["status"];
const PAGE_SIZE = 25;
const STATUSES: readonly Status[] = ["active", "inactive", "archived"];

function useListQuery(filters: ReturnType<typeof useUrlFilters>) {
  const status = filters.get("status") as Status | null;
  const country = filters.get("country_code");
  const search = filters.get("search");
  return {
    ...(country ? { country_code: country } : {}),
    ...(status ? { status } : {}),
    ...(search ? { search } : {}),
  };
}

/** Archive (soft delete) or restore (status active) one property. */
function ArchiveButton({ property }: { property: Property }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const archived = property.status === "archived";
  const change = useMutation({
    mutationFn: async () => {
      const path = { params: { path: { property_id: property.id } } };
      if (archived) unwrap(await api.PATCH("/properties/{property_id}", { ...path, body: { status: "active" } }));
      else unwrap(await api.DELETE("/properties/{property_id}", path));
    },
    onSuccess: async () => {
      notify(t(archived ? "setup.properties.restored" : "setup.properties.archived", { name: property.name }));
      await queryClient.invalidateQueries({ queryKey: ["properties"] });
    },
    onError: (error) => notifyError(error.message),
  });
  return (
    <Button
      size="xs"
      variant="subtle"
      color={archived ? "green" : "red"}
      loading={change.isPending}
      onClick={() => change.mutate()}
      aria-label={t(archived ? "setup.properties.restoreNamed" : "setup.properties.archiveNamed", { name: property.name })}
    >
      {t(archived ? "setup.properties.restore" : "setup.properties.archive")}
    </Button>
  );
}

function ExportButton({ query }: { query: ReturnType<typeof useListQuery> }) {
  const { t } = useTranslation();
  const exportCsv = useMutation({
    mutationFn: async () => unwrap(await api.GET("/properties/export.csv", { params: { query }, parseAs: "blob" })),
    onSuccess: (blob) => saveBlob(blob as Blob, "properties.csv"),
    onError: (error) => notify(error.message, "red", t("bookings.exportFailed")),
  });
  return (
    <Button variant="default" loading={exportCsv.isPending} onClick={() => exportCsv.mutate()}>
      {t("bookings.export")}
    </Button>
  );
}

export default function PropertiesList() {
  const { t } = useTranslation();
  const { me, can } = useSession();
  const filters = useUrlFilters();
  const [editing, setEditing] = useState<Property | null | undefined>(undefined);
  const listQuery = useListQuery(filters);
  const query = { page: filters.page, page_size: PAGE_SIZE, ...listQuery };
  const properties = useQuery({
    queryKey: ["properties", "list", query],
    queryFn: async () => unwrap(await api.GET("/properties", { params: { query } })),
    placeholderData: keepPreviousData,
  });
  const writable = can("PROPERTIES_WRITE");

  const columns = [t("setup.properties.code"), t("setup.properties.name"), t("setup.properties.country"), t("setup.properties.city"), t("setup.properties.timezone"), t("setup.properties.currency"), t("allotments.status"), writable && t("allotments.actions")];
  const rows = (items: Property[]) =>
    items.map((property) => (
      <Table.Tr key={property.id}>
        <Table.Td fw={500}>{property.code}</Table.Td>
        <Table.Td>
          <Anchor component={Link} to={`/properties/${property.id}`}>
            {property.name}
          </Anchor>
        </Table.Td>
        <Table.Td>{property.country_code}</Table.Td>
        <Table.Td>{property.city || "—"}</Table.Td>
        <Table.Td>{property.timezone}</Table.Td>
        <Table.Td>{property.currency}</Table.Td>
        <Table.Td>
          <PropertyStatus status={property.status} />
        </Table.Td>
        {writable && (
          <Table.Td>
            <Group gap={4} wrap="nowrap">
              <Button size="xs" variant="light" onClick={() => setEditing(property)} aria-label={t("setup.properties.editNamed", { name: property.name })}>
                {t("allotments.edit")}
              </Button>
              <ArchiveButton property={property} />
            </Group>
          </Table.Td>
        )}
      </Table.Tr>
    ));

  return (
    <>
      <PageHeader
        title={t("setup.properties.title")}
        action={
          <Group gap="xs">
            <ExportButton query={listQuery} />
            {writable && <Button onClick={() => setEditing(null)}>{t("setup.properties.new")}</Button>}
          </Group>
        }
      />
      <FilterPanel cols={{ base: 1, sm: 3 }}>
        <SearchFilter filters={filters} label={t("setup.properties.search")} />
        <FilterSelect filters={filters} param="country_code" label={t("setup.properties.country")} data={(me?.visible_countries ?? []).map((code) => ({ value: code, label: code }))} />
        <FilterSelect
          filters={filters}
          param="status"
          label={t("allotments.status")}
          placeholder={t("setup.properties.notArchived")}
          data={STATUSES.map((s) => ({ value: s, label: t(`setup.properties.statuses.${s}`) }))}
        />
      </FilterPanel>
      <PagedTable query={properties} empty={t("setup.properties.empty")} minWidth={760} columns={columns} rows={rows} onPage={(p) => filters.update({ page: String(p) })} />
      <EditDialog target={editing} onClose={() => setEditing(undefined)} title={editing ? t("setup.properties.editNamed", { name: editing.name }) : t("setup.properties.new")} size="lg">
        {(property) => <PropertyForm property={property} onDone={() => setEditing(undefined)} />}
      </EditDialog>
    </>
  );
}
