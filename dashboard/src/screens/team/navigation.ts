// The team and audit screens in the main navigation, each shown to those with its permission.
export const TEAM_NAVIGATION: { to: string; label: string; permission: string }[] = [
  { to: "/team/users", label: "team.nav.users", permission: "USERS_READ" },
  { to: "/team/roles", label: "team.nav.roles", permission: "USERS_READ" },
  { to: "/team/workflow", label: "team.nav.workflow", permission: "BOOKING_STATUS_CONFIG" },
  { to: "/audit", label: "audit.nav", permission: "AUDIT_READ" },
];
