import { Alert, Button, Checkbox, Group, NumberInput, Radio, SimpleGrid, Stack, Table, Text } from "@mantine/core";
import { useForm } from "@mantine/form";
import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";

import { api, type Schemas } from "../../api/client";
import { ApiError, unwrap } from "../../api/errors";
import { useSession } from "../../auth/session";
import { formatDate } from "../../components/format";
import { FormError } from "../../components/useApiSubmit";
import { bulkBody, changesNothing, emptyValues, TOGGLES, WEEKDAYS, type BulkBody, type BulkTarget, type BulkValues } from "./bulkBody";
import type { Grid } from "./CalendarGrid";
import { notify } from "../../components/notify";
import { EditModal } from "../../components/EditModal";
import { HeaderRow } from "../../components/ListFrame";

type Result = Schemas["BulkUpdateOut"];
interface Change {
  kind: string;
  room_type_id: number;
  rate_plan_id?: number;
  night: string;
  changes: Record<string, { before: unknown; after: unknown }>;
}
const PREVIEW_ROWS = 200;

interface Props {
  opened: boolean;
  onClose: () => void;
  grid: Grid;
  target: BulkTarget;
}

/** Puts the API's field errors under the dialog's fields (rates.<plan> included); the rest above the buttons. */
function placeErrors(form: ReturnType<typeof useForm<BulkValues>>, error: unknown, rateKeys: string[]): string | null {
  if (!(error instanceof ApiError)) return error instanceof Error ? error.message : String(error);
  const known = [...Object.keys(emptyValues()), ...rateKeys.map((key) => `rates.${key}`)];
  const unplaced: string[] = [];
  for (const [field, message] of Object.entries(error.fieldErrors())) {
    if (known.includes(field) && field !== "rates") form.setFieldError(field, message);
    else unplaced.push(`${field}: ${message}`);
  }
  return unplaced.length || Object.keys(error.fieldErrors()).length === 0 ? [error.message, ...unplaced].join(" · ") : null;
}

export function BulkUpdateDialog({ opened, onClose, grid, target }: Props) {
  const { t, i18n } = useTranslation();
  const { can } = useSession();
  const queryClient = useQueryClient();
  const form = useForm<BulkValues>({ initialValues: emptyValues() });
  const [preview, setPreview] = useState<{ body: string; result: Result } | null>(null);
  const [busy, setBusy] = useState<"preview" | "apply" | null>(null);
  const [formError, setFormError] = useState<string | null>(null);

  const rooms = grid.room_types.filter((row) => target.roomTypeIds.includes(row.id));
  const basePlans = rooms.flatMap((row) => row.rate_plans.filter((plan) => plan.parent_id === null).map((plan) => ({ plan, row })));
  const body: BulkBody = bulkBody(form.getValues(), target);
  const bodyKey = JSON.stringify(body);
  const current = preview && preview.body === bodyKey ? preview.result : null;

  const close = () => {
    form.reset();
    setPreview(null);
    setFormError(null);
    onClose();
  };
  const call = async (step: "preview" | "apply") => {
    setBusy(step);
    setFormError(null);
    form.clearErrors();
    const path = step === "preview" ? "/properties/{property_id}/calendar/preview" : "/properties/{property_id}/calendar/bulk-update";
    try {
      const result = unwrap(
        await api.POST(path, { params: { path: { property_id: grid.property_id } }, body: body as Schemas["BulkUpdateBody"] }),
      );
      if (step === "preview") setPreview({ body: bodyKey, result });
      else {
        await queryClient.invalidateQueries({ queryKey: ["calendar"] });
        notify(t("calendar.bulk.applied", { count: result.inventory_cells + result.rate_cells }));
        close();
      }
    } catch (error) {
      setFormError(placeErrors(form, error, basePlans.map(({ plan }) => String(plan.id))));
    } finally {
      setBusy(null);
    }
  };

  const toggleLabel = (name: string) => t(`calendar.fields.${name}`);
  const roomName = (id: number) => grid.room_types.find((row) => row.id === id)?.name ?? `#${id}`;
  const planCode = (id: number | undefined) => grid.room_types.flatMap((row) => row.rate_plans).find((plan) => plan.id === id)?.code ?? "";
  const shown = (value: unknown) => (value === null || value === undefined ? "—" : typeof value === "boolean" ? t(value ? "calendar.yes" : "calendar.no") : String(value));
  const changes = (current?.changes ?? []) as unknown as Change[];
  const lines = changes.flatMap((change) =>
    Object.entries(change.changes).map(([field, values]) => ({ change, field, values })),
  );

  return (
    <EditModal opened={opened} onClose={close} title={t("calendar.bulk.title")} size="xl">
      <form
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          void call("preview");
        }}
      >
        <Stack gap="sm">
          <Text size="sm" data-bulk-target>
            {t("calendar.bulk.target", {
              from: formatDate(target.dateFrom, i18n.language),
              to: formatDate(target.dateTo, i18n.language),
              rooms: rooms.map((row) => row.name).join(", "),
            })}
          </Text>
          <Checkbox.Group label={t("calendar.fields.weekdays")} {...form.getInputProps("weekdays")}>
            <Group gap="xs" mt={4}>
              {WEEKDAYS.map((day) => (
                <Checkbox key={day} value={day} label={t(`calendar.weekdays.${day}`)} />
              ))}
            </Group>
          </Checkbox.Group>
          {can("INVENTORY_WRITE") && (
            <>
              <SimpleGrid cols={{ base: 1, sm: 3 }}>
                {TOGGLES.map((name) => (
                  <Radio.Group key={name} name={name} label={toggleLabel(name)} {...form.getInputProps(name)}>
                    <Group gap="xs" mt={4}>
                      <Radio value="keep" label={t("calendar.bulk.keep")} />
                      <Radio value="close" label={t("calendar.bulk.close")} />
                      <Radio value="open" label={t("calendar.bulk.open")} />
                    </Group>
                  </Radio.Group>
                ))}
              </SimpleGrid>
              <SimpleGrid cols={{ base: 2, sm: 4 }}>
                <NumberInput label={t("calendar.fields.availability")} description={t("calendar.bulk.leaveEmpty")} min={0} allowDecimal={false} {...form.getInputProps("availability")} />
                <NumberInput label={t("calendar.fields.min_los")} min={1} max={365} allowDecimal={false} {...form.getInputProps("min_los")} />
                <NumberInput label={t("calendar.fields.max_los")} min={1} max={365} allowDecimal={false} {...form.getInputProps("max_los")} />
                <NumberInput label={t("calendar.fields.min_stay_through")} min={1} max={365} allowDecimal={false} {...form.getInputProps("min_stay_through")} />
              </SimpleGrid>
            </>
          )}
          {can("RATES_WRITE") && basePlans.length > 0 && (
            <SimpleGrid cols={{ base: 1, sm: 3 }}>
              {basePlans.map(({ plan, row }) => (
                <NumberInput
                  key={plan.id}
                  label={t("calendar.bulk.rate", { plan: plan.code, room: row.name, currency: grid.currency })}
                  min={0}
                  thousandSeparator=","
                  {...form.getInputProps(`rates.${plan.id}`)}
                />
              ))}
            </SimpleGrid>
          )}
          <FormError message={formError} />
          {current && (
            <Stack gap="xs" data-bulk-preview>
              <Alert color={current.changes.length ? "blue" : "gray"} role="status" title={t("calendar.bulk.previewTitle")}>
                {current.changes.length
                  ? t("calendar.bulk.previewSummary", { inventory: current.inventory_cells, rates: current.rate_cells, ari: current.ari_changes })
                  : t("calendar.bulk.nothingChanges")}
              </Alert>
              {lines.length > 0 && (
                <Table.ScrollContainer minWidth={520} mah={260}>
                  <Table striped verticalSpacing={4} fz="sm">
                    <HeaderRow labels={[t("calendar.roomType"), t("calendar.bulk.night"), t("calendar.bulk.field"), t("calendar.bulk.beforeAfter")]} />
                    <Table.Tbody>
                      {lines.slice(0, PREVIEW_ROWS).map(({ change, field, values }) => (
                        <Table.Tr key={`${change.kind}-${change.room_type_id}-${change.rate_plan_id ?? 0}-${change.night}-${field}`} data-change-field={field} data-change-night={change.night}>
                          <Table.Td>{roomName(change.room_type_id)}</Table.Td>
                          <Table.Td>{formatDate(change.night, i18n.language)}</Table.Td>
                          <Table.Td>
                            {t(`calendar.fields.${field}`, field)}
                            {change.kind === "rate" ? ` (${planCode(change.rate_plan_id)})` : ""}
                          </Table.Td>
                          <Table.Td>
                            {shown(values.before)} → {shown(values.after)}
                          </Table.Td>
                        </Table.Tr>
                      ))}
                    </Table.Tbody>
                  </Table>
                  {lines.length > PREVIEW_ROWS && <Text size="xs" c="dimmed">{t("calendar.bulk.more", { count: lines.length - PREVIEW_ROWS })}</Text>}
                </Table.ScrollContainer>
              )}
            </Stack>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              {t("common.cancel")}
            </Button>
            <Button type="submit" variant="light" loading={busy === "preview"} disabled={changesNothing(body) || busy !== null}>
              {t("calendar.bulk.preview")}
            </Button>
            <Button onClick={() => void call("apply")} loading={busy === "apply"} disabled={!current || current.changes.length === 0 || busy !== null}>
              {t("calendar.bulk.apply")}
            </Button>
          </Group>
        </Stack>
      </form>
    </EditModal>
  );
}
