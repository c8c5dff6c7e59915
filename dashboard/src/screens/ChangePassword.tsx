import { Button, Paper, PasswordInput, Stack, Title } from "@mantine/core";
import { useForm } from "@mantine/form";
import { useTranslation } from "react-i18next";

import { api } from "../api/client";
import { unwrap } from "../api/errors";
import { FormError, useApiSubmit } from "../components/useApiSubmit";
import { notify } from "../components/notify";

export default function ChangePassword() {
  const { t } = useTranslation();
  const form = useForm({
    initialValues: { current_password: "", new_password: "", confirm: "" },
    validate: {
      current_password: (v) => (v ? null : t("auth.required")),
      new_password: (v) => (v ? null : t("auth.required")),
      confirm: (v, values) => (v === values.new_password ? null : t("auth.passwordsDiffer")),
    },
  });

  const { submit, busy, formError } = useApiSubmit(form, async (values) => {
    unwrap(
      await api.POST("/auth/change-password", {
        body: { current_password: values.current_password, new_password: values.new_password, use_cookies: true },
      }),
    );
    form.reset();
    notify(t("auth.changeDone"));
  });

  return (
    <Paper withBorder p="lg" maw={480}>
      <Title order={1} size="h2" mb="md">
        {t("auth.changeTitle")}
      </Title>
      <form onSubmit={submit} noValidate>
        <Stack gap="sm">
          <PasswordInput label={t("auth.currentPassword")} autoComplete="current-password" required {...form.getInputProps("current_password")} />
          <PasswordInput
            label={t("auth.newPassword")}
            description={t("auth.passwordRules")}
            autoComplete="new-password"
            required
            {...form.getInputProps("new_password")}
          />
          <PasswordInput label={t("auth.confirmPassword")} autoComplete="new-password" required {...form.getInputProps("confirm")} />
          <FormError message={formError} />
          <Button type="submit" loading={busy} style={{ alignSelf: "flex-start" }}>
            {t("common.save")}
          </Button>
        </Stack>
      </form>
    </Paper>
  );
}
