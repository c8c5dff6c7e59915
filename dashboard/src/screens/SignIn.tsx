import { Alert, Anchor, Button, PasswordInput, Stack, Text, TextInput } from "@mantine/core";
import { useForm } from "@mantine/form";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate, useSearchParams } from "react-router-dom";

import { api } from "../api/client";
import { ApiError, unwrap } from "../api/errors";
import { useSession } from "../auth/session";
import { FormError, useApiSubmit } from "../components/useApiSubmit";
import { PublicPage } from "../components/PublicPage";

// Codes of 401s that mean "the password was right, now the second factor".
const NEEDS_OTP = new Set(["mfa_required"]);

function safeNext(next: string | null): string {
  // Only paths of this app: never an absolute URL (open redirect).
  return next && next.startsWith("/") && !next.startsWith("//") ? next : "/";
}

export default function SignIn() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const { signedIn, sessionEnded } = useSession();
  const [step, setStep] = useState<"password" | "otp">("password");
  const form = useForm({
    initialValues: { email: "", password: "", otp_code: "" },
    validate: {
      email: (v) => (v.trim() ? null : t("auth.required")),
      password: (v) => (v ? null : t("auth.required")),
      otp_code: (v) => (step === "otp" && !v.trim() ? t("auth.required") : null),
    },
  });

  const signIn = async (values: typeof form.values) => {
    const body = {
      email: values.email.trim(),
      password: values.password,
      use_cookies: true,
      ...(step === "otp" ? { otp_code: values.otp_code.trim() } : {}),
    };
    unwrap(await api.POST("/auth/login", { body }));
    await signedIn();
    navigate(safeNext(params.get("next")), { replace: true });
  };
  // The second step and a wrong code are answers of the login itself, not general errors.
  const secondFactor = (error: unknown): boolean => {
    if (!(error instanceof ApiError)) return false;
    if (NEEDS_OTP.has(error.code)) setStep("otp");
    else if (error.code === "invalid_mfa_code") form.setFieldError("otp_code", error.message);
    else return false;
    return true;
  };
  const { submit, busy, formError } = useApiSubmit(form, signIn, secondFactor);

  return (
    <PublicPage
      title={step === "password" ? t("auth.signInTitle") : t("auth.otpTitle")}
      subtitle={step === "password" ? t("auth.signInSubtitle") : t("auth.otpHelp")}
    >
      {sessionEnded && step === "password" && (
        <Alert color="yellow" role="status">
          {t("auth.sessionEnded")}
        </Alert>
      )}
      <form onSubmit={submit} noValidate>
        <Stack gap="sm">
          {step === "password" ? (
            <>
              <TextInput
                label={t("auth.email")}
                type="email"
                autoComplete="username"
                required
                autoFocus
                {...form.getInputProps("email")}
              />
              <PasswordInput
                label={t("auth.password")}
                autoComplete="current-password"
                required
                {...form.getInputProps("password")}
              />
            </>
          ) : (
            <TextInput
              label={t("auth.otpCode")}
              autoComplete="one-time-code"
              inputMode="numeric"
              required
              autoFocus
              {...form.getInputProps("otp_code")}
            />
          )}
          <FormError message={formError} />
          <Button type="submit" loading={busy} fullWidth>
            {step === "password" ? t("auth.signIn") : t("auth.verify")}
          </Button>
          {step === "otp" ? (
            <Button
              variant="subtle"
              onClick={() => {
                setStep("password");
                form.setFieldValue("otp_code", "");
              }}
            >
              {t("auth.back")}
            </Button>
          ) : (
            <Text size="sm" ta="center">
              <Anchor component={Link} to="/forgot-password">
                {t("auth.forgotLink")}
              </Anchor>
            </Text>
          )}
        </Stack>
      </form>
    </PublicPage>
  );
}
