import { Alert, Anchor, AppShell, Burger, Group, Menu, NavLink, ScrollArea, Select, Text, UnstyledButton } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { useTranslation } from "react-i18next";
import { Link, Outlet, useLocation, useNavigate } from "react-router-dom";

import { useSession } from "../auth/session";
import { LiveIndicator, LiveUpdatesProvider } from "../live/LiveUpdates";
import { ALLOTMENT_NAVIGATION } from "../screens/allotments/parts";
import { CHANNELS_NAVIGATION } from "../screens/channels/navigation";
import { SETUP_NAVIGATION } from "../screens/setup/navigation";
import { TEAM_NAVIGATION } from "../screens/team/navigation";
import { useAgencyAccount } from "../screens/portal/agencyAccount";
import { AgencyLabel, PortalNavigation } from "../screens/portal/PortalChrome";
import { LanguageSwitcher } from "./LanguageSwitcher";
import { notifyError } from "./notify";

const ALL_COUNTRIES = "__all__";

function CountrySwitch() {
  const { t } = useTranslation();
  const { me, switchCountry } = useSession();
  if (!me?.may_switch_country) {
    return me?.active_country ? <Text size="sm">{`${t("nav.country")}: ${me.active_country}`}</Text> : null;
  }
  const options = [
    { value: ALL_COUNTRIES, label: t("nav.allCountries") },
    ...me.visible_countries.map((code) => ({ value: code, label: code })),
  ];
  return (
    <Select
      aria-label={t("nav.country")}
      data={options}
      value={me.active_country ?? ALL_COUNTRIES}
      allowDeselect={false}
      size="xs"
      w={150}
      onChange={(value) => {
        if (!value) return;
        switchCountry(value === ALL_COUNTRIES ? null : value).catch((error: Error) =>
          notifyError(error.message),
        );
      }}
    />
  );
}

function UserMenu() {
  const { t } = useTranslation();
  const { me, signOut } = useSession();
  const navigate = useNavigate();
  const name = me?.user.full_name ?? "";
  return (
    <Menu position="bottom-end" withinPortal>
      <Menu.Target>
        <UnstyledButton aria-label={t("nav.userMenu", { name })} px="xs">
          <Text size="sm" fw={500}>
            {name}
          </Text>
        </UnstyledButton>
      </Menu.Target>
      <Menu.Dropdown>
        <Menu.Label>{me?.user.email}</Menu.Label>
        <Menu.Item component={Link} to="/account/password">
          {t("nav.changePassword")}
        </Menu.Item>
        <Menu.Item component={Link} to="/account/two-factor">
          {t("nav.twoFactor")}
        </Menu.Item>
        <Menu.Item
          color="red"
          onClick={() => {
            void signOut().then(() => navigate("/sign-in", { replace: true }));
          }}
        >
          {t("nav.signOut")}
        </Menu.Item>
      </Menu.Dropdown>
    </Menu>
  );
}

type NavItem = { to: string; label: string; permission?: string };

// The day's screens first, then the screens grouped by what they are for; each item is shown to
// those with its permission, a group to those who may see one of its items.
const NAVIGATION: NavItem[] = [
  { to: "/", label: "nav.home", permission: "DASHBOARD_VIEW" },
  { to: "/calendar", label: "calendar.nav", permission: "INVENTORY_READ" },
  { to: "/bookings", label: "nav.bookings" },
  { to: "/alerts", label: "nav.alerts", permission: "ALERTS_READ" },
];
const NAVIGATION_GROUPS: { label: string; items: NavItem[] }[] = [
  { label: "nav.groups.channels", items: CHANNELS_NAVIGATION },
  {
    label: "allotments.nav.group",
    items: [...ALLOTMENT_NAVIGATION, { to: "/hardblocks", label: "hardblocks.nav", permission: "CONTRACTS_READ" }],
  },
  {
    label: "nav.groups.setup",
    items: [...SETUP_NAVIGATION, { to: "/suppliers", label: "suppliers.nav", permission: "SUPPLIERS_READ" }],
  },
  { label: "nav.groups.team", items: TEAM_NAVIGATION },
];

function NavItemLink({ item, onNavigate }: { item: NavItem; onNavigate: () => void }) {
  const { t } = useTranslation();
  const location = useLocation();
  return (
    <NavLink
      component={Link}
      to={item.to}
      label={t(item.label)}
      active={item.to === "/" ? location.pathname === "/" : location.pathname.startsWith(item.to)}
      variant="filled"
      onClick={onNavigate}
    />
  );
}

export function AppLayout() {
  const { t } = useTranslation();
  const { me, can } = useSession();
  const agency = useAgencyAccount();
  const [opened, { toggle, close }] = useDisclosure();
  const location = useLocation();
  return (
    <LiveUpdatesProvider>
      <AppShell header={{ height: 56 }} navbar={{ width: 220, breakpoint: "md", collapsed: { mobile: !opened } }} padding="md">
        <a href="#main" className="skip-link">
          {t("app.skipToContent")}
        </a>
        <AppShell.Header>
          <Group h="100%" px="md" justify="space-between" wrap="nowrap">
            <Group gap="sm" wrap="nowrap">
              <Burger opened={opened} onClick={toggle} hiddenFrom="md" size="sm" aria-label={t("nav.openNavigation")} />
              <Text fw={700} visibleFrom="xs">
                {t("app.name")}
              </Text>
            </Group>
            <Group gap="sm" wrap="nowrap">
              <LiveIndicator />
              {agency ? <AgencyLabel name={agency.agencyName} /> : <CountrySwitch />}
              <LanguageSwitcher />
              <UserMenu />
            </Group>
          </Group>
        </AppShell.Header>
        <AppShell.Navbar p="xs" component="nav" aria-label={t("nav.main")}>
          <AppShell.Section grow component={ScrollArea}>
            {agency && <PortalNavigation onNavigate={close} />}
            {!agency && (
              <>
                {NAVIGATION.filter((item) => !item.permission || can(item.permission)).map((item) => (
                  <NavItemLink key={item.to} item={item} onNavigate={close} />
                ))}
                {NAVIGATION_GROUPS.map((group) => {
                  const items = group.items.filter((item) => !item.permission || can(item.permission));
                  return (
                    items.length > 0 && (
                      <NavLink key={group.label} label={t(group.label)} defaultOpened>
                        {items.map((item) => (
                          <NavItemLink key={item.to} item={item} onNavigate={close} />
                        ))}
                      </NavLink>
                    )
                  );
                })}
              </>
            )}
          </AppShell.Section>
        </AppShell.Navbar>
        <AppShell.Main id="main" tabIndex={-1}>
          {me?.mfa_enrollment_required && (
            <Alert color="yellow" mb="md" role="status">
              {t("nav.mfaEnrollment")}{" "}
              {location.pathname !== "/account/two-factor" && (
                <Anchor component={Link} to="/account/two-factor">
                  {t("nav.mfaEnrollmentLink")}
                </Anchor>
              )}
            </Alert>
          )}
          <Outlet />
        </AppShell.Main>
      </AppShell>
    </LiveUpdatesProvider>
  );
}

