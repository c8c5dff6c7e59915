import { Alert, Button, ColorInput, Group, NumberInput, Paper, Select, SimpleGrid, Stack, Switch, Table, Text, TextInput } from "@mantine/core";
import { useForm } from "@mantine/form";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";

import { api, type Schemas } from "../../api/client";
import { ApiError, unwrap } from "../../api/errors";
import { useSession } from "../../auth/session";
import { EmptyState } from "../../components/States";
import { StatusBadge } from "../../components/StatusBadge";
import { FormError, useApiSubmit } from "../../components/useApiSubmit";
import { STATUS_ICONS, StatusIcon } from "./StatusIcon";
import { usePermissionCatalogue, useRoles } from "./teamData";
import { WorkflowGraph } from "./WorkflowGraph";
import { HeaderRow } from "../../components/ListFrame";
import { notify } from "../../components/notify";
import { PageHeader } from "../../components/Page";
import { queryState } from "../../components/ListFrame";
import { EditModal } from "../../components/EditModal";

type Status = Schemas["BookingStatusOut"];
type Transition = Schemas["TransitionOut"];
type Workflow = Schemas["WorkflowOut"];
type Dialog = { kind: "status"; status: Status | null } | { kind: "transition"; transition: Transition | null } | null;
const KEY = ["booking-statuses"];
const EFFECTS = ["hold", "sell", "none"] as const;

/** The API's refusal of a change that strands a status: its message names each status and why. */
function strandedMessage(error: unknown): string | null {
  return error instanceof ApiError && error.code === "workflow_strands_status" ? error.message : null;
}

function useRefusal() {
  const [refusal, setRefusal] = useState<string | null>(null);
  const onError = (error: unknown) => {
    const message = strandedMessage(error);
    setRefusal(message);
    return message !== null;
  };
  return { refusal, onError, clear: () => setRefusal(null) };
}

const errorText = (error: Error | null) => (error ? (strandedMessage(error) ?? error.message) : null);

/** Deleting a status or a transition: on success a notice and the workflow reloaded; a refusal
 * (a stranded status, a status in use) stays in the mutation's error for the form to show. */
function useRemoval(action: () => Promise<unknown>, doneKey: string, onDone: () => void) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: action,
    onSuccess: async () => {
      notify(t(doneKey));
      await queryClient.invalidateQueries({ queryKey: KEY });
      onDone();
    },
  });
}

/** A form's buttons: the removal (when there is something to remove) on the left, Cancel and Save on the right. */
function FormButtons({ busy, onCancel, remove, removeLabel }: { busy: boolean; onCancel: () => void; remove: ReturnType<typeof useRemoval> | null; removeLabel: string }) {
  const { t } = useTranslation();
  return (
    <Group justify="space-between">
      {remove ? (
        <Button variant="subtle" color="red" loading={remove.isPending} onClick={() => remove.mutate()}>
          {removeLabel}
        </Button>
      ) : (
        <span />
      )}
      <Group>
        <Button variant="default" onClick={onCancel}>
          {t("common.cancel")}
        </Button>
        <Button type="submit" loading={busy}>
          {t("common.save")}
        </Button>
      </Group>
    </Group>
  );
}

function StatusForm({ status, onDone }: { status: Status | null; onDone: () => void }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const { refusal, onError } = useRefusal();
  const form = useForm({
    initialValues: {
      code: status?.code ?? "",
      label: status?.label ?? "",
      colour: status?.colour ?? "#0EA5E9",
      icon: status?.icon || "clock",
      inventory_effect: (status?.inventory_effect ?? "none") as Status["inventory_effect"],
      is_terminal: status?.is_terminal ?? false,
      sort_order: status?.sort_order ?? 100,
    },
    validate: {
      code: (v) => (status || /^[a-z][a-z0-9_]{1,39}$/.test(v) ? null : t("team.workflow.codeInvalid")),
      label: (v) => (v.trim() ? null : t("auth.required")),
    },
  });
  const { submit, busy, formError } = useApiSubmit(
    form,
    async ({ code, ...values }) => {
      if (status) unwrap(await api.PATCH("/booking-statuses/{status_id}", { params: { path: { status_id: status.id } }, body: values }));
      else unwrap(await api.POST("/booking-statuses", { body: { code, ...values } }));
      notify(t("team.workflow.statusSaved", { label: values.label }));
      await queryClient.invalidateQueries({ queryKey: KEY });
      onDone();
    },
    onError,
  );
  const remove = useRemoval(async () => unwrap(await api.DELETE("/booking-statuses/{status_id}", { params: { path: { status_id: status!.id } } })), "team.workflow.statusDeleted", onDone);
  return (
    <form onSubmit={submit} noValidate>
      <Stack gap="sm">
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
          <TextInput label={t("team.workflow.code")} description={t("team.workflow.codeHelp")} required disabled={status !== null} {...form.getInputProps("code")} />
          <TextInput label={t("team.workflow.label")} required {...form.getInputProps("label")} />
          <ColorInput label={t("team.workflow.colour")} format="hex" {...form.getInputProps("colour")} />
          <Select
            label={t("team.workflow.icon")}
            data={STATUS_ICONS}
            allowDeselect={false}
            leftSection={<StatusIcon name={form.values.icon} colour={form.values.colour} />}
            {...form.getInputProps("icon")}
          />
          <Select
            label={t("team.workflow.effect")}
            description={t("team.workflow.effectHelp")}
            data={EFFECTS.map((e) => ({ value: e, label: t(`team.workflow.effects.${e}`) }))}
            allowDeselect={false}
            disabled={status?.is_system}
            {...form.getInputProps("inventory_effect")}
          />
          <NumberInput label={t("team.workflow.sortOrder")} min={0} max={10000} allowDecimal={false} {...form.getInputProps("sort_order")} />
        </SimpleGrid>
        <Switch label={t("team.workflow.terminal")} description={t("team.workflow.terminalHelp")} {...form.getInputProps("is_terminal", { type: "checkbox" })} />
        <FormError message={refusal ?? formError ?? errorText(remove.error)} />
        <FormButtons busy={busy} onCancel={onDone} remove={status && !status.is_system ? remove : null} removeLabel={t("team.workflow.deleteStatus")} />
      </Stack>
    </form>
  );
}

function TransitionForm({ workflow, transition, onDone }: { workflow: Workflow; transition: Transition | null; onDone: () => void }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const catalogue = usePermissionCatalogue();
  const { refusal, onError } = useRefusal();
  const code = (id: number | undefined) => workflow.statuses.find((s) => s.id === id)?.code ?? null;
  const form = useForm({
    initialValues: { from_status: code(transition?.from_status_id), to_status: code(transition?.to_status_id), permission: transition?.permission ?? "BOOKINGS_MANAGE" },
    validate: { from_status: (v) => (v ? null : t("auth.required")), to_status: (v) => (v ? null : t("auth.required")) },
  });
  const { submit, busy, formError } = useApiSubmit(
    form,
    async (values) => {
      const permission = values.permission as Schemas["TransitionCreate"]["permission"];
      if (transition) unwrap(await api.PATCH("/booking-status-transitions/{transition_id}", { params: { path: { transition_id: transition.id } }, body: { permission } }));
      else unwrap(await api.POST("/booking-status-transitions", { body: { from_status: values.from_status!, to_status: values.to_status!, permission } }));
      notify(t("team.workflow.transitionSaved"));
      await queryClient.invalidateQueries({ queryKey: KEY });
      onDone();
    },
    onError,
  );
  const remove = useRemoval(
    async () => unwrap(await api.DELETE("/booking-status-transitions/{transition_id}", { params: { path: { transition_id: transition!.id } } })),
    "team.workflow.transitionRemoved",
    onDone,
  );
  const options = workflow.statuses.map((s) => ({ value: s.code, label: `${s.label} (${s.code})` }));
  return (
    <form onSubmit={submit} noValidate>
      <Stack gap="sm">
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
          <Select label={t("team.workflow.from")} data={options} required disabled={transition !== null} searchable {...form.getInputProps("from_status")} />
          <Select label={t("team.workflow.to")} data={options} required disabled={transition !== null} searchable {...form.getInputProps("to_status")} />
        </SimpleGrid>
        <Select
          label={t("team.workflow.permission")}
          description={t("team.workflow.permissionHelp")}
          data={(catalogue.data ?? []).map((p) => ({ value: p.name, label: `${t(`team.permissions.${p.name}`, p.name)} (${p.name})` }))}
          allowDeselect={false}
          searchable
          {...form.getInputProps("permission")}
        />
        <FormError message={refusal ?? formError ?? errorText(remove.error)} />
        <FormButtons busy={busy} onCancel={onDone} remove={transition ? remove : null} removeLabel={t("team.workflow.removeTransition")} />
      </Stack>
    </form>
  );
}

/** Every transition as a table row: the graph's content for those who do not read the drawing. */
function TransitionTable({ workflow, onEdit }: { workflow: Workflow; onEdit: (transition: Transition) => void }) {
  const { t } = useTranslation();
  const { can } = useSession();
  const roles = useRoles(can("USERS_READ"));
  const status = new Map(workflow.statuses.map((s) => [s.id, s]));
  const holders = (permission: string) => (roles.data ?? []).filter((r) => r.permissions.includes(permission)).map((r) => r.name).join(", ");
  return (
    <Table.ScrollContainer minWidth={700}>
      <Table striped verticalSpacing="xs" data-testid="transition-table">
        <Table.Caption>{t("team.workflow.tableCaption")}</Table.Caption>
        <HeaderRow labels={[t("team.workflow.from"), t("team.workflow.to"), t("team.workflow.permission"), t("team.workflow.roles"), t("allotments.actions")]} />
        <Table.Tbody>
          {workflow.transitions.map((tr) => {
            const from = status.get(tr.from_status_id)!;
            const to = status.get(tr.to_status_id)!;
            return (
              <Table.Tr key={tr.id} data-transition={`${from.code}->${to.code}`}>
                <Table.Td>
                  <StatusBadge status={from} />
                </Table.Td>
                <Table.Td>
                  <StatusBadge status={to} />
                </Table.Td>
                <Table.Td>{t(`team.permissions.${tr.permission}`, tr.permission)}</Table.Td>
                <Table.Td>{holders(tr.permission) || "—"}</Table.Td>
                <Table.Td>
                  <Button size="xs" variant="light" onClick={() => onEdit(tr)} aria-label={t("team.workflow.editTransitionNamed", { from: from.label, to: to.label })}>
                    {t("allotments.edit")}
                  </Button>
                </Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

export default function WorkflowEditor() {
  const { t } = useTranslation();
  const { can } = useSession();
  const allowed = can("BOOKING_STATUS_CONFIG");
  const [dialog, setDialog] = useState<Dialog>(null);
  const workflow = useQuery({ queryKey: KEY, queryFn: async () => unwrap(await api.GET("/booking-statuses")), enabled: allowed });
  if (!allowed) return <EmptyState message={t("setup.notAllowed")} />;
  const state = queryState(workflow, t("team.workflow.empty"), (w) => w.statuses.length === 0);
  const close = () => setDialog(null);
  const selected = dialog?.kind === "status" && dialog.status ? { kind: "status" as const, id: dialog.status.id } : dialog?.kind === "transition" && dialog.transition ? { kind: "transition" as const, id: dialog.transition.id } : null;
  return (
    <>
      <PageHeader
        title={t("team.workflow.title")}
        action={
          <Group gap="xs">
            <Button variant="default" onClick={() => setDialog({ kind: "status", status: null })}>
              {t("team.workflow.newStatus")}
            </Button>
            <Button onClick={() => setDialog({ kind: "transition", transition: null })}>{t("team.workflow.newTransition")}</Button>
          </Group>
        }
      />
      <Text size="sm" c="dimmed" mb="sm">
        {t("team.workflow.intro")}
      </Text>
      <Alert color="blue" variant="light" mb="md" styles={{ message: { color: "#212529" } }}>
        {t("team.workflow.strandRule")}
      </Alert>
      {state ??
        (workflow.data && (
          <Stack gap="md">
            <Paper withBorder p="xs">
              <WorkflowGraph
                statuses={workflow.data.statuses}
                transitions={workflow.data.transitions}
                selected={selected}
                onStatus={(status) => setDialog({ kind: "status", status })}
                onTransition={(transition) => setDialog({ kind: "transition", transition })}
              />
            </Paper>
            <TransitionTable workflow={workflow.data} onEdit={(transition) => setDialog({ kind: "transition", transition })} />
          </Stack>
        ))}
      <EditModal
        opened={dialog !== null}
        onClose={close}
        size="lg"
        title={
          dialog?.kind === "status"
            ? dialog.status
              ? t("team.workflow.editStatusNamed", { label: dialog.status.label })
              : t("team.workflow.newStatus")
            : dialog?.transition
              ? t("team.workflow.editTransition")
              : t("team.workflow.newTransition")
        }
      >
        {dialog?.kind === "status" && <StatusForm status={dialog.status} onDone={close} />}
        {dialog?.kind === "transition" && workflow.data && <TransitionForm workflow={workflow.data} transition={dialog.transition} onDone={close} />}
      </EditModal>
    </>
  );
}
