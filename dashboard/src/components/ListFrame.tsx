// The frame of a list: what a query shows before its data (loading, error, empty), the table with
// its column headers, and the pages below it.
import { Group, Pagination, Table } from "@mantine/core";
import type { UseQueryResult } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";

import { EmptyState, ErrorState, LoadingState } from "./States";

/** What a query shows before its data: loading, the error (with retry), or the empty message;
 * null when there is data to show. */
export function queryState<T>(query: UseQueryResult<T>, emptyMessage: string, isEmpty: (data: T) => boolean): ReactNode | null {
  if (query.isPending) return <LoadingState />;
  if (query.isError) return <ErrorState error={query.error} onRetry={() => void query.refetch()} />;
  return isEmpty(query.data) ? <EmptyState message={emptyMessage} /> : null;
}

export function ListPagination({ pages, page, onChange }: { pages: number; page: number; onChange: (page: number) => void }) {
  const { t } = useTranslation();
  if (pages <= 1) return null;
  return (
    <Group justify="center" mt="md">
      <Pagination
        total={pages}
        value={page}
        onChange={onChange}
        getControlProps={(control) => ({ "aria-label": `${t("bookings.pagination")}: ${control}` })}
        getItemProps={(p) => ({ "aria-label": `${t("bookings.pagination")} ${p}` })}
      />
    </Group>
  );
}

/** A column header: its label, or `{ label, numeric }` for a right-aligned (number) column;
 * `false` leaves the column out (e.g. Actions for readers). */
export type Column = string | false | { label: string; numeric: true };

/** A table's column headers. */
export function HeaderRow({ labels }: { labels: Column[] }) {
  return (
    <Table.Thead>
      <Table.Tr>
        {labels.flatMap((column) => {
          if (column === false) return [];
          const label = typeof column === "string" ? column : column.label;
          return [
            <Table.Th key={label} scope="col" style={typeof column === "string" ? undefined : { textAlign: "right" }}>
              {label}
            </Table.Th>,
          ];
        })}
      </Table.Tr>
    </Table.Thead>
  );
}

interface FrameProps {
  /** Below this width the table scrolls sideways. */
  minWidth: number;
  columns: Column[];
  /** Small print and tight rows, for a table inside a detail screen's section. */
  compact?: boolean;
}

/** A striped table with its column headers, scrolling sideways on a narrow screen; the rows are the children. */
export function TableFrame({ minWidth, columns, compact, hover, busy, caption, children }: FrameProps & { hover?: boolean; busy?: boolean; caption?: ReactNode; children: ReactNode }) {
  return (
    <Table.ScrollContainer minWidth={minWidth}>
      <Table striped highlightOnHover={hover} verticalSpacing={compact ? 4 : "xs"} fz={compact ? "sm" : undefined} aria-busy={busy}>
        {caption !== undefined && <Table.Caption>{caption}</Table.Caption>}
        <HeaderRow labels={columns} />
        <Table.Tbody>{children}</Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

/** A query's rows as a table (loading, error and empty states first); `rows` draws the rows. */
export function QueryTable<T>({ query, empty, rows, ...frame }: FrameProps & { query: UseQueryResult<T[]>; empty: string; rows: (items: T[]) => ReactNode }) {
  const state = queryState(query, empty, (items) => items.length === 0);
  if (state || !query.data) return state;
  return <TableFrame {...frame}>{rows(query.data)}</TableFrame>;
}

/** One page of a list, as the API returns it. */
export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  pages: number;
}

/** A paged list: its states, the table (its caption the total, busy while the next page loads;
 * rows highlighted under the pointer unless `hover` is false) and the pagination below. */
export function PagedTable<T>({
  query,
  empty,
  rows,
  onPage,
  hover = true,
  ...frame
}: FrameProps & { query: UseQueryResult<Page<T>>; empty: string; rows: (items: T[]) => ReactNode; onPage: (page: number) => void; hover?: boolean }) {
  const { t } = useTranslation();
  const state = queryState(query, empty, (page) => page.items.length === 0);
  if (state || !query.data) return state;
  const { items, total, pages, page } = query.data;
  return (
    <>
      <TableFrame {...frame} hover={hover} busy={query.isFetching} caption={t("allotments.total", { count: total })}>
        {rows(items)}
      </TableFrame>
      <ListPagination pages={pages} page={page} onChange={onPage} />
    </>
  );
}
