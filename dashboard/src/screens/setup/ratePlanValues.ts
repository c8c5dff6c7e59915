// Rate plan and seasonal rule forms: their values and the API bodies made from them.

export const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;

/** A new plan's empty form, or an existing plan's values to edit. */
export function ratePlanValues(plan?: {
  code: string;
  name: string;
  base_rate: string | null;
  parent_id: number | null;
  derivation_kind: "percent" | "fixed" | null;
  derivation_value: string | null;
  channel: string | null;
}) {
  return {
    code: plan?.code ?? "",
    name: plan?.name ?? "",
    kind: (plan?.parent_id ? "derived" : "base") as "base" | "derived",
    base_rate: plan?.base_rate ?? "",
    parent_id: plan?.parent_id ? String(plan.parent_id) : (null as string | null),
    derivation_kind: (plan?.derivation_kind ?? "percent") as "percent" | "fixed",
    derivation_value: plan?.derivation_value ?? "",
    channel: plan?.channel ?? "",
  };
}

export type RatePlanValues = ReturnType<typeof ratePlanValues>;

/** POST /room-types/{id}/rate-plans (or PATCH /rate-plans/{id}): a base plan has its own rate (empty: the room type's);
 * a derived plan follows its parent by a signed percent or amount. */
export function ratePlanBody(values: RatePlanValues, editing = false) {
  const common = {
    code: values.code.trim(),
    name: values.name.trim(),
    channel: values.channel.trim().toLowerCase() || null,
  };
  // An edited plan that becomes a base plan leaves its parent (the API drops the derivation with it).
  if (values.kind === "base") return { ...common, base_rate: values.base_rate.trim() || null, ...(editing ? { parent_id: null } : {}) };
  return {
    ...common,
    parent_id: values.parent_id ? Number(values.parent_id) : null,
    derivation_kind: values.derivation_kind,
    derivation_value: values.derivation_value.trim() || null,
  };
}

/** "+15 %" or "−100000" relative to the parent: how a derived plan follows it. */
export function derivationText(kind: string | null, value: string | null): string {
  if (!kind || value === null) return "";
  const number = Number(value);
  const sign = number > 0 ? "+" : number < 0 ? "−" : "±";
  const magnitude = String(Math.abs(number));
  return kind === "percent" ? `${sign}${magnitude} %` : `${sign}${magnitude}`;
}

export function ruleValues() {
  return {
    name: "",
    date_from: "",
    date_to: "",
    weekdays: [...WEEKDAYS] as string[],
    mode: "rate" as "rate" | "adjustment",
    rate: "",
    adjustment_kind: "percent" as "percent" | "fixed",
    adjustment_value: "",
    priority: 0 as number | "",
  };
}

export type RuleValues = ReturnType<typeof ruleValues>;

/** POST /rate-plans/{id}/rules: either the night's rate or an adjustment, never both. */
export function ruleBody(values: RuleValues) {
  const common = {
    name: values.name.trim(),
    date_from: values.date_from,
    date_to: values.date_to,
    weekdays: values.weekdays,
    priority: values.priority === "" ? 0 : values.priority,
  };
  if (values.mode === "rate") return { ...common, rate: values.rate.trim() || null };
  return { ...common, adjustment_kind: values.adjustment_kind, adjustment_value: values.adjustment_value.trim() || null };
}
