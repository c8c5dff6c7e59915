// The small icons a booking status can carry (its ``icon`` field), drawn as SVG strokes in a
// 16 × 16 box so the graph needs no icon font. An unknown name draws a plain circle.

const PATHS: Record<string, string> = {
  hourglass: "M4 2h8M4 14h8M5 2c0 4 6 4 6 6s-6 2-6 6M11 2c0 4-6 4-6 6s6 2 6 6",
  "check-circle": "M8 1.5a6.5 6.5 0 1 0 0 13a6.5 6.5 0 1 0 0-13M5 8.2l2 2 4-4.4",
  "door-open": "M3 14h10M4 14V2h6v12M10 3l3 1v10M8 8h.01",
  "door-closed": "M3 14h10M4 14V2h8v12M9.5 8h.01",
  "x-circle": "M8 1.5a6.5 6.5 0 1 0 0 13a6.5 6.5 0 1 0 0-13M5.5 5.5l5 5M10.5 5.5l-5 5",
  "user-x": "M6 7a2.5 2.5 0 1 0 0-5a2.5 2.5 0 1 0 0 5M1.5 14c0-3 2-4.5 4.5-4.5s4.5 1.5 4.5 4.5M11 5l4 4M15 5l-4 4",
  clock: "M8 1.5a6.5 6.5 0 1 0 0 13a6.5 6.5 0 1 0 0-13M8 4v4l3 2",
  pause: "M8 1.5a6.5 6.5 0 1 0 0 13a6.5 6.5 0 1 0 0-13M6.5 5.5v5M9.5 5.5v5",
  star: "M8 1.5l2 4.3 4.6.5-3.4 3.1 1 4.6L8 11.6 3.8 14l1-4.6L1.4 6.3 6 5.8z",
  flag: "M3 15V2M3 2h9l-2 3 2 3H3",
};

export const STATUS_ICONS = Object.keys(PATHS);

export function iconPath(name: string): string {
  return PATHS[name] ?? "M8 2.5a5.5 5.5 0 1 0 0 11a5.5 5.5 0 1 0 0-11";
}

/** The icon in an <svg> of its own (forms, lists). */
export function StatusIcon({ name, colour, size = 16 }: { name: string; colour: string; size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 16 16" aria-hidden="true" focusable="false">
      <path d={iconPath(name)} fill="none" stroke={colour} strokeWidth={1.5} strokeLinecap="round" strokeLinejoin="round" />
    </svg>
  );
}
