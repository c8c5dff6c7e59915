import { Badge } from "@mantine/core";

/** A booking status: its label, with the status's colour as a dot (the text keeps its contrast). */
export function StatusBadge({ status }: { status: { label: string; colour: string; code: string } }) {
  return (
    <Badge variant="dot" color={status.colour || "gray"} data-status={status.code} styles={{ root: { color: "#212529", maxWidth: "none", flexShrink: 0 }, label: { overflow: "visible" } }}>
      {status.label}
    </Badge>
  );
}
