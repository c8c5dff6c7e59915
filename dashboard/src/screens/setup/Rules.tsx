import { Button, Checkbox, Group, NumberInput, SegmentedControl, Select, SimpleGrid, Stack, Table, TextInput, Title, type SelectProps } from "@mantine/core";
import { useForm } from "@mantine/form";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";

import { api, type Schemas } from "../../api/client";
import { unwrap } from "../../api/errors";
import { formatDate, formatMoney } from "../../components/format";
import { useApiSubmit, FormActions } from "../../components/useApiSubmit";
import { derivationText, ruleBody, ruleValues, WEEKDAYS } from "./ratePlanValues";
import { notify, notifyError } from "../../components/notify";
import { QueryTable } from "../../components/ListFrame";

type RatePlan = Schemas["RatePlanOut"];
type Rule = Schemas["RuleOut"];

/** Percent or fixed amount: how a derived plan, or a rule, changes the rate it starts from. */
export function DerivationKindSelect(props: Omit<SelectProps, "label" | "data" | "allowDeselect">) {
  const { t } = useTranslation();
  return (
    <Select
      label={t("setup.ratePlans.derivationKind")}
      data={[
        { value: "percent", label: t("setup.ratePlans.percent") },
        { value: "fixed", label: t("setup.ratePlans.fixed") },
      ]}
      allowDeselect={false}
      {...props}
    />
  );
}

function RuleForm({ plan, onSaved }: { plan: RatePlan; onSaved: () => Promise<void> }) {
  const { t } = useTranslation();
  const form = useForm({
    initialValues: ruleValues(),
    validate: {
      date_from: (v) => (v ? null : t("auth.required")),
      date_to: (v) => (v ? null : t("auth.required")),
      weekdays: (v) => (v.length ? null : t("setup.rules.weekdaysRequired")),
    },
  });
  const { submit, busy, formError } = useApiSubmit(form, async (values) => {
    unwrap(await api.POST("/rate-plans/{rate_plan_id}/rules", { params: { path: { rate_plan_id: plan.id } }, body: ruleBody(values) }));
    notify(t("setup.rules.saved"));
    form.reset();
    await onSaved();
  });
  const byRate = form.getValues().mode === "rate";
  return (
    <form onSubmit={submit} noValidate aria-labelledby="new-rule-heading">
      <Stack gap="sm">
        <Title order={3} size="h5" id="new-rule-heading">
          {t("setup.rules.new")}
        </Title>
        <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="sm">
          <TextInput label={t("setup.rules.name")} {...form.getInputProps("name")} />
          <TextInput type="date" label={t("setup.rules.dateFrom")} required {...form.getInputProps("date_from")} />
          <TextInput type="date" label={t("setup.rules.dateTo")} required {...form.getInputProps("date_to")} />
        </SimpleGrid>
        <Checkbox.Group label={t("setup.rules.weekdays")} {...form.getInputProps("weekdays")}>
          <Group gap="sm" mt={4}>
            {WEEKDAYS.map((day) => (
              <Checkbox key={day} value={day} label={t(`setup.rules.days.${day}`)} />
            ))}
          </Group>
        </Checkbox.Group>
        <SegmentedControl
          aria-label={t("setup.rules.mode")}
          data={[
            { value: "rate", label: t("setup.rules.byRate") },
            { value: "adjustment", label: t("setup.rules.byAdjustment") },
          ]}
          {...form.getInputProps("mode")}
        />
        <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="sm">
          {byRate ? (
            <TextInput label={t("setup.rules.rate", { currency: plan.currency })} inputMode="decimal" {...form.getInputProps("rate")} />
          ) : (
            <>
              <DerivationKindSelect {...form.getInputProps("adjustment_kind")} />
              <TextInput label={t("setup.ratePlans.derivationValue")} inputMode="decimal" {...form.getInputProps("adjustment_value")} />
            </>
          )}
          <NumberInput label={t("setup.rules.priority")} description={t("setup.rules.priorityHelp")} allowDecimal={false} {...form.getInputProps("priority")} />
        </SimpleGrid>
        <FormActions error={formError} busy={busy} label={t("setup.rules.add")} />
      </Stack>
    </form>
  );
}

/** A rate plan's seasonal rules (the highest priority wins where they overlap), with add and remove. */
export function Rules({ plan, propertyId, writable }: { plan: RatePlan; propertyId: number; writable: boolean }) {
  const { t, i18n } = useTranslation();
  const queryClient = useQueryClient();
  const rules = useQuery({
    queryKey: ["rules", plan.id],
    queryFn: async () => unwrap(await api.GET("/rate-plans/{rate_plan_id}/rules", { params: { path: { rate_plan_id: plan.id } } })),
  });
  const refresh = async () => {
    await queryClient.invalidateQueries({ queryKey: ["rules", plan.id] });
    await queryClient.invalidateQueries({ queryKey: ["rate-grid", propertyId] });
  };
  const remove = useMutation({
    mutationFn: async (rule: Rule) => unwrap(await api.DELETE("/rate-plan-rules/{rule_id}", { params: { path: { rule_id: rule.id } } })),
    onSuccess: refresh,
    onError: (error) => notifyError(error.message),
  });
  const effect = (rule: Rule) =>
    rule.rate !== null ? formatMoney(rule.rate, plan.currency, i18n.language) : derivationText(rule.adjustment_kind, rule.adjustment_value);
  const body = (
    <QueryTable
      query={rules}
      empty={t("setup.rules.empty")}
      minWidth={600}
      columns={[t("setup.rules.name"), t("setup.rules.nights"), t("setup.rules.weekdays"), t("setup.rules.effect"), t("setup.rules.priority"), writable && t("allotments.actions")]}
      rows={(items) =>
        items.map((rule) => (
          <Table.Tr key={rule.id}>
            <Table.Td>{rule.name || "—"}</Table.Td>
            <Table.Td style={{ whiteSpace: "nowrap" }}>
              {formatDate(rule.date_from, i18n.language)} – {formatDate(rule.date_to, i18n.language)}
            </Table.Td>
            <Table.Td>{rule.weekdays.length === 7 ? t("setup.rules.everyDay") : rule.weekdays.map((d) => t(`setup.rules.days.${d}`)).join(", ")}</Table.Td>
            <Table.Td>{effect(rule)}</Table.Td>
            <Table.Td>{rule.priority}</Table.Td>
            {writable && (
              <Table.Td>
                <Button size="xs" variant="subtle" color="red" loading={remove.isPending && remove.variables?.id === rule.id} onClick={() => remove.mutate(rule)}>
                  {t("setup.rules.remove")}
                </Button>
              </Table.Td>
            )}
          </Table.Tr>
        ))
      }
    />
  );
  return (
    <Stack gap="md">
      {body}
      {writable && <RuleForm plan={plan} onSaved={refresh} />}
    </Stack>
  );
}
