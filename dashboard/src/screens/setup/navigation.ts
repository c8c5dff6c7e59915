// The setup screens in the main navigation, each shown to those with its permission: the
// properties and settings screens are for those who may change them.
export const SETUP_NAVIGATION: { to: string; label: string; permission?: string }[] = [
  { to: "/properties", label: "setup.nav.properties", permission: "PROPERTIES_WRITE" },
  { to: "/settings", label: "setup.nav.settings", permission: "SETTINGS_WRITE" },
  { to: "/api-reference", label: "setup.nav.apiReference" },
];
