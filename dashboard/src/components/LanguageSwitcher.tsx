import { Select } from "@mantine/core";
import { useTranslation } from "react-i18next";

import { LANGUAGES } from "../i18n";

export function LanguageSwitcher() {
  const { t, i18n } = useTranslation();
  return (
    <Select
      aria-label={t("nav.language")}
      data={LANGUAGES.map((l) => ({ value: l.code, label: l.label }))}
      value={i18n.resolvedLanguage ?? "en"}
      onChange={(value) => value && void i18n.changeLanguage(value)}
      allowDeselect={false}
      w={170}
      size="xs"
      comboboxProps={{ withinPortal: true }}
    />
  );
}
