import { Anchor, Stack, Title } from "@mantine/core";
import { useTranslation } from "react-i18next";
import { Link, useNavigate } from "react-router-dom";

import { ContractForm } from "./ContractForm";

export default function ContractNew() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  return (
    <Stack>
      <Anchor component={Link} to="/contracts" size="sm">
        ← {t("allotments.contracts.back")}
      </Anchor>
      <Title order={1} size="h2">
        {t("allotments.contracts.new")}
      </Title>
      <ContractForm onSaved={(contract) => navigate(`/contracts/${contract.id}`)} />
    </Stack>
  );
}
