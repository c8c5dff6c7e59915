import { useTranslation } from "react-i18next";

import type { Schemas } from "../../api/client";
import { iconPath } from "./StatusIcon";
import { layoutWorkflow } from "./workflowLayout";

type Status = Schemas["BookingStatusOut"];
type Transition = Schemas["TransitionOut"];

const clip = (text: string, length: number) => (text.length > length ? `${text.slice(0, length - 1)}…` : text);

interface Props {
  statuses: Status[];
  transitions: Transition[];
  selected: { kind: "status" | "transition"; id: number } | null;
  onStatus: (status: Status) => void;
  onTransition: (transition: Transition) => void;
}

/** The workflow drawn as a graph: each status a box in its colour with its icon, each transition
 * an arrow labelled with the permission it needs. Boxes and labels are buttons (click, Enter); a
 * box's name is its visible text (label, code, effect). */
export function WorkflowGraph({ statuses, transitions, selected, onStatus, onTransition }: Props) {
  const { t } = useTranslation();
  const layout = layoutWorkflow(statuses, transitions);
  const status = new Map(statuses.map((s) => [s.id, s]));
  const transition = new Map(transitions.map((tr) => [tr.id, tr]));
  const activate = (action: () => void) => ({
    onClick: action,
    onKeyDown: (event: React.KeyboardEvent) => {
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        action();
      }
    },
  });
  return (
    <div style={{ overflowX: "auto" }} tabIndex={0} role="region" aria-label={t("team.workflow.graph")}>
      <svg width={layout.width} height={layout.height} viewBox={`0 0 ${layout.width} ${layout.height}`} data-testid="workflow-graph">
        <defs>
          <marker id="workflow-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
            <path d="M0 0L10 5L0 10z" fill="#495057" />
          </marker>
        </defs>
        {layout.edges.map((edge) => {
          const active = selected?.kind === "transition" && selected.id === edge.id;
          return <path key={edge.id} d={edge.path} fill="none" stroke={active ? "#1c7ed6" : "#868e96"} strokeWidth={active ? 2.5 : 1.5} markerEnd="url(#workflow-arrow)" />;
        })}
        {layout.nodes.map((node) => {
          const s = status.get(node.id)!;
          const active = selected?.kind === "status" && selected.id === node.id;
          const kind = [t(`team.workflow.effects.${s.inventory_effect}`), s.is_terminal ? t("team.workflow.terminal") : null].filter(Boolean).join(" · ");
          return (
            <g
              key={node.id}
              role="button"
              tabIndex={0}
              data-status={s.code}
              transform={`translate(${node.x} ${node.y})`}
              style={{ cursor: "pointer" }}
              {...activate(() => onStatus(s))}
            >
              <rect width={node.width} height={node.height} rx={8} fill="#fff" stroke={s.colour} strokeWidth={active ? 4 : 2} />
              <rect width={8} height={node.height} rx={3} fill={s.colour} />
              <g transform="translate(16 10)">
                <path d={iconPath(s.icon)} fill="none" stroke={s.colour} strokeWidth={1.6} strokeLinecap="round" strokeLinejoin="round" />
              </g>
              <text x={40} y={23} fontSize={13} fontWeight={600} fill="#212529">
                {clip(s.label, 14)}
              </text>
              <text x={16} y={44} fontSize={10} fill="#495057">
                {clip(`${s.code} · ${kind}`, 24)}
              </text>
            </g>
          );
        })}
        {/* The labels last: over the boxes and arrows they might cross. */}
        {layout.edges.map((edge) => {
          const tr = transition.get(edge.id)!;
          const from = status.get(tr.from_status_id);
          const to = status.get(tr.to_status_id);
          const active = selected?.kind === "transition" && selected.id === edge.id;
          const label = t(`team.permissions.${tr.permission}`, tr.permission);
          const name = t("team.workflow.transitionNamed", { from: from?.label ?? "", to: to?.label ?? "", permission: label });
          return (
            <g key={edge.id} data-transition={`${from?.code}->${to?.code}`}>
              <g role="button" tabIndex={0} aria-label={name} style={{ cursor: "pointer" }} {...activate(() => onTransition(tr))}>
                <title>{name}</title>
                <rect x={edge.labelX - 56} y={edge.labelY - 9} width={112} height={18} rx={4} fill="#fff" stroke={active ? "#1c7ed6" : "#dee2e6"} />
                <text x={edge.labelX} y={edge.labelY + 4} textAnchor="middle" fontSize={10} fill="#212529">
                  {clip(label, 21)}
                </text>
              </g>
            </g>
          );
        })}
      </svg>
    </div>
  );
}
