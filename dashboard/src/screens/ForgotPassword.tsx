import { Alert, Anchor, Button, Stack, Text, TextInput } from "@mantine/core";
import { useForm } from "@mantine/form";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";

import { api } from "../api/client";
import { unwrap } from "../api/errors";
import { FormError, useApiSubmit } from "../components/useApiSubmit";
import { PublicPage } from "../components/PublicPage";

export default function ForgotPassword() {
  const { t } = useTranslation();
  const [sent, setSent] = useState(false);
  const form = useForm({
    initialValues: { email: "" },
    validate: { email: (v) => (v.trim() ? null : t("auth.required")) },
  });

  const { submit, busy, formError } = useApiSubmit(form, async (values) => {
    unwrap(await api.POST("/auth/forgot-password", { body: { email: values.email.trim() } }));
    setSent(true);
  });

  return (
    <PublicPage title={t("auth.forgotTitle")} subtitle={sent ? undefined : t("auth.forgotHelp")}>
      {sent ? (
        <Alert color="green" role="status">
          {t("auth.forgotSent")}
        </Alert>
      ) : (
        <form onSubmit={submit} noValidate>
          <Stack gap="sm">
            <TextInput label={t("auth.email")} type="email" autoComplete="username" required autoFocus {...form.getInputProps("email")} />
            <FormError message={formError} />
            <Button type="submit" loading={busy} fullWidth>
              {t("auth.sendLink")}
            </Button>
          </Stack>
        </form>
      )}
      <Text size="sm" ta="center">
        <Anchor component={Link} to="/sign-in">
          {t("auth.backToSignIn")}
        </Anchor>
      </Text>
    </PublicPage>
  );
}
