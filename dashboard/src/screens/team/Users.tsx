import { Badge, Button, Group, PasswordInput, Select, SimpleGrid, Stack, Table, Text, TextInput } from "@mantine/core";
import { useForm } from "@mantine/form";
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";

import { api, type Schemas } from "../../api/client";
import { unwrap } from "../../api/errors";
import { useSession } from "../../auth/session";
import { formatDateTime } from "../../components/format";
import { EmptyState } from "../../components/States";
import { useApiSubmit, FormActions } from "../../components/useApiSubmit";
import { useRoles } from "./teamData";
import { PagedTable } from "../../components/ListFrame";
import { notify, notifyError } from "../../components/notify";
import { PageHeader } from "../../components/Page";
import { useUrlFilters } from "../../components/useUrlFilters";
import { ActiveFilter, FilterPanel, FilterSelect, SearchFilter } from "../../components/FilterPanel";
import { EditDialog } from "../../components/EditModal";

type User = Schemas["UserOut"];
const PAGE_SIZE = 25;

interface UserValues {
  email: string;
  full_name: string;
  role_id: string | null;
  country_code: string | null;
  password: string;
  [key: string]: unknown;
}

/** Invite (user null) or edit a staff account; the API's messages go under their fields. */
function UserForm({ user, onDone }: { user: User | null; onDone: () => void }) {
  const { t } = useTranslation();
  const { me } = useSession();
  const queryClient = useQueryClient();
  const roles = useRoles();
  const form = useForm<UserValues>({
    initialValues: {
      email: user?.email ?? "",
      full_name: user?.full_name ?? "",
      role_id: user ? String(user.role_id) : null,
      country_code: user ? user.country_code : (me?.active_country ?? null),
      password: "",
    },
    validate: {
      email: (v) => (/^\S+@\S+\.\S+$/.test(v.trim()) ? null : t("team.users.emailInvalid")),
      full_name: (v) => (v.trim() ? null : t("auth.required")),
      role_id: (v) => (v ? null : t("auth.required")),
    },
  });
  const { submit, busy, formError } = useApiSubmit(form, async (values) => {
    const common = { email: values.email.trim(), full_name: values.full_name.trim(), role_id: Number(values.role_id), country_code: values.country_code || null };
    if (user) unwrap(await api.PATCH("/users/{user_id}", { params: { path: { user_id: user.id } }, body: common }));
    else unwrap(await api.POST("/users", { body: { ...common, password: values.password || null } }));
    notify(t(user ? "team.users.saved" : values.password ? "team.users.created" : "team.users.invited", { email: common.email }));
    await queryClient.invalidateQueries({ queryKey: ["users"] });
    onDone();
  });
  return (
    <form onSubmit={submit} noValidate>
      <Stack gap="sm">
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
          <TextInput label={t("team.users.email")} type="email" required {...form.getInputProps("email")} />
          <TextInput label={t("team.users.name")} required {...form.getInputProps("full_name")} />
          <Select
            label={t("team.users.role")}
            description={t("team.users.roleHelp")}
            required
            data={(roles.data ?? []).map((r) => ({ value: String(r.id), label: r.name }))}
            {...form.getInputProps("role_id")}
          />
          <Select
            label={t("team.users.country")}
            description={t("team.users.countryHelp")}
            data={(me?.visible_countries ?? []).map((c) => ({ value: c, label: c }))}
            clearable
            {...form.getInputProps("country_code")}
          />
          {!user && (
            <PasswordInput label={t("team.users.password")} description={t("team.users.passwordHelp")} {...form.getInputProps("password")} />
          )}
        </SimpleGrid>
        <FormActions error={formError} busy={busy} label={user ? t("common.save") : t("team.users.invite")} onCancel={onDone} />
      </Stack>
    </form>
  );
}

/** Enable/disable and reset-2FA buttons of one row; the API's refusal shows as a notice. */
function UserActions({ user, onEdit }: { user: User; onEdit: () => void }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const path = { params: { path: { user_id: user.id } } };
  const done = (key: string) => async () => {
    notify(t(key, { email: user.email }));
    await queryClient.invalidateQueries({ queryKey: ["users"] });
  };
  const failed = (error: Error) => notifyError(error.message);
  const toggle = useMutation({
    mutationFn: async () => unwrap(await (user.is_active ? api.POST("/users/{user_id}/disable", path) : api.POST("/users/{user_id}/enable", path))),
    onSuccess: done(user.is_active ? "team.users.disabled" : "team.users.enabled"),
    onError: failed,
  });
  const reset = useMutation({
    mutationFn: async () => unwrap(await api.POST("/users/{user_id}/2fa/reset", path)),
    onSuccess: done("team.users.twoFactorReset"),
    onError: failed,
  });
  return (
    <Group gap={4} wrap="nowrap">
      <Button size="xs" variant="light" onClick={onEdit} aria-label={t("team.users.editNamed", { email: user.email })}>
        {t("allotments.edit")}
      </Button>
      <Button
        size="xs"
        variant="subtle"
        color={user.is_active ? "red" : "green"}
        loading={toggle.isPending}
        onClick={() => toggle.mutate()}
        aria-label={t(user.is_active ? "team.users.disableNamed" : "team.users.enableNamed", { email: user.email })}
      >
        {t(user.is_active ? "team.users.disable" : "team.users.enable")}
      </Button>
      {user.mfa_enabled && (
        <Button size="xs" variant="subtle" color="orange" loading={reset.isPending} onClick={() => reset.mutate()} aria-label={t("team.users.resetTwoFactorNamed", { email: user.email })}>
          {t("team.users.resetTwoFactor")}
        </Button>
      )}
    </Group>
  );
}

export default function Users() {
  const { t, i18n } = useTranslation();
  const { me, can } = useSession();
  const allowed = can("USERS_READ");
  const writable = can("USERS_WRITE");
  const filters = useUrlFilters();
  const [editing, setEditing] = useState<User | null | undefined>(undefined);
  const roles = useRoles(allowed);
  const active = filters.get("is_active");
  const query = {
    page: filters.page,
    page_size: PAGE_SIZE,
    ...(filters.get("search") ? { search: filters.get("search")! } : {}),
    ...(filters.get("country_code") ? { country_code: filters.get("country_code")! } : {}),
    ...(filters.id("role_id") ? { role_id: filters.id("role_id") } : {}),
    ...(active ? { is_active: active === "true" } : {}),
  };
  const users = useQuery({
    queryKey: ["users", "list", query],
    queryFn: async () => unwrap(await api.GET("/users", { params: { query } })),
    placeholderData: keepPreviousData,
    enabled: allowed,
  });
  if (!allowed) return <EmptyState message={t("setup.notAllowed")} />;

  const columns = [t("team.users.name"), t("team.users.email"), t("team.users.role"), t("team.users.country"), t("team.users.twoFactor"), t("allotments.status"), t("team.users.lastLogin"), writable && t("allotments.actions")];
  const rows = (items: User[]) =>
    items.map((user) => (
      <Table.Tr key={user.id} data-user={user.email}>
        <Table.Td fw={500}>{user.full_name}</Table.Td>
        <Table.Td>{user.email}</Table.Td>
        <Table.Td>{user.role_name}</Table.Td>
        <Table.Td>{user.country_code ?? t("nav.allCountries")}</Table.Td>
        <Table.Td>{user.mfa_enabled ? t("team.users.on") : t("team.users.off")}</Table.Td>
        <Table.Td>
          <Badge color={user.is_active ? "green" : "gray"} variant="light" styles={{ root: { color: "#212529", maxWidth: "none", flexShrink: 0 }, label: { overflow: "visible" } }}>
            {t(user.is_active ? "team.users.active" : "team.users.inactive")}
          </Badge>
        </Table.Td>
        <Table.Td>{user.last_login_at ? formatDateTime(user.last_login_at, i18n.language) : t("team.users.never")}</Table.Td>
        {writable && (
          <Table.Td>
            <UserActions user={user} onEdit={() => setEditing(user)} />
          </Table.Td>
        )}
      </Table.Tr>
    ));

  return (
    <>
      <PageHeader title={t("team.users.title")} action={writable && <Button onClick={() => setEditing(null)}>{t("team.users.new")}</Button>} />
      <Text size="sm" c="dimmed" mb="sm">
        {t("team.users.intro")}
      </Text>
      <FilterPanel cols={{ base: 1, sm: 2, lg: 4 }}>
        <SearchFilter filters={filters} label={t("team.users.search")} />
        <FilterSelect filters={filters} param="country_code" label={t("team.users.country")} data={(me?.visible_countries ?? []).map((code) => ({ value: code, label: code }))} />
        <FilterSelect filters={filters} param="role_id" label={t("team.users.role")} data={(roles.data ?? []).map((r) => ({ value: String(r.id), label: r.name }))} />
        <ActiveFilter filters={filters} active={t("team.users.active")} inactive={t("team.users.inactive")} />
      </FilterPanel>
      <PagedTable query={users} empty={t("team.users.empty")} minWidth={900} columns={columns} rows={rows} onPage={(p) => filters.update({ page: String(p) })} />
      <EditDialog target={editing} onClose={() => setEditing(undefined)} title={editing ? t("team.users.editNamed", { email: editing.email }) : t("team.users.new")} size="lg">
        {(user) => <UserForm user={user} onDone={() => setEditing(undefined)} />}
      </EditDialog>
    </>
  );
}
