import { Badge, Button, Checkbox, Fieldset, Group, SimpleGrid, Stack, Table, Text, Textarea, TextInput } from "@mantine/core";
import { useForm } from "@mantine/form";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";

import { api, type Schemas } from "../../api/client";
import { unwrap } from "../../api/errors";
import { useSession } from "../../auth/session";
import { EmptyState } from "../../components/States";
import { useApiSubmit, FormActions } from "../../components/useApiSubmit";
import { groupByArea, maskLabel, maskOf, type PermissionBit } from "./permissionMask";
import { usePermissionCatalogue, useRoles } from "./teamData";
import { QueryTable } from "../../components/ListFrame";
import { notify, notifyError } from "../../components/notify";
import { PageHeader } from "../../components/Page";
import { EditDialog } from "../../components/EditModal";

type Role = Schemas["RoleOut"];

interface RoleValues {
  name: string;
  description: string;
  permissions: string[];
  [key: string]: unknown;
}

/** The permissions as named checkboxes, grouped by area; the bitmask they make, small, below. */
function PermissionChecks({ catalogue, value, onChange, error }: { catalogue: PermissionBit[]; value: string[]; onChange: (names: string[]) => void; error?: React.ReactNode }) {
  const { t } = useTranslation();
  return (
    <Stack gap="xs">
      <Checkbox.Group label={t("team.roles.permissions")} description={t("team.roles.permissionsHelp")} value={value} onChange={onChange} error={error}>
        <Text size="xs" c="dimmed" data-testid="role-mask" mt={4}>
          {t("team.roles.mask", { mask: maskLabel(maskOf(value, catalogue)) })}
        </Text>
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="xs" mt="xs">
          {groupByArea(catalogue).map(([area, items]) => (
            <Fieldset key={area} legend={t(`team.roles.areas.${area}`, area)} p="xs">
              <Stack gap={6}>
                {items.map((p) => (
                  <Checkbox key={p.name} value={p.name} label={t(`team.permissions.${p.name}`, p.name)} description={p.name} data-permission={p.name} />
                ))}
              </Stack>
            </Fieldset>
          ))}
        </SimpleGrid>
      </Checkbox.Group>
    </Stack>
  );
}

/** Create (role null) or edit a role: name, description and permissions. */
function RoleForm({ role, catalogue, onDone }: { role: Role | null; catalogue: PermissionBit[]; onDone: () => void }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const form = useForm<RoleValues>({
    initialValues: { name: role?.name ?? "", description: role?.description ?? "", permissions: role?.permissions ?? [] },
    validate: { name: (v) => (v.trim() ? null : t("auth.required")) },
  });
  const { submit, busy, formError } = useApiSubmit(form, async (values) => {
    const permissions = values.permissions as NonNullable<Schemas["RoleCreate"]["permissions"]>;
    const body = { name: values.name.trim(), description: values.description, permissions };
    if (role) {
      const changes = { ...body, ...(role.is_system ? { name: undefined } : {}) };
      unwrap(await api.PATCH("/roles/{role_id}", { params: { path: { role_id: role.id } }, body: changes }));
    } else unwrap(await api.POST("/roles", { body }));
    notify(t("team.roles.saved", { name: body.name }));
    await queryClient.invalidateQueries({ queryKey: ["roles"] });
    onDone();
  });
  return (
    <form onSubmit={submit} noValidate>
      <Stack gap="sm">
        <TextInput label={t("team.roles.name")} required disabled={role?.is_system} description={role?.is_system ? t("team.roles.systemHelp") : undefined} {...form.getInputProps("name")} />
        <Textarea label={t("team.roles.description")} autosize minRows={1} maxLength={500} {...form.getInputProps("description")} />
        <PermissionChecks
          catalogue={catalogue}
          value={form.values.permissions}
          onChange={(names) => form.setFieldValue("permissions", names)}
          error={form.errors.permissions}
        />
        <FormActions error={formError} busy={busy} onCancel={onDone} />
      </Stack>
    </form>
  );
}

function DeleteRole({ role }: { role: Role }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const remove = useMutation({
    mutationFn: async () => unwrap(await api.DELETE("/roles/{role_id}", { params: { path: { role_id: role.id } } })),
    onSuccess: async () => {
      notify(t("team.roles.deleted", { name: role.name }));
      await queryClient.invalidateQueries({ queryKey: ["roles"] });
    },
    onError: (error) => notifyError(error.message),
  });
  return (
    <Button size="xs" variant="subtle" color="red" loading={remove.isPending} onClick={() => remove.mutate()} aria-label={t("team.roles.deleteNamed", { name: role.name })}>
      {t("team.roles.delete")}
    </Button>
  );
}

export default function Roles() {
  const { t } = useTranslation();
  const { can } = useSession();
  const allowed = can("USERS_READ");
  const writable = can("ROLES_WRITE");
  const roles = useRoles(allowed);
  const catalogue = usePermissionCatalogue();
  const [editing, setEditing] = useState<Role | null | undefined>(undefined);
  if (!allowed) return <EmptyState message={t("setup.notAllowed")} />;
  const body = (
    <QueryTable
      query={roles}
      empty={t("team.roles.empty")}
      minWidth={760}
      columns={[t("team.roles.name"), t("team.roles.description"), t("team.roles.permissions"), t("team.roles.users"), writable && t("allotments.actions")]}
      rows={(items) =>
        items.map((role) => (
          <Table.Tr key={role.id} data-role={role.name}>
            <Table.Td fw={500}>
              {role.name} {role.is_system && <Badge size="xs" variant="light" color="gray" styles={{ root: { color: "#212529" } }}>{t("team.roles.preset")}</Badge>}
            </Table.Td>
            <Table.Td>{role.description || "—"}</Table.Td>
            <Table.Td>
              {t("team.roles.permissionCount", { count: role.permissions.length })}
              <Text size="xs" c="dimmed">
                {maskLabel(role.permission_mask)}
              </Text>
            </Table.Td>
            <Table.Td>{role.user_count}</Table.Td>
            {writable && (
              <Table.Td>
                <Group gap={4} wrap="nowrap">
                  <Button size="xs" variant="light" onClick={() => setEditing(role)} aria-label={t("team.roles.editNamed", { name: role.name })}>
                    {t("allotments.edit")}
                  </Button>
                  {!role.is_system && <DeleteRole role={role} />}
                </Group>
              </Table.Td>
            )}
          </Table.Tr>
        ))
      }
    />
  );
  return (
    <>
      <PageHeader title={t("team.roles.title")} action={writable && <Button onClick={() => setEditing(null)}>{t("team.roles.new")}</Button>} />
      <Text size="sm" c="dimmed" mb="md">
        {t(writable ? "team.roles.intro" : "team.roles.readOnly")}
      </Text>
      {body}
      <EditDialog target={editing} onClose={() => setEditing(undefined)} title={editing ? t("team.roles.editNamed", { name: editing.name }) : t("team.roles.new")} size="xl">
        {(role) => catalogue.data && <RoleForm role={role} catalogue={catalogue.data} onDone={() => setEditing(undefined)} />}
      </EditDialog>
    </>
  );
}
