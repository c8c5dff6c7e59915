import { Text } from "@mantine/core";
import type { ReactNode } from "react";

/** A labelled value on a detail screen ("—" when there is none). */
export function Field({ label, value }: { label: string; value: ReactNode }) {
  return (
    <div>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text size="sm">{value || "—"}</Text>
    </div>
  );
}
