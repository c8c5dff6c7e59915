import { Anchor, Badge, Group, NumberInput, Select, SimpleGrid, Stack, Table, Tabs, Text, TextInput, Title } from "@mantine/core";
import { useForm } from "@mantine/form";
import { keepPreviousData, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router-dom";

import { api, type Schemas } from "../../api/client";
import { ApiError, unwrap } from "../../api/errors";
import { useSession } from "../../auth/session";
import { formatDate, formatDateTime, formatMoney } from "../../components/format";
import { EmptyState, ErrorState, LoadingState } from "../../components/States";
import { useApiSubmit, FormActions } from "../../components/useApiSubmit";
import { useProperties } from "../../components/useProperties";
import NotFound from "../NotFound";
import { RangeControls, useCalendarRange } from "./AllotmentCalendar";
import { AllotmentGrid } from "./AllotmentGrid";
import { ContractForm } from "./ContractForm";
import { changedFields, releaseStepsText } from "./contractTerms";
import { TermStatus } from "./parts";
import { useAgencies, useRoomTypes } from "./useAllotmentData";
import { notify } from "../../components/notify";
import { QueryTable, TableFrame } from "../../components/ListFrame";
import { SectionPanel } from "../../components/Page";

type Contract = Schemas["ContractOut"];
type EventKind = Schemas["AllotmentEventKind"];
const EVENT_KINDS: EventKind[] = ["INCREASE_ALLOTMENT", "REDUCE_ALLOTMENT", "BLOCK_CONTRACT", "BLOCK_AMENDMENT", "RATE_CHANGE", "STOP_SALE", "RESUME_SALE", "RELEASE"];

function ContractAllotments({ contract }: { contract: Contract }) {
  const properties = useProperties();
  const roomTypes = useRoomTypes(contract.property_id);
  const range = useCalendarRange(properties.timeZone(contract.property_id));
  const params = { path: { contract_id: contract.id }, query: { date_from: range.first, date_to: range.last } };
  const calendar = useQuery({
    queryKey: ["allotments", "contract", contract.id, range.first, range.last],
    queryFn: async () => unwrap(await api.GET("/contracts/{contract_id}/allotments", { params })),
    placeholderData: keepPreviousData,
  });
  let body;
  if (calendar.isPending) body = <LoadingState />;
  else if (calendar.isError) body = <ErrorState error={calendar.error} onRetry={() => void calendar.refetch()} />;
  else body = <AllotmentGrid calendar={calendar.data} contracts={[contract]} roomTypeName={roomTypes.name} showPool={false} />;
  return (
    <Stack gap="md">
      <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="sm">
        <RangeControls range={range} />
      </SimpleGrid>
      {body}
      <PickUpReport contract={contract} range={range} roomTypeName={roomTypes.name} />
    </Stack>
  );
}

function PickUpReport({ contract, range, roomTypeName }: { contract: Contract; range: { first: string; last: string }; roomTypeName: (id: number) => string }) {
  const { t, i18n } = useTranslation();
  const report = useQuery({
    queryKey: ["allotments", "pick-up", contract.id, range.first, range.last],
    queryFn: async () =>
      unwrap(await api.GET("/contracts/{contract_id}/pick-up", { params: { path: { contract_id: contract.id }, query: { date_from: range.first, date_to: range.last } } })),
  });
  const numbers = ["nights", "contracted", "pickedUp", "released", "remaining", "percent"] as const;
  const body = (
    <QueryTable
      query={report}
      empty={t("allotments.pickUp.empty")}
      minWidth={560}
      compact
      columns={[t("allotments.roomType"), ...numbers.map((key) => ({ label: t(`allotments.pickUp.${key}`), numeric: true as const }))]}
      rows={(items) =>
        items.map((row) => (
          <Table.Tr key={row.room_type_id} data-room-type={row.room_type_id}>
            <Table.Td>{roomTypeName(row.room_type_id)}</Table.Td>
            {[row.nights, row.contracted, row.picked_up, row.released, row.remaining].map((value, index) => (
              <Table.Td key={index} style={{ textAlign: "right" }}>
                {value}
              </Table.Td>
            ))}
            <Table.Td style={{ textAlign: "right" }}>
              {new Intl.NumberFormat(i18n.language, { maximumFractionDigits: 1 }).format(Number(row.pick_up_percent))} %
            </Table.Td>
          </Table.Tr>
        ))
      }
    />
  );
  return (
    <SectionPanel id="pick-up-heading" title={t("allotments.pickUp.title")}>
      {body}
    </SectionPanel>
  );
}

function EventForm({ contract, roomTypeOptions }: { contract: Contract; roomTypeOptions: { value: string; label: string }[] }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const form = useForm({
    initialValues: {
      kind: "INCREASE_ALLOTMENT" as string,
      effective_at: "",
      sequence: 0 as number | "",
      room_type_id: null as string | null,
      date_from: "",
      date_to: "",
      rooms: "" as number | "",
      rate: "",
    },
  });
  const { submit, busy, formError } = useApiSubmit(form, async (v) => {
    unwrap(
      await api.POST("/contracts/{contract_id}/events", {
        params: { path: { contract_id: contract.id } },
        body: {
          kind: v.kind as EventKind,
          // The browser's clock (the field says so); empty: now.
          effective_at: v.effective_at ? new Date(v.effective_at).toISOString() : null,
          sequence: v.sequence === "" ? 0 : v.sequence,
          room_type_id: v.room_type_id ? Number(v.room_type_id) : null,
          date_from: v.date_from || null,
          date_to: v.date_to || null,
          weekdays: null,
          rooms: v.rooms === "" ? null : v.rooms,
          rate: v.rate.trim() || null,
        },
      }),
    );
    notify(t("allotments.events.added", { kind: t(`allotments.eventKinds.${v.kind}`) }));
    form.reset();
    await queryClient.invalidateQueries({ queryKey: ["contract", contract.id] });
    await queryClient.invalidateQueries({ queryKey: ["allotments"] });
  });
  return (
    <SectionPanel id="event-form-heading" title={t("allotments.events.add")}>
      <form onSubmit={submit} noValidate>
        <SimpleGrid cols={{ base: 1, sm: 2, lg: 4 }} spacing="sm">
          <Select
            label={t("allotments.events.kind")}
            data={EVENT_KINDS.map((k) => ({ value: k, label: t(`allotments.eventKinds.${k}`) }))}
            allowDeselect={false}
            {...form.getInputProps("kind")}
          />
          <TextInput type="datetime-local" label={t("allotments.events.effectiveAt")} description={t("allotments.events.effectiveHelp")} {...form.getInputProps("effective_at")} />
          <NumberInput label={t("allotments.events.sequence")} min={0} allowDecimal={false} {...form.getInputProps("sequence")} />
          <Select label={t("allotments.roomType")} placeholder={t("allotments.events.everyRoomType")} data={roomTypeOptions} clearable {...form.getInputProps("room_type_id")} />
          <TextInput type="date" label={t("allotments.seasons.firstNight")} {...form.getInputProps("date_from")} />
          <TextInput type="date" label={t("allotments.seasons.lastNight")} {...form.getInputProps("date_to")} />
          <NumberInput label={t("allotments.seasons.rooms")} min={1} allowDecimal={false} {...form.getInputProps("rooms")} />
          <TextInput label={t("allotments.seasons.rate", { currency: contract.currency })} inputMode="decimal" {...form.getInputProps("rate")} />
        </SimpleGrid>
        <FormActions error={formError} busy={busy} label={t("allotments.events.submit")} spaced />
      </form>
    </SectionPanel>
  );
}

function ContractEvents({ contract }: { contract: Contract }) {
  const { t, i18n } = useTranslation();
  const { can } = useSession();
  const properties = useProperties();
  const roomTypes = useRoomTypes(contract.property_id);
  const events = useQuery({
    queryKey: ["contract", contract.id, "events"],
    queryFn: async () => unwrap(await api.GET("/contracts/{contract_id}/events", { params: { path: { contract_id: contract.id } } })),
  });
  const body = (
    <QueryTable
      query={events}
      empty={t("allotments.events.empty")}
      minWidth={720}
      compact
      columns={[t("allotments.events.effectiveAt"), t("allotments.events.kind"), t("allotments.roomType"), t("allotments.events.nights"), t("allotments.seasons.rooms"), t("allotments.calendar.rate")]}
      rows={(items) =>
        items.map((event) => (
          <Table.Tr key={event.id}>
            <Table.Td style={{ whiteSpace: "nowrap" }}>
              {formatDateTime(event.effective_at, i18n.language, properties.timeZone(contract.property_id))}
              {event.sequence > 0 && ` #${event.sequence}`}
            </Table.Td>
            <Table.Td>
              <Badge variant="light">{t(`allotments.eventKinds.${event.kind}`)}</Badge>
            </Table.Td>
            <Table.Td>{event.room_type_id ? roomTypes.name(event.room_type_id) : t("allotments.events.everyRoomType")}</Table.Td>
            <Table.Td style={{ whiteSpace: "nowrap" }}>
              {event.date_from ? `${formatDate(event.date_from, i18n.language)} – ${formatDate(event.date_to, i18n.language)}` : t("allotments.events.everyNight")}
            </Table.Td>
            <Table.Td>{event.rooms ?? "—"}</Table.Td>
            <Table.Td>{event.rate ? formatMoney(event.rate, contract.currency, i18n.language) : "—"}</Table.Td>
          </Table.Tr>
        ))
      }
    />
  );
  return (
    <Stack gap="md">
      {can("CONTRACTS_WRITE") && contract.status !== "ended" && <EventForm contract={contract} roomTypeOptions={roomTypes.options} />}
      <SectionPanel id="events-heading" title={t("allotments.events.title")}>
        {body}
      </SectionPanel>
    </Stack>
  );
}

function ContractVersions({ contract }: { contract: Contract }) {
  const { t } = useTranslation();
  const versions = useQuery({
    queryKey: ["contract", contract.id, "versions", contract.version],
    queryFn: async () => unwrap(await api.GET("/contracts/{contract_id}/versions", { params: { path: { contract_id: contract.id } } })),
  });
  if (versions.isPending) return <LoadingState />;
  if (versions.isError) return <ErrorState error={versions.error} onRetry={() => void versions.refetch()} />;
  const list = versions.data;
  return (
    <TableFrame
      minWidth={640}
      compact
      columns={[t("allotments.contracts.version"), t("allotments.status"), t("allotments.contracts.seasons"), t("allotments.release.title"), t("allotments.versions.changed")]}
    >
      {[...list].reverse().map(({ version, contract: snapshot }) => {
        const index = list.findIndex((v) => v.version === version);
        const changed = changedFields(list[index - 1]?.contract, snapshot);
        const steps = (snapshot.release_steps ?? []) as { days_before: number; rooms_kept: number }[];
        return (
          <Table.Tr key={version}>
            <Table.Td>{version}</Table.Td>
            <Table.Td>
              <TermStatus status={String(snapshot.status)} />
            </Table.Td>
            <Table.Td>{Array.isArray(snapshot.seasons) ? snapshot.seasons.length : 0}</Table.Td>
            <Table.Td>{releaseStepsText(steps, t("allotments.release.daysShort")) || "—"}</Table.Td>
            <Table.Td>{index === 0 ? t("allotments.versions.created") : changed.map((f) => t(`allotments.versions.fields.${f}`, f)).join(", ") || "—"}</Table.Td>
          </Table.Tr>
        );
      })}
    </TableFrame>
  );
}

export default function ContractDetail() {
  const { t } = useTranslation();
  const { can } = useSession();
  const { contractId } = useParams();
  const id = Number(contractId);
  const agencies = useAgencies();
  const properties = useProperties();
  const contract = useQuery({
    queryKey: ["contract", id],
    queryFn: async () => unwrap(await api.GET("/contracts/{contract_id}", { params: { path: { contract_id: id } } })),
    enabled: Number.isInteger(id) && id > 0,
  });
  if (!Number.isInteger(id) || id <= 0) return <NotFound />;
  const back = (
    <Anchor component={Link} to="/contracts" size="sm">
      ← {t("allotments.contracts.back")}
    </Anchor>
  );
  if (contract.isPending) return <LoadingState />;
  if (contract.isError) {
    const missing = contract.error instanceof ApiError && contract.error.status === 404;
    return (
      <Stack>
        {back}
        {missing ? <EmptyState message={t("allotments.contracts.notFound")} /> : <ErrorState error={contract.error} onRetry={() => void contract.refetch()} />}
      </Stack>
    );
  }
  const c = contract.data;
  const editable = can("CONTRACTS_WRITE") && c.status !== "ended";
  return (
    <Stack>
      {back}
      <Group gap="sm">
        <Title order={1} size="h2">
          {c.name}
        </Title>
        <TermStatus status={c.status} />
        <Badge variant="outline">{t("allotments.contracts.versionN", { version: c.version })}</Badge>
      </Group>
      <Text size="sm" c="dimmed">
        {agencies.name(c.agency_id)} · {properties.name(c.property_id)} · {t(`allotments.modes.${c.mode}`)} · {c.currency}
      </Text>
      <Tabs defaultValue="terms" keepMounted={false}>
        <Tabs.List>
          <Tabs.Tab value="terms">{t("allotments.tabs.terms")}</Tabs.Tab>
          <Tabs.Tab value="allotments">{t("allotments.tabs.allotments")}</Tabs.Tab>
          <Tabs.Tab value="events">{t("allotments.tabs.events")}</Tabs.Tab>
          <Tabs.Tab value="versions">{t("allotments.tabs.versions")}</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="terms" pt="md">
          <ContractForm key={c.version} contract={c} readOnly={!editable} onSaved={() => undefined} />
        </Tabs.Panel>
        <Tabs.Panel value="allotments" pt="md">
          <ContractAllotments contract={c} />
        </Tabs.Panel>
        <Tabs.Panel value="events" pt="md">
          <ContractEvents contract={c} />
        </Tabs.Panel>
        <Tabs.Panel value="versions" pt="md">
          <ContractVersions contract={c} />
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}
