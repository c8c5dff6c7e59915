import { useQuery } from "@tanstack/react-query";

import { api } from "../../api/client";
import { unwrap } from "../../api/errors";

/** Every role (the editor's list, the user forms' choices): one page of up to 100. */
export function useRoles(enabled = true) {
  return useQuery({
    queryKey: ["roles"],
    queryFn: async () => unwrap(await api.GET("/roles", { params: { query: { page_size: 100 } } })).items,
    enabled,
  });
}

/** The permission catalogue: each bit's name, value and meaning. */
export function usePermissionCatalogue() {
  return useQuery({
    queryKey: ["permissions"],
    queryFn: async () => unwrap(await api.GET("/permissions")),
    staleTime: Infinity,
  });
}
