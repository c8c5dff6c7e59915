import { Alert, Button, Card, Code, Group, Image, List, PasswordInput, SimpleGrid, Stack, Text, TextInput, Title } from "@mantine/core";
import { useForm } from "@mantine/form";
import { useQueryClient } from "@tanstack/react-query";
import QRCode from "qrcode";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router-dom";

import { api } from "../api/client";
import { unwrap } from "../api/errors";
import { ME_KEY, useSession } from "../auth/session";
import { FormError, useApiSubmit } from "../components/useApiSubmit";

interface Enrollment {
  secret: string;
  otpauth_uri: string;
}

function PasswordStep({ onStarted }: { onStarted: (enrollment: Enrollment) => void }) {
  const { t } = useTranslation();
  const form = useForm({
    initialValues: { password: "" },
    validate: { password: (value) => (value ? null : t("auth.required")) },
  });
  const { submit, busy, formError } = useApiSubmit(form, async ({ password }) => {
    onStarted(unwrap(await api.POST("/auth/2fa/setup", { body: { password } })));
  });
  return (
    <form onSubmit={submit} noValidate>
      <Stack maw={420}>
        <Text size="sm">{t("mfa.passwordHelp")}</Text>
        <PasswordInput label={t("auth.currentPassword")} autoComplete="current-password" required {...form.getInputProps("password")} />
        <FormError message={formError} />
        <Group>
          <Button type="submit" loading={busy}>
            {t("mfa.start")}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function CodeStep({ enrollment, onEnabled }: { enrollment: Enrollment; onEnabled: (codes: string[]) => void }) {
  const { t } = useTranslation();
  const [qr, setQr] = useState<string | null>(null);
  useEffect(() => {
    let current = true;
    void QRCode.toDataURL(enrollment.otpauth_uri, { margin: 1, width: 200 }).then((url) => current && setQr(url));
    return () => {
      current = false;
    };
  }, [enrollment.otpauth_uri]);
  const form = useForm({
    initialValues: { code: "" },
    validate: { code: (value) => (/^\d{6}$/.test(value.trim()) ? null : t("mfa.codeFormat")) },
  });
  const { submit, busy, formError } = useApiSubmit(form, async ({ code }) => {
    onEnabled(unwrap(await api.POST("/auth/2fa/enable", { body: { code: code.trim() } })).recovery_codes);
  });
  return (
    <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="lg">
      <Stack gap="xs">
        <Text size="sm">{t("mfa.scan")}</Text>
        {qr && <Image src={qr} alt={t("mfa.qrAlt")} w={200} h={200} />}
        <Text size="sm">{t("mfa.manual")}</Text>
        <Code data-testid="totp-secret" fz="md">
          {enrollment.secret}
        </Code>
      </Stack>
      <form onSubmit={submit} noValidate>
        <Stack>
          <TextInput
            label={t("auth.otpCode")}
            description={t("mfa.codeHelp")}
            inputMode="numeric"
            autoComplete="one-time-code"
            maxLength={6}
            required
            {...form.getInputProps("code")}
          />
          <FormError message={formError} />
          <Group>
            <Button type="submit" loading={busy}>
              {t("mfa.confirm")}
            </Button>
          </Group>
        </Stack>
      </form>
    </SimpleGrid>
  );
}

function RecoveryCodesStep({ codes }: { codes: string[] }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  return (
    <Stack maw={480}>
      <Alert color="green" role="status">
        {t("mfa.enabled")}
      </Alert>
      <Text size="sm" fw={500}>
        {t("mfa.recoveryHelp")}
      </Text>
      <List aria-label={t("mfa.recoveryCodes")} data-testid="recovery-codes" listStyleType="none" ff="monospace">
        {codes.map((code) => (
          <List.Item key={code}>{code}</List.Item>
        ))}
      </List>
      <Group>
        <Button onClick={() => navigate("/", { replace: true })}>{t("mfa.done")}</Button>
      </Group>
    </Stack>
  );
}

/** Turn on two-factor authentication: password, then scan the QR code and confirm a code, then
 * the recovery codes, shown this once. */
export default function TwoFactorEnrollment() {
  const { t } = useTranslation();
  const { me } = useSession();
  const queryClient = useQueryClient();
  const [enrollment, setEnrollment] = useState<Enrollment | null>(null);
  const [codes, setCodes] = useState<string[] | null>(null);
  let body;
  if (codes) body = <RecoveryCodesStep codes={codes} />;
  else if (me?.user.mfa_enabled) body = <Alert color="green">{t("mfa.alreadyOn", { count: me.recovery_codes_left })}</Alert>;
  else if (enrollment)
    body = (
      <CodeStep
        enrollment={enrollment}
        onEnabled={(recovery) => {
          setCodes(recovery);
          // The role's permissions come back with the second factor on.
          void queryClient.invalidateQueries({ queryKey: ME_KEY });
        }}
      />
    );
  else body = <PasswordStep onStarted={setEnrollment} />;
  return (
    <Stack>
      <Title order={1} size="h2">
        {t("mfa.title")}
      </Title>
      <Card withBorder>{body}</Card>
    </Stack>
  );
}
