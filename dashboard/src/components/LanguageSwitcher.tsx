import { Select } from "@mantine/core";
import { useQueryClient } from "@tanstack/react-query";
import { useEffect } from "react";
import { useTranslation } from "react-i18next";

import { api } from "../api/client";
import { unwrap } from "../api/errors";
import { ME_KEY, useSession } from "../auth/session";
import { isLanguage, LANGUAGES } from "../i18n";
import { notifyError } from "./notify";

/** The language menu. Signed in, the choice is saved on the user (PATCH /me), and the app speaks the
 * user's saved language whenever their profile loads (after sign-in, on another device). */
export function LanguageSwitcher() {
  const { t, i18n } = useTranslation();
  const { me } = useSession();
  const queryClient = useQueryClient();
  const saved = me?.user.language;

  useEffect(() => {
    if (saved && isLanguage(saved) && saved !== i18n.resolvedLanguage) void i18n.changeLanguage(saved);
  }, [saved, i18n]);

  const choose = async (language: string) => {
    await i18n.changeLanguage(language);
    if (!me || !isLanguage(language) || language === saved) return;
    try {
      queryClient.setQueryData(ME_KEY, unwrap(await api.PATCH("/me", { body: { language } })));
    } catch (error) {
      notifyError((error as Error).message);
    }
  };

  return (
    <Select
      aria-label={t("nav.language")}
      data={LANGUAGES.map((l) => ({ value: l.code, label: l.label }))}
      value={i18n.resolvedLanguage ?? "en"}
      onChange={(value) => value && void choose(value)}
      allowDeselect={false}
      w={170}
      size="xs"
      comboboxProps={{ withinPortal: true }}
    />
  );
}
