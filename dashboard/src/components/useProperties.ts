import { useQuery } from "@tanstack/react-query";

import { api, type Schemas } from "../api/client";
import { unwrap } from "../api/errors";
import { useSession } from "../auth/session";

type Property = Schemas["PropertyOut"];
/** What every screen needs of a property: its name and code, time zone and currency. */
export type PropertyName = Pick<Property, "id" | "code" | "name" | "timezone" | "currency">;

/** The properties of the reader's contracts, each with its room types (GET /contract-properties):
 * the names an agency's account sees, which reaches no property route. */
export function useContractProperties(enabled: boolean) {
  return useQuery({
    queryKey: ["contract-properties"],
    queryFn: async () => unwrap(await api.GET("/contract-properties")),
    enabled,
    staleTime: 5 * 60_000,
  });
}

/**
 * The properties the reader may see (one cached request shared by every screen): their names for
 * filters and tables, and each one's time zone, in which its times are shown. A reader without
 * PROPERTIES_READ gets none; their times then show in the browser's zone, named.
 */
export function useProperties() {
  const { can } = useSession();
  const query = useQuery({
    queryKey: ["properties", "all"],
    queryFn: async () => unwrap(await api.GET("/properties", { params: { query: { page_size: 200 } } })),
    enabled: can("PROPERTIES_READ"),
    staleTime: 5 * 60_000,
  });
  // Without PROPERTIES_READ (an agency's account): the names of its contracts' properties.
  const contractProperties = useContractProperties(!can("PROPERTIES_READ") && can("CONTRACTS_READ"));
  const items: Property[] = query.data?.items ?? [];
  const named: PropertyName[] = can("PROPERTIES_READ") ? items : (contractProperties.data ?? []);
  const byId = (id: number | null | undefined) => (id === null || id === undefined ? undefined : named.find((p) => p.id === id));
  return {
    query,
    items,
    /** `items`, or for a reader without PROPERTIES_READ the properties of their contracts. */
    named,
    name: (id: number | null | undefined) => (id === null || id === undefined ? "—" : (byId(id)?.name ?? `#${id}`)),
    timeZone: (id: number | null | undefined) => byId(id)?.timezone,
  };
}
