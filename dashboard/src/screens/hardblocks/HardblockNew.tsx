import { Anchor, Button, Fieldset, Group, NumberInput, Radio, Select, SimpleGrid, Stack, Text, TextInput, Textarea, Title } from "@mantine/core";
import { useForm } from "@mantine/form";
import { useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link, useNavigate } from "react-router-dom";

import { api } from "../../api/client";
import { unwrap } from "../../api/errors";
import { useApiSubmit, FormActions } from "../../components/useApiSubmit";
import { useProperties } from "../../components/useProperties";

import { propertyOptions, useAgencies, useRoomTypes } from "../allotments/useAllotmentData";
import { allocationsBody, emptyAllocation, type AllocationDraft } from "./blockValues";
import { GUARANTEES } from "./parts";
import { notify } from "../../components/notify";
import { SectionPanel } from "../../components/Page";

interface BlockValues extends Record<string, unknown> {
  property_id: string | null;
  agency_id: string | null;
  group_name: string;
  guarantee: "definite" | "tentative";
  cut_off_date: string;
  notes: string;
  allocations: AllocationDraft[];
}

/** Only what must be there before sending; the API checks the rest and names the field. */
function missing(values: BlockValues, required: string): Record<string, string> {
  const errors: Record<string, string> = {};
  if (!values.property_id) errors.property_id = required;
  if (!values.cut_off_date) errors.cut_off_date = required;
  values.allocations.forEach((a, index) => {
    for (const key of ["room_type_id", "date_from", "date_to", "rate"] as const) if (!a[key]) errors[`allocations.${index}.${key}`] = required;
    if (a.rooms === "") errors[`allocations.${index}.rooms`] = required;
  });
  return errors;
}

export default function HardblockNew() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const agencies = useAgencies();
  const properties = useProperties();
  const form = useForm<BlockValues>({
    initialValues: { property_id: null, agency_id: null, group_name: "", guarantee: "definite", cut_off_date: "", notes: "", allocations: [emptyAllocation()] },
    validate: (values) => missing(values, t("auth.required")),
  });
  const values = form.getValues();
  const roomTypes = useRoomTypes(values.property_id ? Number(values.property_id) : null);
  const currency = properties.named.find((p) => String(p.id) === values.property_id)?.currency ?? "—";

  const { submit, busy, formError } = useApiSubmit(form, async (v) => {
    const block = unwrap(
      await api.POST("/hardblocks", {
        body: {
          property_id: Number(v.property_id),
          agency_id: v.agency_id ? Number(v.agency_id) : null,
          group_name: v.group_name.trim(),
          guarantee: v.guarantee,
          cut_off_date: v.cut_off_date,
          notes: v.notes,
          allocations: allocationsBody(v.allocations),
        },
      }),
    );
    notify(t("hardblocks.created", { id: block.id }));
    await queryClient.invalidateQueries({ queryKey: ["hardblocks"] });
    navigate(`/hardblocks/${block.id}`);
  });

  return (
    <Stack>
      <Anchor component={Link} to="/hardblocks" size="sm">
        ← {t("hardblocks.title")}
      </Anchor>
      <Title order={1} size="h2">
        {t("hardblocks.new")}
      </Title>
      <form onSubmit={submit} noValidate>
        <Stack gap="md">
          <SectionPanel id="block-heading" title={t("hardblocks.block")}>
            <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }} spacing="sm">
              <Select label={t("bookings.property")} data={propertyOptions(properties.items)} searchable required key={form.key("property_id")} {...form.getInputProps("property_id")} />
              <Select
                label={t("allotments.agency")}
                description={t("hardblocks.agencyHelp")}
                data={agencies.options}
                searchable
                clearable
                key={form.key("agency_id")}
                {...form.getInputProps("agency_id")}
              />
              <TextInput label={t("hardblocks.groupName")} description={t("hardblocks.groupHelp")} key={form.key("group_name")} {...form.getInputProps("group_name")} />
              <TextInput type="date" label={t("hardblocks.cutOff")} description={t("hardblocks.cutOffHelp")} required key={form.key("cut_off_date")} {...form.getInputProps("cut_off_date")} />
              <Radio.Group label={t("hardblocks.guarantee")} description={t("hardblocks.guaranteeHelp")} key={form.key("guarantee")} {...form.getInputProps("guarantee")}>
                <Group mt={6}>
                  {GUARANTEES.map((g) => (
                    <Radio key={g} value={g} label={t(`hardblocks.guarantees.${g}`)} />
                  ))}
                </Group>
              </Radio.Group>
              <Textarea label={t("allotments.notes")} autosize minRows={1} key={form.key("notes")} {...form.getInputProps("notes")} />
            </SimpleGrid>
          </SectionPanel>
          <SectionPanel
            id="allocations-heading"
            title={t("hardblocks.allocations")}
            action={
              <Button size="xs" variant="light" onClick={() => form.insertListItem("allocations", emptyAllocation(roomTypes.options[0]?.value ?? null))}>
                {t("hardblocks.addAllocation")}
              </Button>
            }
          >
            <Text size="sm" c="dimmed" mb="sm">
              {values.property_id ? t("hardblocks.allocationsHelp") : t("allotments.seasons.pickProperty")}
            </Text>
            <Stack gap="sm">
              {values.allocations.map((_, index) => {
                const path = `allocations.${index}`;
                const n = index + 1;
                return (
                  <Fieldset key={form.key(path)} legend={t("hardblocks.allocationN", { n })} data-allocation={index}>
                    <SimpleGrid cols={{ base: 1, sm: 2, lg: 5 }} spacing="sm">
                      <Select label={t("allotments.roomType")} data={roomTypes.options} searchable required key={form.key(`${path}.room_type_id`)} {...form.getInputProps(`${path}.room_type_id`)} />
                      <TextInput type="date" label={t("allotments.seasons.firstNight")} required key={form.key(`${path}.date_from`)} {...form.getInputProps(`${path}.date_from`)} />
                      <TextInput type="date" label={t("allotments.seasons.lastNight")} required key={form.key(`${path}.date_to`)} {...form.getInputProps(`${path}.date_to`)} />
                      <NumberInput label={t("allotments.seasons.rooms")} min={0} allowDecimal={false} required key={form.key(`${path}.rooms`)} {...form.getInputProps(`${path}.rooms`)} />
                      <TextInput label={t("allotments.seasons.rate", { currency })} inputMode="decimal" required key={form.key(`${path}.rate`)} {...form.getInputProps(`${path}.rate`)} />
                    </SimpleGrid>
                    {values.allocations.length > 1 && (
                      <Group justify="flex-end" mt="xs">
                        <Button size="xs" color="red" variant="subtle" onClick={() => form.removeListItem("allocations", index)} aria-label={t("hardblocks.removeAllocation", { n })}>
                          {t("allotments.remove")}
                        </Button>
                      </Group>
                    )}
                  </Fieldset>
                );
              })}
            </Stack>
          </SectionPanel>
          <FormActions error={formError} busy={busy} label={t("hardblocks.create")} />
        </Stack>
      </form>
    </Stack>
  );
}
