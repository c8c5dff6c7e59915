import { Anchor, Button, Group, Modal, Paper, Select, SimpleGrid, Table, TextInput } from "@mantine/core";
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
import { ListPagination, queryState } from "../../components/ListFrame";
import { PageHeader } from "../../components/Page";
import { useUrlFilters, useUrlSearch } from "../../components/useUrlFilters";

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
  const [search, setSearch] = useUrlSearch(filters, "search");
  const [editing, setEditing] = useState<Property | null | undefined>(undefined);
  const listQuery = useListQuery(filters);
  const query = { page: filters.page, page_size: PAGE_SIZE, ...listQuery };
  const properties = useQuery({
    queryKey: ["properties", "list", query],
    queryFn: async () => unwrap(await api.GET("/properties", { params: { query } })),
    placeholderData: keepPreviousData,
  });
  const writable = can("PROPERTIES_WRITE");

  let body = queryState(properties, t("setup.properties.empty"), (page) => page.items.length === 0);
  if (!body && properties.data)
    body = (
      <>
        <Table.ScrollContainer minWidth={760}>
          <Table striped highlightOnHover verticalSpacing="xs" aria-busy={properties.isFetching}>
            <Table.Caption>{t("allotments.total", { count: properties.data.total })}</Table.Caption>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">{t("setup.properties.code")}</Table.Th>
                <Table.Th scope="col">{t("setup.properties.name")}</Table.Th>
                <Table.Th scope="col">{t("setup.properties.country")}</Table.Th>
                <Table.Th scope="col">{t("setup.properties.city")}</Table.Th>
                <Table.Th scope="col">{t("setup.properties.timezone")}</Table.Th>
                <Table.Th scope="col">{t("setup.properties.currency")}</Table.Th>
                <Table.Th scope="col">{t("allotments.status")}</Table.Th>
                {writable && <Table.Th scope="col">{t("allotments.actions")}</Table.Th>}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {properties.data.items.map((property) => (
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
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
        <ListPagination pages={properties.data.pages} page={properties.data.page} onChange={(p) => filters.update({ page: String(p) })} />
      </>
    );

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
      <Paper withBorder p="md" mb="md" component="section" aria-label={t("bookings.filters")}>
        <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="sm">
          <TextInput label={t("setup.properties.search")} type="search" value={search} onChange={(event) => setSearch(event.currentTarget.value)} />
          <Select
            label={t("setup.properties.country")}
            data={(me?.visible_countries ?? []).map((code) => ({ value: code, label: code }))}
            value={filters.get("country_code")}
            onChange={(value) => filters.update({ country_code: value })}
            clearable
          />
          <Select
            label={t("allotments.status")}
            placeholder={t("setup.properties.notArchived")}
            data={STATUSES.map((s) => ({ value: s, label: t(`setup.properties.statuses.${s}`) }))}
            value={filters.get("status")}
            onChange={(value) => filters.update({ status: value })}
            clearable
          />
        </SimpleGrid>
      </Paper>
      {body}
      <Modal
        closeButtonProps={{ "aria-label": t("common.close") }}
        opened={editing !== undefined}
        onClose={() => setEditing(undefined)}
        title={editing ? t("setup.properties.editNamed", { name: editing.name }) : t("setup.properties.new")}
        size="lg"
      >
        {editing !== undefined && <PropertyForm property={editing} onDone={() => setEditing(undefined)} />}
      </Modal>
    </>
  );
}
