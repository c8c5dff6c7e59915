import { useDebouncedValue } from "@mantine/hooks";
import { useEffect, useState } from "react";
import { useSearchParams } from "react-router-dom";

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

export type UrlFilters = ReturnType<typeof useUrlFilters>;

/** A search box's text, written to the URL parameter ``key`` once the typing settles. */
export function useUrlSearch(filters: UrlFilters, key: string) {
  const [search, setSearch] = useState(filters.get(key) ?? "");
  const [debounced] = useDebouncedValue(search, 350);
  useEffect(() => {
    if (debounced.trim() !== (filters.get(key) ?? "")) filters.update({ [key]: debounced.trim() || null });
    // eslint-disable-next-line react-hooks/exhaustive-deps -- only when the typed text settles
  }, [debounced]);
  return [search, setSearch] as const;
}
