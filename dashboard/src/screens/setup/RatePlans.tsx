import { Button, Group, SegmentedControl, Select, SimpleGrid, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { useForm } from "@mantine/form";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";

import { api, type Schemas } from "../../api/client";
import { unwrap } from "../../api/errors";
import { useSession } from "../../auth/session";
import { formatDate, formatMoney } from "../../components/format";
import { FormError, useApiSubmit, FormActions } from "../../components/useApiSubmit";
import { derivationText, ratePlanBody, ratePlanValues } from "./ratePlanValues";
import { DerivationKindSelect, Rules } from "./Rules";
import { notify } from "../../components/notify";
import { queryState, QueryTable } from "../../components/ListFrame";
import { ScrollBox, SectionHeader } from "../../components/Page";
import { EditModal } from "../../components/EditModal";

type Property = Schemas["PropertyOut"];
type RoomType = Schemas["RoomTypeOut"];
type RatePlan = Schemas["RatePlanOut"];

function RatePlanForm({ roomType, plans, plan, onDone }: { roomType: RoomType; plans: RatePlan[]; plan?: RatePlan; onDone: () => void }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const parents = plans.filter((p) => p.id !== plan?.id);
  const form = useForm({
    initialValues: ratePlanValues(plan),
    validate: {
      code: (v) => (v.trim() ? null : t("auth.required")),
      name: (v) => (v.trim() ? null : t("auth.required")),
      base_rate: (v, values) => (values.kind === "derived" || !v.trim() || /^\d+(\.\d+)?$/.test(v.trim()) ? null : t("allotments.errors.rateInvalid")),
      parent_id: (v, values) => (values.kind === "base" || v ? null : t("auth.required")),
      derivation_value: (v, values) => (values.kind === "base" || /^[+-]?\d+(\.\d+)?$/.test(v.trim()) ? null : t("allotments.errors.rateInvalid")),
    },
  });
  const { submit, busy, formError } = useApiSubmit(form, async (values) => {
    if (plan) unwrap(await api.PATCH("/rate-plans/{rate_plan_id}", { params: { path: { rate_plan_id: plan.id } }, body: ratePlanBody(values, true) }));
    else unwrap(await api.POST("/room-types/{room_type_id}/rate-plans", { params: { path: { room_type_id: roomType.id } }, body: ratePlanBody(values) }));
    notify(t("setup.ratePlans.saved", { name: values.name.trim() }));
    await queryClient.invalidateQueries({ queryKey: ["rate-plans", roomType.id] });
    await queryClient.invalidateQueries({ queryKey: ["rate-grid", roomType.property_id] });
    onDone();
  });
  const derived = form.getValues().kind === "derived";
  return (
    <form onSubmit={submit} noValidate>
      <Stack gap="sm">
        <SegmentedControl
          aria-label={t("setup.ratePlans.kind")}
          data={[
            { value: "base", label: t("setup.ratePlans.base") },
            { value: "derived", label: t("setup.ratePlans.derived"), disabled: parents.length === 0 },
          ]}
          {...form.getInputProps("kind")}
        />
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
          <TextInput label={t("setup.ratePlans.code")} required {...form.getInputProps("code")} />
          <TextInput label={t("setup.ratePlans.name")} required {...form.getInputProps("name")} />
          {derived ? (
            <>
              <Select
                label={t("setup.ratePlans.parent")}
                required
                data={parents.map((p) => ({ value: String(p.id), label: `${p.code} · ${p.name}` }))}
                {...form.getInputProps("parent_id")}
              />
              <DerivationKindSelect {...form.getInputProps("derivation_kind")} />
              <TextInput
                label={t("setup.ratePlans.derivationValue")}
                description={t("setup.ratePlans.derivationHelp")}
                required
                inputMode="decimal"
                {...form.getInputProps("derivation_value")}
              />
            </>
          ) : (
            <TextInput
              label={t("setup.roomTypes.baseRate", { currency: "" }).trim()}
              description={t("setup.ratePlans.baseRateHelp")}
              inputMode="decimal"
              {...form.getInputProps("base_rate")}
            />
          )}
          <TextInput label={t("setup.ratePlans.channel")} description={t("setup.ratePlans.channelHelp")} {...form.getInputProps("channel")} />
        </SimpleGrid>
        <FormActions error={formError} busy={busy} onCancel={onDone} />
      </Stack>
    </form>
  );
}

const NIGHTS_SHOWN = 7;

function addDays(iso: string, days: number): string {
  const d = new Date(`${iso}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** The rates the API computes for each plan (base, derived, seasonal rules) over a week from `from`. */
function ComputedRates({ property, roomType, from }: { property: Property; roomType: RoomType; from: string | null }) {
  const { t, i18n } = useTranslation();
  const query = from ? { date_from: from, date_to: addDays(from, NIGHTS_SHOWN - 1), room_type_id: roomType.id } : { room_type_id: roomType.id };
  const grid = useQuery({
    queryKey: ["rate-grid", property.id, query],
    queryFn: async () => unwrap(await api.GET("/properties/{property_id}/calendar", { params: { path: { property_id: property.id }, query } })),
  });
  const entry = grid.data?.room_types.find((r) => r.id === roomType.id);
  const state = queryState(grid, t("setup.ratePlans.empty"), () => !entry || entry.rate_plans.length === 0);
  if (state || !entry || !grid.data) return state;
  const nights = entry.nights.slice(0, NIGHTS_SHOWN);
  return (
    <ScrollBox label={t("setup.ratePlans.computed")}>
      <Table verticalSpacing={4} withTableBorder data-testid="computed-rates">
        <Table.Caption>{t("setup.ratePlans.computedCaption")}</Table.Caption>
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">{t("setup.ratePlans.title")}</Table.Th>
            {nights.map((n) => (
              <Table.Th scope="col" key={n.night} style={{ whiteSpace: "nowrap" }}>
                {formatDate(n.night, i18n.language)}
              </Table.Th>
            ))}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {entry.rate_plans.map((plan) => (
            <Table.Tr key={plan.id} data-plan={plan.code}>
              <Table.Th scope="row">{plan.code}</Table.Th>
              {nights.map((n) => (
                <Table.Td key={n.night} data-night={n.night} style={{ whiteSpace: "nowrap" }}>
                  {n.rates[String(plan.id)] !== undefined ? formatMoney(n.rates[String(plan.id)] as string, grid.data.currency, i18n.language) : "—"}
                </Table.Td>
              ))}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </ScrollBox>
  );
}

/** A room type's rate plans: base and derived, their seasonal rules, and the rates computed from them. */
export function RatePlans({ property, roomType }: { property: Property; roomType: RoomType }) {
  const { t, i18n } = useTranslation();
  const { can } = useSession();
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<RatePlan | null>(null);
  const [deleting, setDeleting] = useState<RatePlan | null>(null);
  const queryClient = useQueryClient();
  const remove = useMutation({
    mutationFn: async (plan: RatePlan) => unwrap(await api.DELETE("/rate-plans/{rate_plan_id}", { params: { path: { rate_plan_id: plan.id } } })),
    onSuccess: async (_, plan) => {
      notify(t("setup.ratePlans.deleted", { name: plan.name }));
      setDeleting(null);
      await queryClient.invalidateQueries({ queryKey: ["rate-plans", roomType.id] });
      await queryClient.invalidateQueries({ queryKey: ["rate-grid", roomType.property_id] });
    },
  });
  const [rulesOf, setRulesOf] = useState<RatePlan | null>(null);
  const [from, setFrom] = useState<string | null>(null);
  const plans = useQuery({
    queryKey: ["rate-plans", roomType.id],
    queryFn: async () => unwrap(await api.GET("/room-types/{room_type_id}/rate-plans", { params: { path: { room_type_id: roomType.id } } })),
  });
  const writable = can("RATES_WRITE");
  const codeOf = (id: number | null) => plans.data?.find((p) => p.id === id)?.code ?? `#${id}`;
  const body = (
    <QueryTable
      query={plans}
      empty={t("setup.ratePlans.empty")}
      minWidth={640}
      columns={[t("setup.ratePlans.code"), t("setup.ratePlans.name"), t("setup.ratePlans.pricing"), t("setup.ratePlans.channel"), t("allotments.actions")]}
      rows={(items) =>
        items.map((plan) => (
          <Table.Tr key={plan.id} data-plan={plan.code}>
            <Table.Td fw={500}>{plan.code}</Table.Td>
            <Table.Td>{plan.name}</Table.Td>
            <Table.Td>
              {plan.parent_id
                ? t("setup.ratePlans.follows", { parent: codeOf(plan.parent_id), adjustment: derivationText(plan.derivation_kind, plan.derivation_value) })
                : plan.base_rate !== null
                  ? formatMoney(plan.base_rate, plan.currency, i18n.language)
                  : t("setup.ratePlans.roomTypeRate")}
            </Table.Td>
            <Table.Td>{plan.channel ?? t("setup.ratePlans.allChannels")}</Table.Td>
            <Table.Td>
              <Group gap="xs" wrap="nowrap">
                <Button size="xs" variant="light" onClick={() => setRulesOf(plan)} aria-label={t("setup.rules.showFor", { name: plan.name })}>
                  {t("setup.rules.title")}
                </Button>
                {writable && (
                  <>
                    <Button size="xs" variant="default" onClick={() => setEditing(plan)} aria-label={t("setup.ratePlans.editNamed", { name: plan.name })}>
                      {t("allotments.edit")}
                    </Button>
                    <Button size="xs" variant="subtle" color="red" onClick={() => setDeleting(plan)} aria-label={t("setup.ratePlans.deleteNamed", { name: plan.name })}>
                      {t("setup.ratePlans.delete")}
                    </Button>
                  </>
                )}
              </Group>
            </Table.Td>
          </Table.Tr>
        ))
      }
    />
  );
  return (
    <section aria-labelledby="rate-plans-heading">
      <SectionHeader id="rate-plans-heading" title={t("setup.ratePlans.titleFor", { name: roomType.name })} action={writable && <Button onClick={() => setCreating(true)}>{t("setup.ratePlans.new")}</Button>} />
      {body}
      <Group align="flex-end" justify="space-between" mt="md" mb="xs">
        <Title order={3} size="h4">
          {t("setup.ratePlans.computed")}
        </Title>
        <TextInput type="date" label={t("setup.ratePlans.from")} value={from ?? ""} onChange={(e) => setFrom(e.currentTarget.value || null)} w={180} />
      </Group>
      <ComputedRates property={property} roomType={roomType} from={from} />
      <Text size="xs" c="dimmed">
        {t("setup.ratePlans.computedHelp")}
      </Text>
      <EditModal opened={creating} onClose={() => setCreating(false)} title={t("setup.ratePlans.new")} size="lg">
        {creating && plans.data && <RatePlanForm roomType={roomType} plans={plans.data} onDone={() => setCreating(false)} />}
      </EditModal>
      <EditModal opened={editing !== null} onClose={() => setEditing(null)} title={editing ? t("setup.ratePlans.editNamed", { name: editing.name }) : ""} size="lg">
        {editing && plans.data && <RatePlanForm roomType={roomType} plans={plans.data} plan={editing} onDone={() => setEditing(null)} />}
      </EditModal>
      <EditModal
        opened={deleting !== null}
        onClose={() => {
          remove.reset();
          setDeleting(null);
        }}
        title={deleting ? t("setup.ratePlans.deleteNamed", { name: deleting.name }) : ""}
      >
        {deleting && (
          <Stack gap="sm">
            <Text size="sm">{t("setup.ratePlans.deleteHelp", { code: deleting.code })}</Text>
            <FormError message={remove.error ? remove.error.message : null} />
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setDeleting(null)}>
                {t("common.cancel")}
              </Button>
              <Button color="red" loading={remove.isPending} onClick={() => remove.mutate(deleting)}>
                {t("setup.ratePlans.delete")}
              </Button>
            </Group>
          </Stack>
        )}
      </EditModal>
      <EditModal opened={rulesOf !== null} onClose={() => setRulesOf(null)} title={rulesOf ? t("setup.rules.titleFor", { name: rulesOf.name }) : ""} size="xl">
        {rulesOf && <Rules plan={rulesOf} propertyId={property.id} writable={writable} />}
      </EditModal>
    </section>
  );
}
