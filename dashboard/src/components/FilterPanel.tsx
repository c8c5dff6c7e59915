// A list's filters: the panel (a section named "Filters") and the inputs kept in the URL.
import { Paper, Select, SimpleGrid, TextInput, type ComboboxData, type SimpleGridProps } from "@mantine/core";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";

import { useUrlSearch, type UrlFilters } from "./useUrlFilters";

/** The bordered "Filters" section above a list, its inputs in a grid of `cols` columns. */
export function FilterPanel({ cols, children }: { cols: SimpleGridProps["cols"]; children: ReactNode }) {
  const { t } = useTranslation();
  return (
    <Paper withBorder p="md" mb="md" component="section" aria-label={t("bookings.filters")}>
      <SimpleGrid cols={cols} spacing="sm">
        {children}
      </SimpleGrid>
    </Paper>
  );
}

/** A search box whose text goes to the URL parameter `param` once the typing settles. */
export function SearchFilter({ filters, param = "search", label, description }: { filters: UrlFilters; param?: string; label: string; description?: string }) {
  const [search, setSearch] = useUrlSearch(filters, param);
  return <TextInput label={label} description={description} type="search" value={search} onChange={(event) => setSearch(event.currentTarget.value)} />;
}

/** A clearable choice kept in the URL parameter `param`. */
export function FilterSelect({
  filters,
  param,
  label,
  data,
  placeholder,
  searchable,
}: {
  filters: UrlFilters;
  param: string;
  label: string;
  data: ComboboxData;
  placeholder?: string;
  searchable?: boolean;
}) {
  return (
    <Select
      label={label}
      placeholder={placeholder}
      data={data}
      value={filters.get(param)}
      onChange={(value) => filters.update({ [param]: value })}
      clearable
      searchable={searchable}
    />
  );
}

/** The active / inactive choice (URL parameter `is_active`: "true" or "false"), labelled Status. */
export function ActiveFilter({ filters, active, inactive }: { filters: UrlFilters; active: string; inactive: string }) {
  const { t } = useTranslation();
  return (
    <FilterSelect
      filters={filters}
      param="is_active"
      label={t("allotments.status")}
      data={[
        { value: "true", label: active },
        { value: "false", label: inactive },
      ]}
    />
  );
}
