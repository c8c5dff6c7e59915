import { ActionIcon, Button, Checkbox, Fieldset, Group, NumberInput, Select, SimpleGrid, Stack, Text, TextInput, Textarea } from "@mantine/core";
import { useForm } from "@mantine/form";
import { useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";

import { api, type Schemas } from "../../api/client";
import { unwrap } from "../../api/errors";
import { FormError, useApiSubmit } from "../../components/useApiSubmit";
import { useProperties } from "../../components/useProperties";
import { emptySeason, termsFromApi, termsToApi, validateTerms, WEEKDAYS, type ReleaseStepDraft, type SeasonDraft } from "./contractTerms";

import { propertyOptions, useAgencies, useRoomTypes } from "./useAllotmentData";
import { notify } from "../../components/notify";
import { SectionPanel } from "../../components/Page";

type Contract = Schemas["ContractOut"];
const MODES = ["allotment", "free_sale"] as const;
const STATUSES = ["draft", "active", "suspended"] as const;

interface ContractValues extends Record<string, unknown> {
  agency_id: string | null;
  property_id: string | null;
  name: string;
  mode: Contract["mode"];
  status: Contract["status"];
  currency: string;
  notes: string;
  conditions: string;
  seasons: SeasonDraft[];
  release_steps: ReleaseStepDraft[];
}

function initialValues(contract: Contract | undefined): ContractValues {
  const terms = contract ? termsFromApi(contract) : { seasons: [emptySeason()], release_steps: [] };
  return {
    agency_id: contract ? String(contract.agency_id) : null,
    property_id: contract ? String(contract.property_id) : null,
    name: contract?.name ?? "",
    mode: contract?.mode ?? "allotment",
    status: contract?.status ?? "draft",
    currency: contract?.currency ?? "",
    notes: contract?.notes ?? "",
    conditions: contract?.conditions ?? "",
    ...terms,
  };
}

/**
 * A contract's header and its terms: the season editor (room type, nights, weekdays, rooms, rate,
 * min stay) and the release steps ("at N days keep M"). New contracts are created; existing ones
 * get a new version with the fields that changed.
 */
export function ContractForm({ contract, onSaved, readOnly = false }: { contract?: Contract; onSaved: (contract: Contract) => void; readOnly?: boolean }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const agencies = useAgencies();
  const properties = useProperties();
  const form = useForm<ContractValues>({
    initialValues: initialValues(contract),
    validate: (values) => {
      const errors: Record<string, string> = {};
      if (!values.agency_id) errors.agency_id = t("auth.required");
      if (!values.property_id) errors.property_id = t("auth.required");
      if (!values.name.trim()) errors.name = t("auth.required");
      if (!/^[A-Za-z]{3}$/.test(values.currency.trim())) errors.currency = t("allotments.errors.currency");
      for (const [path, key] of Object.entries(validateTerms(values))) errors[path] = t(`allotments.errors.${key}`);
      return errors;
    },
  });
  const values = form.getValues();
  const roomTypes = useRoomTypes(values.property_id ? Number(values.property_id) : null);
  form.watch("property_id", ({ value }) => {
    const property = properties.named.find((p) => String(p.id) === value);
    if (property && !form.getValues().currency) form.setFieldValue("currency", property.currency);
  });

  const { submit, busy, formError } = useApiSubmit(form, async (v) => {
    const header = { name: v.name.trim(), mode: v.mode, status: v.status, currency: v.currency.trim().toUpperCase(), notes: v.notes, conditions: v.conditions };
    const terms = termsToApi(v);
    const saved = contract
      ? unwrap(await api.PATCH("/contracts/{contract_id}", { params: { path: { contract_id: contract.id } }, body: { ...header, ...terms } }))
      : unwrap(
          await api.POST("/contracts", {
            body: { ...header, ...terms, agency_id: Number(v.agency_id), property_id: Number(v.property_id) },
          }),
        );
    notify(t("allotments.contracts.saved", { name: saved.name, version: saved.version }));
    queryClient.setQueryData(["contract", saved.id], saved);
    await queryClient.invalidateQueries({ queryKey: ["contracts"] });
    await queryClient.invalidateQueries({ queryKey: ["allotments"] });
    await queryClient.invalidateQueries({ queryKey: ["contract", saved.id] });
    onSaved(saved);
  });

  const currency = values.currency.toUpperCase();
  return (
    <form onSubmit={submit} noValidate>
      {/* A disabled fieldset: those who may only read see the terms, every control inert. */}
      <fieldset disabled={readOnly} style={{ border: 0, padding: 0, margin: 0, minWidth: 0 }}>
      <Stack gap="md">
        <SectionPanel id="contract-heading" title={t("allotments.contracts.header")}>
          <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }} spacing="sm">
            <Select
              label={t("allotments.agency")}
              data={agencies.options}
              searchable
              required
              disabled={Boolean(contract)}
              key={form.key("agency_id")}
              {...form.getInputProps("agency_id")}
            />
            <Select
              label={t("bookings.property")}
              data={propertyOptions(properties.named)}
              searchable
              required
              disabled={Boolean(contract)}
              key={form.key("property_id")}
              {...form.getInputProps("property_id")}
            />
            <TextInput label={t("allotments.contracts.name")} required key={form.key("name")} {...form.getInputProps("name")} />
            <Select
              label={t("allotments.contracts.mode")}
              description={t("allotments.contracts.modeHelp")}
              data={MODES.map((m) => ({ value: m, label: t(`allotments.modes.${m}`) }))}
              allowDeselect={false}
              key={form.key("mode")}
              {...form.getInputProps("mode")}
            />
            <Select
              label={t("allotments.status")}
              data={STATUSES.map((s) => ({ value: s, label: t(`allotments.statuses.${s}`) }))}
              allowDeselect={false}
              key={form.key("status")}
              {...form.getInputProps("status")}
            />
            <TextInput label={t("allotments.contracts.currency")} required maxLength={3} key={form.key("currency")} {...form.getInputProps("currency")} />
          </SimpleGrid>
          <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm" mt="sm">
            <Textarea label={t("allotments.contracts.conditions")} autosize minRows={2} key={form.key("conditions")} {...form.getInputProps("conditions")} />
            <Textarea label={t("allotments.notes")} autosize minRows={2} key={form.key("notes")} {...form.getInputProps("notes")} />
          </SimpleGrid>
        </SectionPanel>

        <SectionPanel
          id="seasons-heading"
          title={t("allotments.seasons.title")}
          action={
            <Button size="xs" variant="light" onClick={() => form.insertListItem("seasons", emptySeason(roomTypes.options[0]?.value ?? null))}>
              {t("allotments.seasons.add")}
            </Button>
          }
        >
          {!values.property_id && (
            <Text size="sm" c="dimmed" mb="sm">
              {t("allotments.seasons.pickProperty")}
            </Text>
          )}
          <Stack gap="sm">
            {values.seasons.length === 0 && <Text c="dimmed">{t("allotments.seasons.empty")}</Text>}
            {values.seasons.map((_, index) => {
              const n = index + 1;
              const path = `seasons.${index}`;
              return (
                <Fieldset key={form.key(path)} legend={t("allotments.seasons.season", { n })} data-season={index}>
                  <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }} spacing="sm">
                    <Select
                      label={t("allotments.roomType")}
                      data={roomTypes.options}
                      required
                      searchable
                      key={form.key(`${path}.room_type_id`)}
                      {...form.getInputProps(`${path}.room_type_id`)}
                    />
                    <TextInput type="date" label={t("allotments.seasons.firstNight")} required key={form.key(`${path}.date_from`)} {...form.getInputProps(`${path}.date_from`)} />
                    <TextInput type="date" label={t("allotments.seasons.lastNight")} required key={form.key(`${path}.date_to`)} {...form.getInputProps(`${path}.date_to`)} />
                    <NumberInput
                      label={t("allotments.seasons.rooms")}
                      min={0}
                      allowDecimal={false}
                      required
                      key={form.key(`${path}.rooms`)}
                      {...form.getInputProps(`${path}.rooms`)}
                    />
                    <TextInput
                      label={t("allotments.seasons.rate", { currency: currency || "—" })}
                      inputMode="decimal"
                      required
                      key={form.key(`${path}.rate`)}
                      {...form.getInputProps(`${path}.rate`)}
                    />
                    <NumberInput label={t("allotments.seasons.minStay")} min={1} max={365} allowDecimal={false} key={form.key(`${path}.min_stay`)} {...form.getInputProps(`${path}.min_stay`)} />
                  </SimpleGrid>
                  <Group justify="space-between" align="flex-end" mt="sm">
                    <Checkbox.Group label={t("allotments.seasons.weekdays")} key={form.key(`${path}.weekdays`)} {...form.getInputProps(`${path}.weekdays`)}>
                      <Group gap="sm" mt={4}>
                        {WEEKDAYS.map((day) => (
                          <Checkbox key={day} value={day} label={t(`allotments.weekdays.${day}`)} />
                        ))}
                      </Group>
                    </Checkbox.Group>
                    <Button size="xs" color="red" variant="subtle" onClick={() => form.removeListItem("seasons", index)} aria-label={t("allotments.seasons.removeNamed", { n })}>
                      {t("allotments.remove")}
                    </Button>
                  </Group>
                </Fieldset>
              );
            })}
          </Stack>
        </SectionPanel>

        <SectionPanel
          id="release-heading"
          title={t("allotments.release.title")}
          help={t("allotments.release.help")}
          action={
            <Button size="xs" variant="light" onClick={() => form.insertListItem("release_steps", { days_before: "", rooms_kept: 0 })}>
              {t("allotments.release.add")}
            </Button>
          }
        >
          <Stack gap="xs">
            {values.release_steps.length === 0 && <Text c="dimmed">{t("allotments.release.none")}</Text>}
            {values.release_steps.map((_, index) => {
              const path = `release_steps.${index}`;
              return (
                <Group key={form.key(path)} align="flex-start" gap="sm" data-release-step={index}>
                  <NumberInput
                    label={t("allotments.release.atDays", { n: index + 1 })}
                    min={0}
                    max={365}
                    allowDecimal={false}
                    w={180}
                    key={form.key(`${path}.days_before`)}
                    {...form.getInputProps(`${path}.days_before`)}
                  />
                  <NumberInput
                    label={t("allotments.release.keep", { n: index + 1 })}
                    min={0}
                    allowDecimal={false}
                    w={180}
                    key={form.key(`${path}.rooms_kept`)}
                    {...form.getInputProps(`${path}.rooms_kept`)}
                  />
                  <ActionIcon
                    mt={28}
                    color="red"
                    variant="subtle"
                    onClick={() => form.removeListItem("release_steps", index)}
                    aria-label={t("allotments.release.removeNamed", { n: index + 1 })}
                  >
                    ×
                  </ActionIcon>
                </Group>
              );
            })}
          </Stack>
        </SectionPanel>
        <FormError message={formError} />
        {!readOnly && (
          <Group justify="flex-end">
            <Button type="submit" loading={busy}>
              {contract ? t("allotments.contracts.saveVersion") : t("allotments.contracts.create")}
            </Button>
          </Group>
        )}
      </Stack>
      </fieldset>
    </form>
  );
}
