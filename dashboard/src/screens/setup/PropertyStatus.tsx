import { useTranslation } from "react-i18next";

import { StatusBadge } from "../../components/StatusBadge";

const COLOURS: Record<string, string> = { active: "green", inactive: "orange", archived: "gray" };

export function PropertyStatus({ status }: { status: string }) {
  const { t } = useTranslation();
  return <StatusBadge status={{ code: status, label: t(`setup.properties.statuses.${status}`, status), colour: COLOURS[status] ?? "gray" }} />;
}
