import { VisuallyHidden } from "@mantine/core";
import type { TFunction } from "i18next";
import { useEffect, useRef, type KeyboardEvent } from "react";
import { useTranslation } from "react-i18next";

import type { Schemas } from "../../api/client";
import { formatMoney } from "../../components/format";
import { contains, extendTo, onKey, selectCell, type Bounds, type Cell, type Selection } from "./selection";
import { weekdayOf } from "./window";
import "./calendar.css";

export type Grid = Schemas["CalendarOut"];
export type RoomRow = Grid["room_types"][number];
export type Night = RoomRow["nights"][number];

/** A cell's state, most urgent first: what its colour (and the legend) says. */
export function cellState(night: Night): "overbooked" | "stop-sold" | "sold-out" | "open" {
  if (night.available < 0) return "overbooked";
  if (night.stop_sell) return "stop-sold";
  if (night.available === 0) return "sold-out";
  return "open";
}

/** The night's rate of each of the room type's plans that has one. */
export function planRates(row: RoomRow, night: Night): { plan: RoomRow["rate_plans"][number]; amount: string }[] {
  return row.rate_plans.flatMap((plan) => {
    const amount = night.rates[String(plan.id)];
    return amount === undefined ? [] : [{ plan, amount }];
  });
}

export function compactAmount(amount: string, language: string): string {
  return new Intl.NumberFormat(language, { notation: "compact", maximumFractionDigits: 1 }).format(Number(amount));
}

/** Everything a cell holds, in words: the cell's accessible name and the details panel's title. */
export function useDescribeCell() {
  const { t, i18n } = useTranslation();
  return (row: RoomRow, night: Night, currency: string) => {
    const flags = [
      night.stop_sell && t("calendar.fields.stop_sell"),
      night.closed_to_arrival && t("calendar.fields.closed_to_arrival"),
      night.closed_to_departure && t("calendar.fields.closed_to_departure"),
      night.min_los > 1 && t("calendar.minStay", { count: night.min_los }),
      night.max_los !== null && t("calendar.maxStay", { count: night.max_los }),
    ].filter(Boolean);
    const rates = planRates(row, night).map(({ plan, amount }) => `${plan.code} ${formatMoney(amount, currency, i18n.language)}`);
    return [
      `${row.name}, ${formatNight(night.night, i18n.language)}`,
      t("calendar.cellCounts", { available: night.available, total: night.total, sold: night.sold, held: night.held, blocked: night.blocked }),
      ...flags,
      ...rates,
      syncText(t, row, night),
    ].join("; ");
  };
}

export function syncText(t: TFunction, row: RoomRow, night: Night): string {
  if (row.channels.length === 0) return t("calendar.sync.noChannel");
  if (night.channels_behind.length === 0) return t("calendar.sync.current");
  return t("calendar.sync.behind", { channels: night.channels_behind.map((code) => t(`bookings.channels.${code}`, code)).join(", ") });
}

export function formatNight(iso: string, language: string): string {
  return new Intl.DateTimeFormat(language, { weekday: "short", day: "numeric", month: "short", timeZone: "UTC" }).format(
    new Date(`${iso}T00:00:00Z`),
  );
}

interface Props {
  grid: Grid;
  nights: string[];
  selection: Selection | null;
  onSelect: (selection: Selection) => void;
  onOpenBulk: () => void;
  highlightRoomTypeId: number | null;
}

export function CalendarGrid({ grid, nights, selection, onSelect, onOpenBulk, highlightRoomTypeId }: Props) {
  const { t, i18n } = useTranslation();
  const describe = useDescribeCell();
  const table = useRef<HTMLTableElement>(null);
  const dragging = useRef(false);
  const bounds: Bounds = { rows: grid.room_types.length, cols: nights.length };
  const focus = selection?.focus ?? { row: 0, col: 0 };

  useEffect(() => {
    const stop = () => {
      dragging.current = false;
    };
    window.addEventListener("mouseup", stop);
    return () => window.removeEventListener("mouseup", stop);
  }, []);

  // The keyboard's focus follows the selection's focus (roving tabindex).
  useEffect(() => {
    if (!selection || !table.current?.contains(document.activeElement)) return;
    table.current.querySelector<HTMLElement>(`[data-row="${selection.focus.row}"][data-col="${selection.focus.col}"]`)?.focus();
  }, [selection]);

  const keyDown = (event: KeyboardEvent) => {
    if (event.key === "Enter" && selection) {
      event.preventDefault();
      onOpenBulk();
      return;
    }
    const next = onKey(selection, event.key, event.shiftKey, bounds);
    if (next) {
      event.preventDefault();
      onSelect(next);
    }
  };
  const pointerDown = (cell: Cell, shift: boolean) => {
    dragging.current = true;
    onSelect(shift ? extendTo(selection, cell, bounds) : selectCell(cell, bounds));
  };

  return (
    <table
      ref={table}
      className="cal-grid"
      role="grid"
      aria-multiselectable="true"
      aria-label={t("calendar.gridLabel")}
      aria-describedby="calendar-grid-help"
      onKeyDown={keyDown}
    >
      <thead>
        <tr>
          <th scope="col" className="cal-corner">
            {t("calendar.roomType")}
          </th>
          {nights.map((night) => {
            const weekend = ["sat", "sun"].includes(weekdayOf(night));
            return (
              <th key={night} scope="col" className={[night === grid.today ? "cal-today" : "", weekend ? "cal-weekend" : ""].join(" ")}>
                {formatNight(night, i18n.language)}
              </th>
            );
          })}
        </tr>
      </thead>
      <tbody>
        {grid.room_types.map((row, rowIndex) => {
          const byNight = new Map(row.nights.map((night) => [night.night, night]));
          return (
            <tr key={row.id} className={row.id === highlightRoomTypeId ? "cal-row-highlight" : undefined} data-room-type={row.code}>
              <th scope="row">
                <div>{row.name}</div>
                <div className="cal-muted">
                  {row.code} · {t("calendar.rooms", { count: row.total_rooms })}
                </div>
              </th>
              {nights.map((iso, colIndex) => {
                const night = byNight.get(iso);
                const cell = { row: rowIndex, col: colIndex };
                const selected = contains(selection, cell);
                const focusable = focus.row === rowIndex && focus.col === colIndex;
                if (!night) {
                  return (
                    <td key={iso} role="gridcell" aria-selected={selected} tabIndex={focusable ? 0 : -1} data-row={rowIndex} data-col={colIndex} className="cal-cell cal-muted">
                      {t("calendar.noNight")}
                    </td>
                  );
                }
                const state = cellState(night);
                return (
                  <td
                    key={iso}
                    role="gridcell"
                    aria-selected={selected}
                    tabIndex={focusable ? 0 : -1}
                    data-row={rowIndex}
                    data-col={colIndex}
                    data-night={iso}
                    data-state={state}
                    className={`cal-cell is-${state}${selected ? " is-selected" : ""}`}
                    onMouseDown={(event) => {
                      event.preventDefault();
                      (event.currentTarget as HTMLElement).focus();
                      pointerDown(cell, event.shiftKey);
                    }}
                    onMouseEnter={() => {
                      if (dragging.current) onSelect(extendTo(selection, cell, bounds));
                    }}
                  >
                    <VisuallyHidden>{describe(row, night, grid.currency)}</VisuallyHidden>
                    <CellBody row={row} night={night} />
                  </td>
                );
              })}
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function CellBody({ row, night }: { row: RoomRow; night: Night }) {
  const { t, i18n } = useTranslation();
  const behind = night.channels_behind.length;
  return (
    <div aria-hidden="true">
      <div>
        <span className="cal-avail">{night.available}</span>
        <span className="cal-muted"> / {night.total}</span>
      </div>
      <div className="cal-muted" title={t("calendar.countsLegend")}>
        {night.sold}·{night.held}·{night.blocked}
      </div>
      {planRates(row, night).map(({ plan, amount }) => (
        <div key={plan.id} className="cal-muted">
          {plan.code} {compactAmount(amount, i18n.language)}
        </div>
      ))}
      <div className="cal-flags">
        {night.stop_sell && <span className="cal-flag is-stop">{t("calendar.flags.stopSell")}</span>}
        {night.closed_to_arrival && <span className="cal-flag">{t("calendar.flags.cta")}</span>}
        {night.closed_to_departure && <span className="cal-flag">{t("calendar.flags.ctd")}</span>}
        {night.min_los > 1 && <span className="cal-flag">≥{night.min_los}</span>}
        {night.max_los !== null && <span className="cal-flag">≤{night.max_los}</span>}
      </div>
      {row.channels.length > 0 && (
        <div className={`cal-sync ${behind ? "is-behind" : "is-current"}`}>{behind ? `⟳ ${behind}/${row.channels.length}` : "✓"}</div>
      )}
    </div>
  );
}
