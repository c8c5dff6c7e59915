// The connect wizard's steps: each calls the API for its part and reports what it produced.
import { Alert, Button, Card, Group, List, PasswordInput, Radio, Select, SimpleGrid, Stack, Text, TextInput } from "@mantine/core";
import { useForm } from "@mantine/form";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";

import { api, type Schemas } from "../../api/client";
import { unwrap } from "../../api/errors";
import { useSession } from "../../auth/session";
import { FormError, useApiSubmit, FormActions } from "../../components/useApiSubmit";
import { useProperties } from "../../components/useProperties";

import { credentialFields, hotelIdsFrom, needsHotelIds, OTAS } from "./channelLogic";
import { READABLE_ALERT } from "./parts";
import { notify, notifyError } from "../../components/notify";

type Account = Schemas["OtaAccountOut"];
type TestResult = Schemas["AccountTestOut"];
type Discovery = Schemas["DiscoveryOut"];

function CredentialInputs({ ota, form }: { ota: string; form: { getInputProps: (path: string) => object } }) {
  const { t } = useTranslation();
  return (
    <>
      {credentialFields(ota).map((name) =>
        name === "username" ? (
          <TextInput key={name} label={t(`channels.credentials.${name}`)} autoComplete="off" required {...form.getInputProps(`credentials.${name}`)} />
        ) : (
          <PasswordInput key={name} label={t(`channels.credentials.${name}`)} autoComplete="new-password" required {...form.getInputProps(`credentials.${name}`)} />
        ),
      )}
    </>
  );
}

const onlyFields = (ota: string, credentials: Record<string, string>) =>
  Object.fromEntries(credentialFields(ota).map((name) => [name, credentials[name] ?? ""]));

/** Step 1: the OTA, a name, the country and the credentials (sent once, encrypted, shown masked). */
export function AccountStep({ onCreated }: { onCreated: (account: Account) => void }) {
  const { t } = useTranslation();
  const { me } = useSession();
  const queryClient = useQueryClient();
  const form = useForm({
    initialValues: { ota: "agoda", name: "", country_code: me?.active_country ?? me?.visible_countries[0] ?? "", base_url: "", credentials: { username: "", password: "", api_key: "" } },
    validate: { name: (v) => (v.trim() ? null : t("auth.required")), country_code: (v) => (v ? null : t("auth.required")) },
  });
  const { submit, busy, formError } = useApiSubmit(form, async (values) => {
    const body = {
      ota: values.ota as (typeof OTAS)[number],
      name: values.name,
      country_code: values.country_code,
      credentials: onlyFields(values.ota, values.credentials),
      ...(values.base_url.trim() ? { base_url: values.base_url.trim() } : {}),
    };
    const account = unwrap(await api.POST("/ota-accounts", { body }));
    await queryClient.invalidateQueries({ queryKey: ["ota-accounts"] });
    onCreated(account);
  });
  return (
    <form onSubmit={submit} noValidate>
      <Stack gap="sm">
        <Text size="sm">{t("channels.wizard.accountHelp")}</Text>
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
          <Select label={t("channels.ota")} data={OTAS.map((code) => ({ value: code, label: t(`channels.otas.${code}`) }))} allowDeselect={false} required {...form.getInputProps("ota")} />
          <TextInput label={t("channels.accounts.name")} description={t("channels.wizard.nameHelp")} required {...form.getInputProps("name")} />
          <Select label={t("setup.properties.country")} data={me?.visible_countries ?? []} allowDeselect={false} required {...form.getInputProps("country_code")} />
          <TextInput label={t("channels.wizard.baseUrl")} description={t("channels.wizard.baseUrlHelp")} {...form.getInputProps("base_url")} />
          <CredentialInputs ota={form.getValues().ota} form={form} />
        </SimpleGrid>
        <FormActions error={formError} busy={busy} label={t("channels.wizard.saveAccount")} />
      </Stack>
    </form>
  );
}

/** New credentials for an account whose test failed. */
function ReplaceCredentials({ account }: { account: Account }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const form = useForm({ initialValues: { credentials: { username: "", password: "", api_key: "" } } });
  const { submit, busy, formError } = useApiSubmit(form, async (values) => {
    const body = { credentials: onlyFields(account.ota, values.credentials) };
    unwrap(await api.PATCH("/ota-accounts/{account_id}", { params: { path: { account_id: account.id } }, body }));
    notify(t("channels.wizard.credentialsReplaced"));
    await queryClient.invalidateQueries({ queryKey: ["ota-accounts"] });
    form.reset();
  });
  return (
    <form onSubmit={submit} noValidate aria-label={t("channels.wizard.replaceCredentials")}>
      <Stack gap="xs">
        <Text size="sm" fw={500}>
          {t("channels.wizard.replaceCredentials")}
        </Text>
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
          <CredentialInputs ota={account.ota} form={form} />
        </SimpleGrid>
        <FormError message={formError} />
        <Group>
          <Button type="submit" variant="default" loading={busy}>
            {t("channels.wizard.saveCredentials")}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

/** Step 2: one real call to the OTA with the credentials; its answer in words. */
export function TestStep({ account, onTested }: { account: Account; onTested: (ok: boolean) => void }) {
  const { t } = useTranslation();
  const [hotelId, setHotelId] = useState("");
  const [result, setResult] = useState<TestResult | null>(null);
  const run = useMutation({
    mutationFn: async () =>
      unwrap(await api.POST("/ota-accounts/{account_id}/test", { params: { path: { account_id: account.id } }, body: hotelId.trim() ? { ota_hotel_id: hotelId.trim() } : {} })),
    onSuccess: (answer) => {
      setResult(answer);
      onTested(answer.ok);
    },
    onError: (error) => notifyError(error.message),
  });
  return (
    <Stack gap="sm">
      <Text size="sm">{t("channels.wizard.testHelp", { ota: account.ota_name })}</Text>
      <Group align="flex-end">
        <TextInput label={t("channels.wizard.testHotel")} description={t("channels.wizard.testHotelHelp")} value={hotelId} onChange={(e) => setHotelId(e.currentTarget.value)} />
        <Button onClick={() => run.mutate()} loading={run.isPending}>
          {t("channels.wizard.test")}
        </Button>
      </Group>
      {result && (
        <Alert styles={READABLE_ALERT} color={result.ok ? "green" : "red"} title={t(result.ok ? "channels.wizard.testPassed" : "channels.wizard.testRefused", { ota: account.ota_name })} role="status" data-testid="test-answer">
          <Text size="sm">{result.message}</Text>
          {!result.ok && (result.error_kind || result.error_code) && (
            <Text size="xs" mt={4}>
              {t("channels.wizard.errorKind", { kind: result.error_kind ?? "—", code: result.error_code ?? "—" })}
            </Text>
          )}
        </Alert>
      )}
      {result && !result.ok && <ReplaceCredentials account={account} />}
    </Stack>
  );
}

function HotelCard({ hotel, value }: { hotel: Discovery["hotels"][number]; value: string }) {
  const { t } = useTranslation();
  return (
    <Card withBorder padding="sm" data-hotel={hotel.ota_hotel_id}>
      <Radio value={value} label={`${hotel.name || hotel.ota_hotel_id} (${hotel.ota_hotel_id})`} disabled={hotel.connection_id !== null} />
      {hotel.connection_id !== null && (
        <Text size="xs" c="dimmed" mt={4}>
          {t("channels.wizard.alreadyConnected")}
        </Text>
      )}
      <List size="sm" mt="xs" spacing={2}>
        {hotel.rooms.map((room) => (
          <List.Item key={room.ota_room_id}>
            {`${room.name || room.ota_room_id} (${room.ota_room_id})`}
            {room.rate_plans.length > 0 && ` — ${room.rate_plans.map((p) => `${p.name || p.ota_rate_plan_id} (${p.ota_rate_plan_id})`).join(", ")}`}
          </List.Item>
        ))}
      </List>
    </Card>
  );
}

/** Step 3: what the OTA reports for the account; import one hotel for one of our properties. */
export function DiscoverStep({ account, onImported }: { account: Account; onImported: (connectionId: number, propertyId: number) => void }) {
  const { t } = useTranslation();
  const properties = useProperties();
  const queryClient = useQueryClient();
  const [ids, setIds] = useState("");
  const [hotel, setHotel] = useState<string | null>(null);
  const [propertyId, setPropertyId] = useState<string | null>(null);
  const discover = useMutation({
    mutationFn: async () =>
      unwrap(await api.GET("/ota-accounts/{account_id}/discovery", { params: { path: { account_id: account.id }, query: { hotel_id: hotelIdsFrom(ids) } } })),
    onSuccess: (found) => setHotel(found.hotels.find((h) => h.connection_id === null)?.ota_hotel_id ?? null),
    onError: (error) => notifyError(error.message),
  });
  const importHotel = useMutation({
    mutationFn: async () =>
      unwrap(await api.POST("/ota-accounts/{account_id}/discovery/import", { params: { path: { account_id: account.id } }, body: { property_id: Number(propertyId), ota_hotel_id: hotel ?? "" } })),
    onSuccess: async (result) => {
      notify(t("channels.wizard.imported", { count: result.proposals.length }));
      await queryClient.invalidateQueries({ queryKey: ["ota-accounts"] });
      onImported(result.connection.id, result.connection.property_id);
    },
    onError: (error) => notifyError(error.message),
  });
  const found = discover.data;
  const options = properties.items.filter((p) => p.country_code === account.country_code).map((p) => ({ value: String(p.id), label: `${p.code} · ${p.name}` }));
  return (
    <Stack gap="sm">
      <Text size="sm">{t(needsHotelIds(account.ota) ? "channels.wizard.discoverHelpIds" : "channels.wizard.discoverHelpList", { ota: account.ota_name })}</Text>
      <Group align="flex-end">
        <TextInput label={t("channels.wizard.hotelIds")} description={t("channels.wizard.hotelIdsHelp")} value={ids} onChange={(e) => setIds(e.currentTarget.value)} required={needsHotelIds(account.ota)} />
        <Button onClick={() => discover.mutate()} loading={discover.isPending} disabled={needsHotelIds(account.ota) && hotelIdsFrom(ids).length === 0}>
          {t("channels.wizard.discover")}
        </Button>
      </Group>
      {found && found.errors.length > 0 && (
        <Alert styles={READABLE_ALERT} color="orange" title={t("channels.wizard.discoveryErrors")}>
          <List size="sm">
            {found.errors.map((e, index) => (
              <List.Item key={index}>{`${e.item_id ? `${e.item_id}: ` : ""}${e.message}`}</List.Item>
            ))}
          </List>
        </Alert>
      )}
      {found && found.hotels.length === 0 && <Text c="dimmed">{t("channels.wizard.noHotels")}</Text>}
      {found && found.hotels.length > 0 && (
        <>
          <Radio.Group label={t("channels.wizard.pickHotel")} value={hotel} onChange={setHotel}>
            <Stack gap="xs" mt="xs">
              {found.hotels.map((h) => (
                <HotelCard key={h.ota_hotel_id} hotel={h} value={h.ota_hotel_id} />
              ))}
            </Stack>
          </Radio.Group>
          <Group align="flex-end">
            <Select label={t("channels.wizard.forProperty")} description={t("channels.wizard.forPropertyHelp")} data={options} value={propertyId} onChange={setPropertyId} searchable w={360} />
            <Button onClick={() => importHotel.mutate()} loading={importHotel.isPending} disabled={!hotel || !propertyId}>
              {t("channels.wizard.import")}
            </Button>
          </Group>
        </>
      )}
    </Stack>
  );
}
