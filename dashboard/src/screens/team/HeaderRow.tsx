import { Table } from "@mantine/core";

/** A table's column headers; a `false` label leaves its column out (e.g. Actions for readers). */
export function HeaderRow({ labels }: { labels: (string | false)[] }) {
  return (
    <Table.Thead>
      <Table.Tr>
        {labels.flatMap((label) =>
          label === false
            ? []
            : [
                <Table.Th key={label} scope="col">
                  {label}
                </Table.Th>,
              ],
        )}
      </Table.Tr>
    </Table.Thead>
  );
}
