// The portal's frame: its navigation, the agency's name in the header, and the state a staff-only
// screen shows an agency's account instead of the API's 403.
import { Anchor, Badge, NavLink, Stack, Text, Title } from "@mantine/core";
import { useTranslation } from "react-i18next";
import { Link, Outlet, useLocation } from "react-router-dom";

import { useSession } from "../../auth/session";
import { PORTAL_NAVIGATION, useAgencyAccount } from "./agencyAccount";

export function PortalNavigation({ onNavigate }: { onNavigate: () => void }) {
  const { t } = useTranslation();
  const { can } = useSession();
  const location = useLocation();
  return (
    <>
      {PORTAL_NAVIGATION.filter((item) => can(item.permission)).map((item) => (
        <NavLink
          key={item.to}
          component={Link}
          to={item.to}
          label={t(item.label)}
          active={location.pathname.startsWith(item.to)}
          variant="filled"
          onClick={onNavigate}
        />
      ))}
    </>
  );
}

/** The header's label: whose portal this is (in place of the country). */
export function AgencyLabel({ name }: { name: string }) {
  const { t } = useTranslation();
  return (
    <Badge variant="light" size="lg" tt="none" maw={260} title={name} data-agency-label>
      {t("portal.label", { name })}
    </Badge>
  );
}

export function NotForAgencies() {
  const { t } = useTranslation();
  return (
    <Stack>
      <Title order={1} size="h2">
        {t("portal.notAvailableTitle")}
      </Title>
      <Text>{t("portal.notAvailableText")}</Text>
      <Anchor component={Link} to="/contracts">
        {t("portal.backToContracts")}
      </Anchor>
    </Stack>
  );
}

/** A layout route around the staff screens: an agency's account sees NotForAgencies instead. */
export function StaffOnly() {
  return useAgencyAccount() ? <NotForAgencies /> : <Outlet />;
}
