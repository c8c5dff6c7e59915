// "My agency" in the agency's portal: its details; for its admin (PARTNER_ADMIN) also its users,
// whom they invite, and the API keys of its systems (ApiKeys.tsx).
import { Checkbox, Group, Paper, SimpleGrid, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { useForm } from "@mantine/form";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Navigate } from "react-router-dom";

import { api, type Schemas } from "../../api/client";
import { unwrap } from "../../api/errors";
import { useSession } from "../../auth/session";
import { formatDateTime, formatMoney } from "../../components/format";
import { useApiSubmit, FormActions } from "../../components/useApiSubmit";
import { TermStatus } from "../allotments/parts";
import { useAgencyAccount } from "./agencyAccount";
import { ApiKeys } from "./ApiKeys";
import { notify } from "../../components/notify";
import { PageHeader, SectionPanel } from "../../components/Page";
import { queryState, QueryTable } from "../../components/ListFrame";

type Agency = Schemas["AgencyOut"];

function AgencyDetails({ agency }: { agency: Agency }) {
  const { t, i18n } = useTranslation();
  const rows: [string, string][] = [
    [t("allotments.agencies.code"), agency.code],
    [t("allotments.agencies.country"), agency.country_code],
    [t("allotments.agencies.contact"), agency.contact_name || "—"],
    [t("allotments.agencies.email"), agency.email || "—"],
    [t("allotments.agencies.phone"), agency.phone || "—"],
    [
      t("allotments.agencies.credit"),
      `${agency.credit_limit && agency.credit_currency ? formatMoney(agency.credit_limit, agency.credit_currency, i18n.language) : t("allotments.agencies.noLimitShort")} · ${t("allotments.agencies.termsDays", { count: agency.payment_terms_days })}`,
    ],
  ];
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="agency-details-heading">
      <Group gap="sm" mb="sm">
        <Title order={2} size="h4" id="agency-details-heading">
          {t("portal.agency.details")}
        </Title>
        <TermStatus status={agency.status} />
      </Group>
      <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }} spacing="xs" component="dl" m={0}>
        {rows.map(([label, value]) => (
          <div key={label}>
            <Text component="dt" size="xs" c="dimmed">
              {label}
            </Text>
            <Text component="dd" m={0}>
              {value}
            </Text>
          </div>
        ))}
      </SimpleGrid>
    </Paper>
  );
}

function InviteUser({ agencyId }: { agencyId: number }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const form = useForm({
    initialValues: { email: "", full_name: "", admin: false },
    validate: {
      email: (v) => (v.trim() ? null : t("auth.required")),
      full_name: (v) => (v.trim() ? null : t("auth.required")),
    },
  });
  const { submit, busy, formError } = useApiSubmit(form, async (values) => {
    const body = { email: values.email.trim(), full_name: values.full_name.trim(), admin: values.admin };
    unwrap(await api.POST("/agencies/{agency_id}/users", { params: { path: { agency_id: agencyId } }, body }));
    notify(t("portal.users.invited", { email: body.email }));
    form.reset();
    await queryClient.invalidateQueries({ queryKey: ["agency-users", agencyId] });
  });
  return (
    <form onSubmit={submit} noValidate aria-labelledby="invite-heading">
      <Title order={3} size="h5" id="invite-heading" mb="xs">
        {t("portal.users.invite")}
      </Title>
      <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
        <TextInput label={t("allotments.agencies.email")} type="email" required {...form.getInputProps("email")} />
        <TextInput label={t("portal.users.fullName")} required {...form.getInputProps("full_name")} />
      </SimpleGrid>
      <Checkbox mt="sm" label={t("portal.users.admin")} description={t("portal.users.adminHelp")} {...form.getInputProps("admin", { type: "checkbox" })} />
      <FormActions error={formError} busy={busy} label={t("portal.users.send")} spaced />
    </form>
  );
}

function AgencyUsers({ agencyId }: { agencyId: number }) {
  const { t, i18n } = useTranslation();
  const users = useQuery({
    queryKey: ["agency-users", agencyId],
    queryFn: async () => unwrap(await api.GET("/agencies/{agency_id}/users", { params: { path: { agency_id: agencyId } } })),
  });
  const body = (
    <QueryTable
      query={users}
      empty={t("portal.users.empty")}
      minWidth={560}
      compact
      columns={[t("portal.users.fullName"), t("allotments.agencies.email"), t("portal.users.role"), t("portal.users.lastLogin")]}
      rows={(items) =>
        items.map((user) => (
          <Table.Tr key={user.id}>
            <Table.Td>
              {user.full_name}{" "}
              {!user.is_active && (
                <Text span size="sm" c="dimmed">
                  ({t("portal.users.disabled")})
                </Text>
              )}
            </Table.Td>
            <Table.Td>{user.email}</Table.Td>
            <Table.Td>{user.role_name}</Table.Td>
            <Table.Td style={{ whiteSpace: "nowrap" }}>{user.last_login_at ? formatDateTime(user.last_login_at, i18n.language) : t("portal.users.never")}</Table.Td>
          </Table.Tr>
        ))
      }
    />
  );
  return (
    <SectionPanel id="agency-users-heading" title={t("portal.users.title")}>
      <Stack gap="md">
        {body}
        <InviteUser agencyId={agencyId} />
      </Stack>
    </SectionPanel>
  );
}

export default function AgencyAccess() {
  const { can } = useSession();
  const account = useAgencyAccount();
  const agencyId = account?.agencyId ?? 0;
  const agency = useQuery({
    queryKey: ["agency", agencyId],
    queryFn: async () => unwrap(await api.GET("/agencies/{agency_id}", { params: { path: { agency_id: agencyId } } })),
    enabled: agencyId > 0,
  });
  // Staff manage agencies from their list.
  if (!account) return <Navigate to="/agencies" replace />;
  return (
    <Stack>
      <PageHeader title={account.agencyName} />
      {queryState(agency, "", () => false) ?? (agency.data && <AgencyDetails agency={agency.data} />)}
      {can("PARTNER_ADMIN") && (
        <>
          <AgencyUsers agencyId={agencyId} />
          <ApiKeys agencyId={agencyId} />
        </>
      )}
    </Stack>
  );
}
