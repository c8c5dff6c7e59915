// The channels screens in the main navigation, each shown to those with its permission.
export const CHANNELS_NAVIGATION: { to: string; label: string; permission?: string }[] = [
  { to: "/ota-accounts", label: "channels.nav.accounts", permission: "OTA_ACCOUNTS_READ" },
  { to: "/connections", label: "channels.nav.connections", permission: "SYNC_STATUS_READ" },
];
