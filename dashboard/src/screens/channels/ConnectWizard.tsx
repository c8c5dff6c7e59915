import { Alert, Anchor, Button, Group, Paper, Stack, Stepper, Text } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useSearchParams } from "react-router-dom";

import { api } from "../../api/client";
import { unwrap } from "../../api/errors";
import { ErrorState, LoadingState } from "../../components/States";
import { canOpenStep, currentStep, mappingCoverage, WIZARD_STEPS } from "./channelLogic";
import { ProposalsTable, READABLE_ALERT, useMappings, usePropertyCatalog, useProposals } from "./parts";
import { AccountStep, DiscoverStep, TestStep } from "./WizardSteps";
import { notifyError } from "../../components/notify";
import { PageHeader } from "../../components/Page";

/** Step 5: what is mapped, what is not (and why it matters), and the switch that starts the sync. */
function ActivateStep({ connectionId, propertyId, onActivated }: { connectionId: number; propertyId: number; onActivated: () => void }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const catalog = usePropertyCatalog(propertyId);
  const mappings = useMappings(connectionId);
  const [done, setDone] = useState(false);
  const coverage = mappingCoverage(catalog.roomTypes, catalog.ratePlans, mappings.roomItems, mappings.planItems);
  const activate = useMutation({
    mutationFn: async () => {
      const path = { params: { path: { connection_id: connectionId } } };
      unwrap(await api.PATCH("/ota-connections/{connection_id}", { ...path, body: { is_active: true } }));
      unwrap(await api.POST("/ota-connections/{connection_id}/full-push", path));
    },
    onSuccess: async () => {
      setDone(true);
      onActivated();
      await queryClient.invalidateQueries({ queryKey: ["sync-status"] });
    },
    onError: (error) => notifyError(error.message),
  });
  return (
    <Stack gap="sm">
      <Text size="sm">{t("channels.wizard.mappedSummary", { rooms: mappings.roomItems.length, plans: mappings.planItems.length })}</Text>
      {(coverage.unmappedRoomTypes.length > 0 || coverage.unmappedRatePlans.length > 0) && (
        <Alert styles={READABLE_ALERT} color="orange" title={t("channels.mapping.unmappedTitle")}>
          <Text size="sm">{t("channels.mapping.whyItMatters")}</Text>
          <Text size="sm" mt={4}>
            {[...coverage.unmappedRoomTypes.map((r) => r.name), ...coverage.unmappedRatePlans.map((p) => `${catalog.roomName(p.room_type_id) ?? ""} · ${p.name}`)].join(", ")}
          </Text>
        </Alert>
      )}
      {done ? (
        <>
          <Alert styles={READABLE_ALERT} color="green" title={t("channels.wizard.activeTitle")} role="status">
            <Text size="sm">{t("channels.wizard.activeText")}</Text>
          </Alert>
          <Group>
            <Anchor component={Link} to={`/connections/${connectionId}`}>
              {t("channels.wizard.openConnection")}
            </Anchor>
            <Anchor component={Link} to={`/properties/${propertyId}/sync-log`}>
              {t("channels.syncLog.open")}
            </Anchor>
          </Group>
        </>
      ) : (
        <Group>
          <Button color="green" onClick={() => activate.mutate()} loading={activate.isPending} disabled={mappings.roomItems.length === 0}>
            {t("channels.wizard.activate")}
          </Button>
          {mappings.roomItems.length === 0 && <Text size="sm" c="dimmed">{t("channels.wizard.mapFirst")}</Text>}
        </Group>
      )}
    </Stack>
  );
}

/** OTA accounts → Connect: credentials, a test with the OTA's answer, discovery of the account's
 * hotels, the import as mapping proposals, accepting them, and activating the sync. With
 * ``?account=<id>`` it starts from an existing account (one more hotel of it). */
export default function ConnectWizard() {
  const { t } = useTranslation();
  const [params, setParams] = useSearchParams();
  const accountId = params.get("account") ? Number(params.get("account")) : null;
  const [testedOk, setTestedOk] = useState(false);
  const [connection, setConnection] = useState<{ id: number; propertyId: number } | null>(null);
  const [active, setActive] = useState(false);
  const [shown, setShown] = useState<number | null>(null);
  const account = useQuery({
    queryKey: ["ota-accounts", "one", accountId],
    queryFn: async () => unwrap(await api.GET("/ota-accounts/{account_id}", { params: { path: { account_id: accountId ?? 0 } } })),
    enabled: accountId !== null,
  });
  const proposals = useProposals(connection?.id ?? null);
  const open = (proposals.data?.items ?? []).filter((p) => p.status === "proposed").length;
  const progress = { accountId, testedOk: testedOk || account.data?.last_test_ok === true, connectionId: connection?.id ?? null, openProposals: open, active };
  const step = shown !== null && canOpenStep(shown, progress) ? shown : currentStep(progress);
  const choose = (index: number) => setShown(canOpenStep(index, progress) ? index : null);
  if (accountId !== null && account.isPending) return <LoadingState />;
  if (account.isError) return <ErrorState error={account.error} onRetry={() => void account.refetch()} />;
  const data = account.data;
  return (
    <>
      <Anchor component={Link} to="/ota-accounts" size="sm">
        {t("channels.wizard.back")}
      </Anchor>
      <PageHeader title={data ? t("channels.wizard.titleFor", { name: data.name }) : t("channels.wizard.title")} />
      <Paper withBorder p="md">
        <Stepper active={step} onStepClick={choose} allowNextStepsSelect={false} size="sm">
          {WIZARD_STEPS.map((name, index) => (
            <Stepper.Step key={name} label={t(`channels.wizard.steps.${name}`)} description={t(`channels.wizard.stepHelp.${name}`)} allowStepSelect={canOpenStep(index, progress)} />
          ))}
        </Stepper>
        <Stack mt="lg" gap="sm" component="section" aria-label={t(`channels.wizard.steps.${WIZARD_STEPS[step]}`)}>
          {step === 0 && !data && (
            <AccountStep
              onCreated={(created) => {
                setParams({ account: String(created.id) }, { replace: true });
                setShown(null);
              }}
            />
          )}
          {step === 0 && data && <Text size="sm">{t("channels.wizard.accountSaved", { name: data.name, ota: data.ota_name })}</Text>}
          {step === 1 && data && (
            <TestStep
              account={data}
              onTested={(ok) => {
                setTestedOk(ok);
                setShown(1);
              }}
            />
          )}
          {step === 1 && testedOk && (
            <Group>
              <Button onClick={() => setShown(2)}>{t("channels.wizard.next")}</Button>
            </Group>
          )}
          {step === 2 && data && (
            <DiscoverStep
              account={data}
              onImported={(id, propertyId) => {
                setConnection({ id, propertyId });
                setShown(3);
              }}
            />
          )}
          {step === 3 && connection && (
            <>
              <Text size="sm">{t("channels.wizard.mappingHelp")}</Text>
              <ProposalsTable connectionId={connection.id} propertyId={connection.propertyId} />
              <Group>
                <Button onClick={() => setShown(4)}>{t("channels.wizard.next")}</Button>
              </Group>
            </>
          )}
          {step === 4 && connection && <ActivateStep connectionId={connection.id} propertyId={connection.propertyId} onActivated={() => setActive(true)} />}
        </Stack>
      </Paper>
    </>
  );
}
