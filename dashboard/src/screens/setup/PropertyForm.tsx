import { Autocomplete, Button, Group, NumberInput, Select, SimpleGrid, Stack, TextInput } from "@mantine/core";
import { useForm } from "@mantine/form";
import { useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";

import { api, type Schemas } from "../../api/client";
import { unwrap } from "../../api/errors";
import { useSession } from "../../auth/session";
import { FormError, useApiSubmit } from "../../components/useApiSubmit";

import { propertyBody, propertyValues, TIME_ZONES } from "./propertyValues";
import { notify } from "../../components/notify";

type Property = Schemas["PropertyOut"];

/** Create (property null) or edit a property; the API's messages go under their fields. */
export function PropertyForm({ property, onDone }: { property: Property | null; onDone: (saved?: Property) => void }) {
  const { t } = useTranslation();
  const { me } = useSession();
  const queryClient = useQueryClient();
  const initial = propertyValues(property);
  if (!property && me?.active_country) initial.country_code = me.active_country;
  const form = useForm({
    initialValues: initial,
    validate: {
      code: (v) => (v.trim() ? null : t("auth.required")),
      name: (v) => (v.trim() ? null : t("auth.required")),
      country_code: (v) => (/^[A-Za-z]{2}$/.test(v.trim()) ? null : t("allotments.errors.countryCode")),
      timezone: (v) => (v.trim() ? null : t("auth.required")),
      currency: (v) => (/^[A-Za-z]{3}$/.test(v.trim()) ? null : t("setup.properties.currencyInvalid")),
    },
  });
  const { submit, busy, formError } = useApiSubmit(form, async (values) => {
    // An archived property keeps its status on edit: Restore (in the list) brings it back.
    const { status, ...kept } = propertyBody(values);
    const body = property?.status === "archived" ? kept : { ...kept, status };
    const saved = property
      ? unwrap(await api.PATCH("/properties/{property_id}", { params: { path: { property_id: property.id } }, body }))
      : unwrap(await api.POST("/properties", { body }));
    notify(t("setup.properties.saved", { name: saved.name }));
    await queryClient.invalidateQueries({ queryKey: ["properties"] });
    onDone(saved);
  });
  return (
    <form onSubmit={submit} noValidate>
      <Stack gap="sm">
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
          <TextInput label={t("setup.properties.code")} required {...form.getInputProps("code")} />
          <TextInput label={t("setup.properties.name")} required {...form.getInputProps("name")} />
          <TextInput label={t("setup.properties.country")} required maxLength={2} {...form.getInputProps("country_code")} />
          <Autocomplete
            label={t("setup.properties.timezone")}
            description={t("setup.properties.timezoneHelp")}
            required
            data={TIME_ZONES}
            limit={20}
            {...form.getInputProps("timezone")}
          />
          <TextInput
            label={t("setup.properties.currency")}
            description={t("setup.properties.currencyHelp")}
            required
            maxLength={3}
            {...form.getInputProps("currency")}
          />
          <NumberInput
            label={t("setup.properties.buffer")}
            description={t("setup.properties.bufferHelp")}
            min={0}
            max={1000}
            allowDecimal={false}
            clampBehavior="none"
            {...form.getInputProps("buffer_rooms")}
          />
          <TextInput label={t("setup.properties.address")} {...form.getInputProps("address")} />
          <TextInput label={t("setup.properties.city")} {...form.getInputProps("city")} />
          <TextInput label={t("setup.properties.region")} {...form.getInputProps("region")} />
          <TextInput label={t("setup.properties.postalCode")} {...form.getInputProps("postal_code")} />
          <Select
            label={t("allotments.status")}
            data={["active", "inactive"].map((s) => ({ value: s, label: t(`setup.properties.statuses.${s}`) }))}
            allowDeselect={false}
            disabled={property?.status === "archived"}
            {...form.getInputProps("status")}
          />
        </SimpleGrid>
        <FormError message={formError} />
        <Group justify="flex-end">
          <Button variant="default" onClick={() => onDone()}>
            {t("common.cancel")}
          </Button>
          <Button type="submit" loading={busy}>
            {t("common.save")}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
