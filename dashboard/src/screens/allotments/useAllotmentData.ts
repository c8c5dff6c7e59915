import { useDebouncedValue } from "@mantine/hooks";
import { useQuery } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { useSearchParams } from "react-router-dom";

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

/** A list's filters kept in the URL (shareable; Back restores them); changing a filter goes back to page 1. */
export function useUrlFilters() {
  const [params, setParams] = useSearchParams();
  const update = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(params);
    for (const [key, value] of Object.entries(changes)) {
      if (value) next.set(key, value);
      else next.delete(key);
    }
    if (!("page" in changes)) next.delete("page");
    setParams(next, { replace: true });
  };
  const id = (key: string) => (params.get(key) ? Number(params.get(key)) : undefined);
  return {
    page: Math.max(1, Number(params.get("page") ?? 1) || 1),
    get: (key: string) => params.get(key),
    id,
    update,
    clear: () => setParams(new URLSearchParams(), { replace: true }),
  };
}

/** A search box's text, written to the URL parameter ``key`` once the typing settles. */
export function useUrlSearch(filters: ReturnType<typeof useUrlFilters>, key: string) {
  const [search, setSearch] = useState(filters.get(key) ?? "");
  const [debounced] = useDebouncedValue(search, 350);
  useEffect(() => {
    if (debounced.trim() !== (filters.get(key) ?? "")) filters.update({ [key]: debounced.trim() || null });
    // eslint-disable-next-line react-hooks/exhaustive-deps -- only when the typed text settles
  }, [debounced]);
  return [search, setSearch] as const;
}
