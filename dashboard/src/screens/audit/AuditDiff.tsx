import { Table, Text } from "@mantine/core";
import { useTranslation } from "react-i18next";

import { diffRows } from "./diff";
import { HeaderRow } from "../../components/ListFrame";

const TINT = { added: "#e6fcf5", removed: "#fff5f5", changed: "#fff9db", same: undefined } as const;

/** An audited write's before and after, field by field; changed fields first and tinted. */
export function AuditDiff({ before, after, caption }: { before: Record<string, unknown> | null; after: Record<string, unknown> | null; caption: string }) {
  const { t } = useTranslation();
  const rows = diffRows(before, after);
  if (rows.length === 0) return <Text size="sm">{t("audit.noValues")}</Text>;
  return (
    <Table withTableBorder verticalSpacing={4} fz="sm" data-testid="audit-diff">
      <Table.Caption>{caption}</Table.Caption>
      <HeaderRow labels={[t("audit.field"), t("audit.before"), t("audit.after"), t("audit.change")]} />
      <Table.Tbody>
        {rows.map((row) => (
          <Table.Tr key={row.field} data-field={row.field} data-change={row.change} style={{ background: TINT[row.change] }}>
            <Table.Td fw={row.change === "same" ? 400 : 600}>{row.field}</Table.Td>
            <Table.Td style={{ wordBreak: "break-word", textDecoration: row.change === "changed" || row.change === "removed" ? "line-through" : undefined }}>{row.before}</Table.Td>
            <Table.Td style={{ wordBreak: "break-word" }}>{row.after}</Table.Td>
            <Table.Td>
              {t(`audit.changes.${row.change}`)}
              {row.gained?.length ? <Text size="xs">{t("audit.gained", { items: row.gained.join(", ") })}</Text> : null}
              {row.lost?.length ? <Text size="xs">{t("audit.lost", { items: row.lost.join(", ") })}</Text> : null}
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}
