import { Text } from "@mantine/core";
import { useTranslation } from "react-i18next";

import type { Schemas } from "../../api/client";
import { formatDate, formatPercent } from "../../components/format";

type Night = Schemas["NightOccupancyOut"];

const WIDTH = 600;
const HEIGHT = 180;
const AXIS = 34;
const TOP = 8;

/**
 * Occupancy by night as bars (a plain SVG: no chart library in the bundle). Each bar has a title
 * (hover) and the whole chart a text summary; the figures are also in the KPI cards.
 */
export default function OccupancyChart({ nights }: { nights: Night[] }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  if (nights.length === 0) return <Text c="dimmed">{t("home.noNights")}</Text>;
  const slot = (WIDTH - AXIS) / nights.length;
  const plot = HEIGHT - 20 - TOP;
  // The scale reaches the highest night (to the next 10 %, at least 10 %): low occupancy stays readable.
  const highest = Math.max(0, ...nights.map((n) => n.occupancy ?? 0));
  const top = Math.max(0.1, Math.ceil(highest * 10) / 10);
  const y = (share: number) => TOP + plot - (share / top) * plot;
  const first = nights[0]?.night ?? "";
  const last = nights[nights.length - 1]?.night ?? "";
  return (
    <svg
      viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
      width="100%"
      role="img"
      aria-label={t("home.chartLabel", { from: formatDate(first, lang), to: formatDate(last, lang) })}
      data-nights={nights.length}
    >
      {[0, top / 2, top].map((tick) => (
        <g key={tick}>
          <line x1={AXIS} x2={WIDTH} y1={y(tick) + 0.5} y2={y(tick) + 0.5} stroke="#dee2e6" />
          <text x={AXIS - 4} y={y(tick) + 4} textAnchor="end" fontSize="10" fill="#495057">
            {formatPercent(tick, lang)}
          </text>
        </g>
      ))}
      {nights.map((night, index) => {
        const share = night.occupancy ?? 0;
        const height = Math.max(TOP + plot - y(share), night.occupancy === null ? 0 : 1);
        return (
          <rect
            key={night.night}
            x={AXIS + index * slot + slot * 0.15}
            y={TOP + plot - height}
            width={slot * 0.7}
            height={height}
            fill={share > 1 ? "#c92a2a" : "#1864ab"}
          >
            <title>{`${formatDate(night.night, lang)}: ${formatPercent(night.occupancy, lang)} (${night.sold}/${night.available})`}</title>
          </rect>
        );
      })}
      <text x={AXIS} y={HEIGHT - 4} fontSize="10" fill="#495057">
        {formatDate(first, lang)}
      </text>
      <text x={WIDTH} y={HEIGHT - 4} fontSize="10" fill="#495057" textAnchor="end">
        {formatDate(last, lang)}
      </text>
    </svg>
  );
}
