// The API keys of an agency's systems, for its admin: create (the key is shown once), see when
// each was last used, revoke.
import { Alert, Button, Checkbox, Code, CopyButton, Group, NumberInput, SimpleGrid, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { useForm } from "@mantine/form";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";

import { api, type Schemas } from "../../api/client";
import { unwrap } from "../../api/errors";
import { useSession } from "../../auth/session";
import { formatDateTime } from "../../components/format";
import { useApiSubmit, FormActions } from "../../components/useApiSubmit";
import { notify, notifyError } from "../../components/notify";
import { QueryTable } from "../../components/ListFrame";
import { SectionPanel } from "../../components/Page";
import { EditModal } from "../../components/EditModal";

type ApiKey = Schemas["ApiKeyOut"];
/** What a key may hold: the partner rights (never PARTNER_ADMIN: a key manages no keys). */
export const KEY_PERMISSIONS = ["AGENCIES_READ", "CONTRACTS_READ", "BOOKINGS_CREATE", "BOOKINGS_MANAGE"] as const;

function NewKeyForm({ agencyId, onCreated }: { agencyId: number; onCreated: (key: string) => void }) {
  const { t } = useTranslation();
  const { can } = useSession();
  const queryClient = useQueryClient();
  const allowed = KEY_PERMISSIONS.filter((p) => can(p));
  const form = useForm({
    initialValues: { name: "", permissions: [...allowed] as string[], rate_limit_per_minute: 120 as number | "" },
    validate: {
      name: (v) => (v.trim() ? null : t("auth.required")),
      permissions: (v) => (v.length > 0 ? null : t("portal.keys.permissionsRequired")),
    },
  });
  const { submit, busy, formError } = useApiSubmit(form, async (values) => {
    const body = {
      name: values.name.trim(),
      permissions: values.permissions,
      rate_limit_per_minute: values.rate_limit_per_minute === "" ? 120 : values.rate_limit_per_minute,
    };
    const created = unwrap(await api.POST("/agencies/{agency_id}/api-keys", { params: { path: { agency_id: agencyId } }, body }));
    form.reset();
    await queryClient.invalidateQueries({ queryKey: ["api-keys", agencyId] });
    onCreated(created.key);
  });
  return (
    <form onSubmit={submit} noValidate aria-labelledby="new-key-heading">
      <Title order={3} size="h5" id="new-key-heading" mb="xs">
        {t("portal.keys.new")}
      </Title>
      <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
        <TextInput label={t("portal.keys.name")} required {...form.getInputProps("name")} />
        <NumberInput label={t("portal.keys.rateLimit")} min={1} max={10_000} allowDecimal={false} {...form.getInputProps("rate_limit_per_minute")} />
      </SimpleGrid>
      <Checkbox.Group mt="sm" label={t("portal.keys.permissions")} {...form.getInputProps("permissions")}>
        <Group mt="xs">
          {allowed.map((p) => (
            <Checkbox key={p} value={p} label={t(`portal.permissions.${p}`)} />
          ))}
        </Group>
      </Checkbox.Group>
      <FormActions error={formError} busy={busy} label={t("portal.keys.create")} spaced />
    </form>
  );
}

function KeyShownOnce({ secret, onClose }: { secret: string | null; onClose: () => void }) {
  const { t } = useTranslation();
  return (
    <EditModal opened={secret !== null} onClose={onClose} title={t("portal.keys.createdTitle")} size="lg">
      <Stack>
        <Alert color="yellow">{t("portal.keys.shownOnce")}</Alert>
        <Code block data-api-key>
          {secret}
        </Code>
        <Group justify="flex-end">
          <CopyButton value={secret ?? ""}>
            {({ copied, copy }) => (
              <Button variant="default" onClick={copy}>
                {copied ? t("portal.keys.copied") : t("portal.keys.copy")}
              </Button>
            )}
          </CopyButton>
          <Button onClick={onClose}>{t("common.close")}</Button>
        </Group>
      </Stack>
    </EditModal>
  );
}

function RevokeDialog({ apiKey, onClose }: { apiKey: ApiKey | null; onClose: () => void }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [busy, setBusy] = useState(false);
  const revoke = async (key: ApiKey) => {
    setBusy(true);
    try {
      unwrap(await api.DELETE("/api-keys/{api_key_id}", { params: { path: { api_key_id: key.id } } }));
      notify(t("portal.keys.revoked", { name: key.name }));
      await queryClient.invalidateQueries({ queryKey: ["api-keys", key.agency_id] });
      onClose();
    } catch (error) {
      notifyError(error instanceof Error ? error.message : String(error));
    } finally {
      setBusy(false);
    }
  };
  return (
    <EditModal opened={apiKey !== null} onClose={onClose} title={t("portal.keys.revokeTitle", { name: apiKey?.name ?? "" })}>
      <Text mb="md">{t("portal.keys.revokeText")}</Text>
      <Group justify="flex-end">
        <Button variant="default" onClick={onClose}>
          {t("common.cancel")}
        </Button>
        <Button color="red" loading={busy} onClick={() => apiKey && void revoke(apiKey)}>
          {t("portal.keys.revoke")}
        </Button>
      </Group>
    </EditModal>
  );
}

export function ApiKeys({ agencyId }: { agencyId: number }) {
  const { t, i18n } = useTranslation();
  const [secret, setSecret] = useState<string | null>(null);
  const [revoking, setRevoking] = useState<ApiKey | null>(null);
  const keys = useQuery({
    queryKey: ["api-keys", agencyId],
    queryFn: async () => unwrap(await api.GET("/agencies/{agency_id}/api-keys", { params: { path: { agency_id: agencyId } } })),
  });
  const body = (
    <QueryTable
      query={keys}
      empty={t("portal.keys.empty")}
      minWidth={720}
      compact
      columns={[t("portal.keys.name"), t("portal.keys.prefix"), t("portal.keys.permissions"), t("portal.keys.rateLimit"), t("portal.keys.lastUsed"), t("allotments.actions")]}
      rows={(items) =>
        items.map((key) => (
          <Table.Tr key={key.id} data-api-key-row={key.prefix}>
            <Table.Td fw={500}>{key.name}</Table.Td>
            <Table.Td>
              <Code>{`ptx_${key.prefix}_…`}</Code>
            </Table.Td>
            <Table.Td>{key.permissions.map((p) => t(`portal.permissions.${p}`, p)).join(", ")}</Table.Td>
            <Table.Td>{key.rate_limit_per_minute}</Table.Td>
            <Table.Td style={{ whiteSpace: "nowrap" }}>{key.last_used_at ? formatDateTime(key.last_used_at, i18n.language) : t("portal.users.never")}</Table.Td>
            <Table.Td>
              {key.revoked_at ? (
                <Text size="sm" fw={500} data-revoked>
                  {t("portal.keys.revokedOn", { date: formatDateTime(key.revoked_at, i18n.language) })}
                </Text>
              ) : (
                <Button size="xs" variant="subtle" color="red" onClick={() => setRevoking(key)} aria-label={t("portal.keys.revokeTitle", { name: key.name })}>
                  {t("portal.keys.revoke")}
                </Button>
              )}
            </Table.Td>
          </Table.Tr>
        ))
      }
    />
  );
  return (
    <SectionPanel id="api-keys-heading" title={t("portal.keys.title")} help={t("portal.keys.help")}>
      <Stack gap="md">
        {body}
        <NewKeyForm agencyId={agencyId} onCreated={setSecret} />
      </Stack>
      <KeyShownOnce secret={secret} onClose={() => setSecret(null)} />
      <RevokeDialog apiKey={revoking} onClose={() => setRevoking(null)} />
    </SectionPanel>
  );
}
