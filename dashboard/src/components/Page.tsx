// The frame of a screen and of its sections: title with main action, titled panels, sideways scroll.
import { Box, Button, Group, Paper, Text, Title } from "@mantine/core";
import type { ReactNode } from "react";
import { Link } from "react-router-dom";

/** A screen's title, with its main action (New …, Export) on the right. */
export function PageHeader({ title, action }: { title: string; action?: ReactNode }) {
  return (
    <Group justify="space-between" mb="md">
      <Title order={1} size="h2">
        {title}
      </Title>
      {action}
    </Group>
  );
}

/** A screen's main action that goes to another screen (New …): a button that is a link. */
export function LinkButton({ to, children }: { to: string; children: ReactNode }) {
  return (
    <Button component={Link} to={to}>
      {children}
    </Button>
  );
}

/** A bordered section of a detail screen, named by its heading (an h2 with the given id); `action`
 * (Add …) on the heading's right; `help` is a dimmed line under the heading. */
export function SectionPanel({ id, title, action, help, children }: { id: string; title: string; action?: ReactNode; help?: string; children: ReactNode }) {
  const heading = (
    <Title order={2} size="h4" id={id} mb={action ? undefined : help ? "xs" : "sm"}>
      {title}
    </Title>
  );
  return (
    <Paper withBorder p="md" component="section" aria-labelledby={id}>
      {action ? (
        <Group justify="space-between" mb={help ? "xs" : "sm"}>
          {heading}
          {action}
        </Group>
      ) : (
        heading
      )}
      {help && (
        <Text size="sm" c="dimmed" mb="sm">
          {help}
        </Text>
      )}
      {children}
    </Paper>
  );
}

/** A section's heading (an h2 with the given id, which names the section) with its action on the right. */
export function SectionHeader({ id, title, action }: { id: string; title: string; action?: ReactNode }) {
  return (
    <Group justify="space-between" mb="sm">
      <Title order={2} size="h3" id={id}>
        {title}
      </Title>
      {action}
    </Group>
  );
}

/** A box that scrolls sideways when its table is wider than the screen; focusable, so the
 * keyboard can scroll it too (axe: scrollable-region-focusable). */
export function ScrollBox({ label, children }: { label: string; children: ReactNode }) {
  return (
    <Box role="region" aria-label={label} tabIndex={0} mb="sm" style={{ overflowX: "auto" }}>
      {children}
    </Box>
  );
}
