// The agency's portal: an agency's user signs in to the same dashboard, which then shows only
// what the API's partner routes allow them (their agency's contracts, allotments and sale orders).
import { useSession } from "../../auth/session";

export interface AgencyAccount {
  agencyId: number;
  agencyName: string;
}

/** The agency of the signed-in account (GET /me's user.agency_id and agency_name); null for staff. */
export function useAgencyAccount(): AgencyAccount | null {
  const { me } = useSession();
  const agencyId = me?.user.agency_id;
  if (agencyId === null || agencyId === undefined) return null;
  return { agencyId, agencyName: me?.agency_name ?? `#${agencyId}` };
}

/** The portal's navigation: each screen shown to those with its permission. */
export const PORTAL_NAVIGATION: { to: string; label: string; permission: string }[] = [
  { to: "/contracts", label: "allotments.nav.contracts", permission: "CONTRACTS_READ" },
  { to: "/sale-orders", label: "allotments.nav.saleOrders", permission: "CONTRACTS_READ" },
  { to: "/agency", label: "portal.nav.agency", permission: "AGENCIES_READ" },
];
