import { Checkbox, SimpleGrid, Stack, Switch, TextInput, Textarea, Title } from "@mantine/core";
import { useForm } from "@mantine/form";
import { useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";

import { api, type Schemas } from "../../api/client";
import { unwrap } from "../../api/errors";
import { useSession } from "../../auth/session";
import { useApiSubmit, FormActions } from "../../components/useApiSubmit";

import { supplierBody, supplierValues } from "./supplierValues";
import { notify } from "../../components/notify";

type Supplier = Schemas["SupplierOut"];

/** A supplier's details and bank details; the stored account number shows masked and is replaced by typing a new one. */
export function SupplierForm({ supplier, onDone }: { supplier: Supplier | null; onDone: () => void }) {
  const { t } = useTranslation();
  const { me } = useSession();
  const queryClient = useQueryClient();
  const form = useForm({
    initialValues: supplierValues(supplier, me?.active_country),
    validate: {
      name: (v) => (v.trim() ? null : t("auth.required")),
      country_code: (v) => (/^[A-Za-z]{2}$/.test(v.trim()) ? null : t("allotments.errors.countryCode")),
    },
  });
  const { submit, busy, formError } = useApiSubmit(form, async (values) => {
    const body = supplierBody(values, supplier !== null);
    if (supplier) unwrap(await api.PATCH("/suppliers/{supplier_id}", { params: { path: { supplier_id: supplier.id } }, body }));
    else unwrap(await api.POST("/suppliers", { body }));
    notify(t("suppliers.saved", { name: body.name }));
    await queryClient.invalidateQueries({ queryKey: ["suppliers"] });
    onDone();
  });
  const masked = supplier?.bank_account_masked;
  return (
    <form onSubmit={submit} noValidate>
      <Stack gap="sm">
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
          <TextInput label={t("suppliers.name")} required {...form.getInputProps("name")} />
          <TextInput label={t("allotments.agencies.country")} required maxLength={2} {...form.getInputProps("country_code")} />
          <TextInput label={t("allotments.agencies.contact")} {...form.getInputProps("contact_name")} />
          <TextInput label={t("allotments.agencies.email")} type="email" {...form.getInputProps("email")} />
          <TextInput label={t("allotments.agencies.phone")} type="tel" {...form.getInputProps("phone")} />
          <TextInput label={t("allotments.agencies.address")} {...form.getInputProps("address")} />
        </SimpleGrid>
        <Title order={3} size="h5" mt="xs">
          {t("suppliers.bank")}
        </Title>
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
          <TextInput label={t("suppliers.bankName")} {...form.getInputProps("bank_name")} />
          <TextInput label={t("suppliers.accountHolder")} {...form.getInputProps("bank_account_holder")} />
          <TextInput label={t("suppliers.swift")} description={t("suppliers.swiftHelp")} maxLength={11} {...form.getInputProps("bank_swift")} />
          <TextInput
            label={t("suppliers.accountNumber")}
            description={masked ? t("suppliers.accountStored", { masked }) : t("suppliers.accountHelp")}
            autoComplete="off"
            disabled={form.getValues().remove_account}
            {...form.getInputProps("bank_account_number")}
          />
        </SimpleGrid>
        {masked && <Checkbox label={t("suppliers.removeAccount", { masked })} {...form.getInputProps("remove_account", { type: "checkbox" })} />}
        <Textarea label={t("allotments.notes")} autosize minRows={2} {...form.getInputProps("notes")} />
        <Switch label={t("suppliers.active")} {...form.getInputProps("is_active", { type: "checkbox" })} />
        <FormActions error={formError} busy={busy} onCancel={onDone} />
      </Stack>
    </form>
  );
}
