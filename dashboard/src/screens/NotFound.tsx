import { Anchor, Stack, Text, Title } from "@mantine/core";
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";

import { useAgencyAccount } from "./portal/agencyAccount";

export default function NotFound() {
  const { t } = useTranslation();
  const portal = useAgencyAccount() !== null;
  return (
    <Stack>
      <Title order={1} size="h2">
        {t("common.notFoundTitle")}
      </Title>
      <Text>{t("common.notFoundText")}</Text>
      <Anchor component={Link} to={portal ? "/contracts" : "/bookings"}>
        {portal ? t("portal.backToContracts") : t("common.backHome")}
      </Anchor>
    </Stack>
  );
}
