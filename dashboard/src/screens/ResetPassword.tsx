import { Alert, Anchor, Button, PasswordInput, Stack, Text } from "@mantine/core";
import { useForm } from "@mantine/form";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useSearchParams } from "react-router-dom";

import { api } from "../api/client";
import { unwrap } from "../api/errors";
import { FormError, useApiSubmit } from "../components/useApiSubmit";
import { PublicPage } from "../components/PublicPage";

/** The page our reset emails link to: `/reset-password?token=...`. */
export default function ResetPassword() {
  const { t } = useTranslation();
  const [params] = useSearchParams();
  const token = params.get("token") ?? "";
  const [done, setDone] = useState(false);
  const form = useForm({
    initialValues: { new_password: "", confirm: "" },
    validate: {
      new_password: (v) => (v ? null : t("auth.required")),
      confirm: (v, values) => (v === values.new_password ? null : t("auth.passwordsDiffer")),
    },
  });

  const { submit, busy, formError } = useApiSubmit(form, async (values) => {
    unwrap(await api.POST("/auth/reset-password", { body: { token, new_password: values.new_password } }));
    setDone(true);
  });

  let content;
  if (!token) {
    content = (
      <Alert color="red" role="alert">
        {t("auth.resetNoToken")}
      </Alert>
    );
  } else if (done) {
    content = (
      <Alert color="green" role="status">
        {t("auth.resetDone")}
      </Alert>
    );
  } else {
    content = (
      <form onSubmit={submit} noValidate>
        <Stack gap="sm">
          <PasswordInput
            label={t("auth.newPassword")}
            description={t("auth.passwordRules")}
            autoComplete="new-password"
            required
            autoFocus
            {...form.getInputProps("new_password")}
          />
          <PasswordInput label={t("auth.confirmPassword")} autoComplete="new-password" required {...form.getInputProps("confirm")} />
          <FormError message={formError} />
          <Button type="submit" loading={busy} fullWidth>
            {t("auth.setPassword")}
          </Button>
        </Stack>
      </form>
    );
  }
  return (
    <PublicPage title={t("auth.resetTitle")}>
      {content}
      <Text size="sm" ta="center">
        <Anchor component={Link} to={token && !done ? "/forgot-password" : "/sign-in"}>
          {token && !done ? t("auth.forgotLink") : t("auth.backToSignIn")}
        </Anchor>
      </Text>
    </PublicPage>
  );
}
