// Pieces the hardblock screens share: the status and guarantee badges, the block's holder.
import { useTranslation } from "react-i18next";

import type { Schemas } from "../../api/client";
import { StatusBadge } from "../../components/StatusBadge";

type Block = Schemas["BlockOut"];

const STATUS_COLOURS: Record<string, string> = { active: "green", released: "gray", cancelled: "red" };

export const BLOCK_STATUSES = ["active", "released", "cancelled"] as const;
export const GUARANTEES = ["definite", "tentative"] as const;

export function BlockStatusBadge({ status }: { status: string }) {
  const { t } = useTranslation();
  return <StatusBadge status={{ code: status, label: t(`hardblocks.statuses.${status}`, status), colour: STATUS_COLOURS[status] ?? "gray" }} />;
}

/** Definite (withholds its rooms, paid whether used or not) or tentative (an option, reserves nothing). */
export function GuaranteeBadge({ guarantee }: { guarantee: string }) {
  const { t } = useTranslation();
  const colour = guarantee === "definite" ? "indigo" : "yellow";
  return (
    <span data-guarantee={guarantee}>
      <StatusBadge status={{ code: guarantee, label: t(`hardblocks.guarantees.${guarantee}`, guarantee), colour }} />
    </span>
  );
}

/** Who holds the block: its agency's name, or the group's. */
export function holderName(block: Pick<Block, "agency_id" | "group_name">, agencyName: (id: number) => string): string {
  if (block.agency_id != null) return block.group_name ? `${agencyName(block.agency_id)} — ${block.group_name}` : agencyName(block.agency_id);
  return block.group_name || "—";
}
