import { useQuery } from "@tanstack/react-query";

import { api, type Schemas } from "../api/client";
import { unwrap } from "../api/errors";
import { useSession } from "../auth/session";

type Property = Schemas["PropertyOut"];

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
  const items: Property[] = query.data?.items ?? [];
  const byId = (id: number | null | undefined) => (id === null || id === undefined ? undefined : items.find((p) => p.id === id));
  return {
    query,
    items,
    name: (id: number | null | undefined) => (id === null || id === undefined ? "—" : (byId(id)?.name ?? `#${id}`)),
    timeZone: (id: number | null | undefined) => byId(id)?.timezone,
  };
}
