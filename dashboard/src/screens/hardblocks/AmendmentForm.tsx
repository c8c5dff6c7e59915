import { Button, Group, MultiSelect, NumberInput, Select, SimpleGrid, Stack, TextInput } from "@mantine/core";
import { useForm } from "@mantine/form";
import { useTranslation } from "react-i18next";

import { api, type Schemas } from "../../api/client";
import { unwrap } from "../../api/errors";
import { FormError, useApiSubmit } from "../../components/useApiSubmit";
import { amendmentBody, emptyAmendment, type AmendmentBody, type AmendmentDraft } from "./blockValues";
import { GUARANTEES } from "./parts";
import { SectionPanel } from "../../components/Page";

type Block = Schemas["BlockOut"];
type Preview = Schemas["AmendmentPreviewOut"];
const KINDS = ["overlay", "release", "guarantee"] as const;

/**
 * An amendment of the block: a partial overlay (rooms and/or rate on some nights and room types),
 * a release (rooms given back to the pool), or a change of guarantee. It is previewed first; the
 * preview (and its Apply) is shown by the screen. Changing the form drops a preview made before.
 */
export function AmendmentForm({
  block,
  roomTypeOptions,
  onPreview,
  onChange,
}: {
  block: Block;
  roomTypeOptions: { value: string; label: string }[];
  onPreview: (body: AmendmentBody, preview: Preview) => void;
  onChange: () => void;
}) {
  const { t } = useTranslation();
  const form = useForm<AmendmentDraft>({ initialValues: emptyAmendment(), onValuesChange: onChange });
  const kind = form.getValues().kind;
  const blockRoomTypes = new Set(block.nights.map((n) => String(n.room_type_id)));
  const { submit, busy, formError } = useApiSubmit(form, async (values) => {
    const body = amendmentBody(values);
    const preview = unwrap(await api.POST("/hardblocks/{block_id}/amendments/preview", { params: { path: { block_id: block.id } }, body }));
    onPreview(body, preview);
  });
  return (
    <SectionPanel id="amend-heading" title={t("hardblocks.amend.title")} help={t(`hardblocks.amend.help.${kind}`)}>
      <form onSubmit={submit} noValidate>
        <Stack gap="sm">
          <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }} spacing="sm">
            <Select
              label={t("hardblocks.amend.kind")}
              data={KINDS.map((k) => ({ value: k, label: t(`hardblocks.amend.kinds.${k}`) }))}
              allowDeselect={false}
              key={form.key("kind")}
              {...form.getInputProps("kind")}
            />
            {kind === "guarantee" ? (
              <Select
                label={t("hardblocks.guarantee")}
                data={GUARANTEES.filter((g) => g !== block.guarantee).map((g) => ({ value: g, label: t(`hardblocks.guarantees.${g}`) }))}
                key={form.key("guarantee")}
                {...form.getInputProps("guarantee")}
              />
            ) : (
              <>
                <MultiSelect
                  label={t("hardblocks.amend.roomTypes")}
                  description={t("hardblocks.amend.roomTypesHelp")}
                  data={roomTypeOptions.filter((o) => kind === "overlay" || blockRoomTypes.has(o.value))}
                  clearable
                  key={form.key("room_type_ids")}
                  {...form.getInputProps("room_type_ids")}
                />
                <TextInput type="date" label={t("allotments.seasons.firstNight")} description={t("hardblocks.amend.nightsHelp")} key={form.key("date_from")} {...form.getInputProps("date_from")} />
                <TextInput type="date" label={t("allotments.seasons.lastNight")} key={form.key("date_to")} {...form.getInputProps("date_to")} />
                <NumberInput
                  label={kind === "release" ? t("hardblocks.amend.releaseRooms") : t("allotments.seasons.rooms")}
                  description={kind === "release" ? t("hardblocks.amend.releaseRoomsHelp") : t("hardblocks.amend.keepHelp")}
                  min={0}
                  allowDecimal={false}
                  key={form.key("rooms")}
                  {...form.getInputProps("rooms")}
                />
                {kind === "overlay" && (
                  <TextInput
                    label={t("allotments.seasons.rate", { currency: block.currency })}
                    description={t("hardblocks.amend.keepHelp")}
                    inputMode="decimal"
                    key={form.key("rate")}
                    {...form.getInputProps("rate")}
                  />
                )}
              </>
            )}
          </SimpleGrid>
          <FormError message={formError} />
          <Group justify="flex-end">
            <Button type="submit" variant="light" loading={busy}>
              {t("hardblocks.amend.preview")}
            </Button>
          </Group>
        </Stack>
      </form>
    </SectionPanel>
  );
}
