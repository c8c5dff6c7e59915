import { Anchor, Stack, Text, Title } from "@mantine/core";
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";

export default function NotFound() {
  const { t } = useTranslation();
  return (
    <Stack>
      <Title order={1} size="h2">
        {t("common.notFoundTitle")}
      </Title>
      <Text>{t("common.notFoundText")}</Text>
      <Anchor component={Link} to="/bookings">
        {t("common.backHome")}
      </Anchor>
    </Stack>
  );
}
