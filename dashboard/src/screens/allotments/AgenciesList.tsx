import { Button, NumberInput, Select, SimpleGrid, Stack, Table, TextInput, Textarea } from "@mantine/core";
import { useForm } from "@mantine/form";
import { keepPreviousData, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";

import { api, type Schemas } from "../../api/client";
import { unwrap } from "../../api/errors";
import { useSession } from "../../auth/session";
import { formatMoney } from "../../components/format";
import { useApiSubmit, FormActions } from "../../components/useApiSubmit";
import { StatusSelect, TermStatus } from "./parts";
import { notify } from "../../components/notify";
import { PagedTable } from "../../components/ListFrame";
import { PageHeader } from "../../components/Page";
import { useUrlFilters } from "../../components/useUrlFilters";
import { FilterPanel, SearchFilter } from "../../components/FilterPanel";
import { EditDialog } from "../../components/EditModal";

type Agency = Schemas["AgencyOut"];
const PAGE_SIZE = 25;
const STATUSES = ["active", "suspended", "closed"] as const;

function agencyValues(agency: Agency | null) {
  return {
    code: agency?.code ?? "",
    name: agency?.name ?? "",
    country_code: agency?.country_code ?? "",
    contact_name: agency?.contact_name ?? "",
    email: agency?.email ?? "",
    phone: agency?.phone ?? "",
    address: agency?.address ?? "",
    status: agency?.status ?? "active",
    credit_limit: agency?.credit_limit ?? "",
    credit_currency: agency?.credit_currency ?? "",
    payment_terms_days: agency?.payment_terms_days ?? (30 as number | ""),
    notes: agency?.notes ?? "",
  };
}

function AgencyForm({ agency, onDone }: { agency: Agency | null; onDone: () => void }) {
  const { t } = useTranslation();
  const { me } = useSession();
  const queryClient = useQueryClient();
  const initial = agencyValues(agency);
  if (!agency && me?.active_country) initial.country_code = me.active_country;
  const form = useForm({
    initialValues: initial,
    validate: {
      code: (v) => (agency || v.trim() ? null : t("auth.required")),
      name: (v) => (v.trim() ? null : t("auth.required")),
      country_code: (v) => (/^[A-Za-z]{2}$/.test(v.trim()) ? null : t("allotments.errors.countryCode")),
      credit_limit: (v) => (!v.trim() || /^\d+(\.\d+)?$/.test(v.trim()) ? null : t("allotments.errors.rateInvalid")),
    },
  });
  const { submit, busy, formError } = useApiSubmit(form, async (values) => {
    const fields = {
      name: values.name.trim(),
      country_code: values.country_code.trim().toUpperCase(),
      contact_name: values.contact_name,
      ...(values.email.trim() ? { email: values.email.trim() } : {}),
      phone: values.phone,
      address: values.address,
      status: values.status as Agency["status"],
      credit_limit: values.credit_limit.trim() || null,
      credit_currency: values.credit_currency.trim().toUpperCase() || null,
      payment_terms_days: values.payment_terms_days === "" ? 30 : values.payment_terms_days,
      notes: values.notes,
    };
    if (agency) unwrap(await api.PATCH("/agencies/{agency_id}", { params: { path: { agency_id: agency.id } }, body: fields }));
    else unwrap(await api.POST("/agencies", { body: { ...fields, code: values.code.trim() } }));
    notify(t("allotments.agencies.saved", { name: fields.name }));
    await queryClient.invalidateQueries({ queryKey: ["agencies"] });
    onDone();
  });
  return (
    <form onSubmit={submit} noValidate>
      <Stack gap="sm">
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
          <TextInput label={t("allotments.agencies.code")} required disabled={Boolean(agency)} {...form.getInputProps("code")} />
          <TextInput label={t("allotments.agencies.name")} required {...form.getInputProps("name")} />
          <TextInput label={t("allotments.agencies.country")} required maxLength={2} {...form.getInputProps("country_code")} />
          <Select
            label={t("allotments.status")}
            data={STATUSES.map((s) => ({ value: s, label: t(`allotments.statuses.${s}`) }))}
            allowDeselect={false}
            {...form.getInputProps("status")}
          />
          <TextInput label={t("allotments.agencies.contact")} {...form.getInputProps("contact_name")} />
          <TextInput label={t("allotments.agencies.email")} type="email" {...form.getInputProps("email")} />
          <TextInput label={t("allotments.agencies.phone")} type="tel" {...form.getInputProps("phone")} />
          <TextInput label={t("allotments.agencies.address")} {...form.getInputProps("address")} />
          <TextInput label={t("allotments.agencies.creditLimit")} inputMode="decimal" description={t("allotments.agencies.noLimit")} {...form.getInputProps("credit_limit")} />
          <TextInput label={t("allotments.agencies.creditCurrency")} maxLength={3} {...form.getInputProps("credit_currency")} />
          <NumberInput label={t("allotments.agencies.paymentTerms")} min={0} max={365} allowDecimal={false} {...form.getInputProps("payment_terms_days")} />
        </SimpleGrid>
        <Textarea label={t("allotments.notes")} autosize minRows={2} {...form.getInputProps("notes")} />
        <FormActions error={formError} busy={busy} onCancel={onDone} />
      </Stack>
    </form>
  );
}

export default function AgenciesList() {
  const { t, i18n } = useTranslation();
  const { can } = useSession();
  const filters = useUrlFilters();
  const [editing, setEditing] = useState<Agency | null | undefined>(undefined);

  const status = filters.get("status") as Agency["status"] | null;
  const query = {
    page: filters.page,
    page_size: PAGE_SIZE,
    ...(filters.get("search") ? { search: filters.get("search") as string } : {}),
    ...(status ? { status } : {}),
  };
  const agencies = useQuery({
    queryKey: ["agencies", query],
    queryFn: async () => unwrap(await api.GET("/agencies", { params: { query } })),
    placeholderData: keepPreviousData,
  });

  const columns = [t("allotments.agencies.code"), t("allotments.agencies.name"), t("allotments.agencies.country"), t("allotments.agencies.contact"), t("allotments.status"), t("allotments.agencies.credit"), can("AGENCIES_WRITE") && t("allotments.actions")];
  const rows = (items: Agency[]) =>
    items.map((agency) => (
      <Table.Tr key={agency.id}>
        <Table.Td fw={500}>{agency.code}</Table.Td>
        <Table.Td>{agency.name}</Table.Td>
        <Table.Td>{agency.country_code}</Table.Td>
        <Table.Td>{[agency.contact_name, agency.email].filter(Boolean).join(" · ") || "—"}</Table.Td>
        <Table.Td>
          <TermStatus status={agency.status} />
        </Table.Td>
        <Table.Td style={{ whiteSpace: "nowrap" }}>
          {agency.credit_limit && agency.credit_currency
            ? formatMoney(agency.credit_limit, agency.credit_currency, i18n.language)
            : t("allotments.agencies.noLimitShort")}
          {" · "}
          {t("allotments.agencies.termsDays", { count: agency.payment_terms_days })}
        </Table.Td>
        {can("AGENCIES_WRITE") && (
          <Table.Td>
            <Button size="xs" variant="light" onClick={() => setEditing(agency)} aria-label={t("allotments.agencies.editNamed", { name: agency.name })}>
              {t("allotments.edit")}
            </Button>
          </Table.Td>
        )}
      </Table.Tr>
    ));

  return (
    <>
      <PageHeader
        title={t("allotments.agencies.title")}
        action={can("AGENCIES_WRITE") && <Button onClick={() => setEditing(null)}>{t("allotments.agencies.new")}</Button>}
      />
      <FilterPanel cols={{ base: 1, sm: 2 }}>
        <SearchFilter filters={filters} label={t("allotments.agencies.search")} />
        <StatusSelect statuses={STATUSES} value={status} onChange={(value) => filters.update({ status: value })} />
      </FilterPanel>
      <PagedTable query={agencies} empty={t("allotments.agencies.empty")} minWidth={720} columns={columns} rows={rows} onPage={(p) => filters.update({ page: String(p) })} />
      <EditDialog target={editing} onClose={() => setEditing(undefined)} title={editing ? t("allotments.agencies.editNamed", { name: editing.name }) : t("allotments.agencies.new")} size="lg">
        {(agency) => <AgencyForm agency={agency} onDone={() => setEditing(undefined)} />}
      </EditDialog>
    </>
  );
}
