import { useQuery } from "@tanstack/react-query";

import { api, type Schemas } from "../../api/client";
import { unwrap } from "../../api/errors";
import { useSession } from "../../auth/session";
import { useContractProperties, type PropertyName } from "../../components/useProperties";

type Agency = Schemas["AgencyOut"];
type RoomType = Pick<Schemas["RoomTypeOut"], "id" | "code" | "name">;

/** The agencies the reader may see (one cached request): names for filters and tables. */
export function useAgencies() {
  const { can } = useSession();
  const query = useQuery({
    queryKey: ["agencies", "all"],
    queryFn: async () => unwrap(await api.GET("/agencies", { params: { query: { page_size: 200 } } })),
    enabled: can("AGENCIES_READ"),
    staleTime: 60_000,
  });
  const items: Agency[] = query.data?.items ?? [];
  return {
    query,
    items,
    options: items.map((a) => ({ value: String(a.id), label: `${a.name} (${a.code})` })),
    name: (id: number | null | undefined) => (id == null ? "—" : (items.find((a) => a.id === id)?.name ?? `#${id}`)),
  };
}

/** Properties as a Select's options. */
export function propertyOptions(items: PropertyName[]) {
  return items.map((p) => ({ value: String(p.id), label: `${p.name} (${p.code})` }));
}

/** A property's room types (none until a property is chosen). Without PROPERTIES_READ (an agency's
 * account), those GET /contract-properties names for the property of one of its contracts. */
export function useRoomTypes(propertyId: number | null | undefined) {
  const { can } = useSession();
  const readsProperties = can("PROPERTIES_READ");
  const query = useQuery({
    queryKey: ["room-types", propertyId],
    queryFn: async () =>
      unwrap(await api.GET("/properties/{property_id}/room-types", { params: { path: { property_id: propertyId as number } } })),
    enabled: Boolean(propertyId) && readsProperties,
    staleTime: 5 * 60_000,
  });
  const contractProperties = useContractProperties(!readsProperties && can("CONTRACTS_READ"));
  const items: RoomType[] = readsProperties ? (query.data ?? []) : (contractProperties.data?.find((p) => p.id === propertyId)?.room_types ?? []);
  return {
    query,
    items,
    options: items.map((r) => ({ value: String(r.id), label: `${r.name} (${r.code})` })),
    name: (id: number | null | undefined) => (id == null ? "—" : (items.find((r) => r.id === id)?.name ?? `#${id}`)),
  };
}
