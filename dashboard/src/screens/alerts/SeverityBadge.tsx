import { Badge } from "@mantine/core";
import { useTranslation } from "react-i18next";

const SEVERITY_COLOURS = { critical: "red", warning: "orange", info: "blue" } as const;

export function SeverityBadge({ severity }: { severity: keyof typeof SEVERITY_COLOURS }) {
  const { t } = useTranslation();
  return (
    <Badge color={SEVERITY_COLOURS[severity]} variant="filled" styles={{ root: { maxWidth: "none" }, label: { overflow: "visible" } }}>
      {t(`alerts.severities.${severity}`)}
    </Badge>
  );
}
