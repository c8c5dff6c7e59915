// Rooming-list upload: a CSV of bookings picked up from one block, all lines or none; errors by line and column.
import { Alert, Anchor, Button, Code, FileInput, List, Paper, Select, Stack, Table, Text, Textarea } from "@mantine/core";
import { useMutation, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";

import { api } from "../../../api/client";
import { ApiError, unwrap } from "../../../api/errors";
import { useProperties } from "../../../components/useProperties";
import { useAgencies } from "../../allotments/useAllotmentData";
import { PageHeader } from "../../../components/Page";
import { HeaderRow } from "../../../components/ListFrame";

export const ROOMING_LIST_HEADER = "guest_name,guest_email,guest_phone,room_type,check_in,check_out,rooms,adults,children,notes";

interface LineProblem {
  line?: number;
  field?: string | null;
  message: string;
  night?: string;
}

function Problems({ error }: { error: ApiError }) {
  const { t } = useTranslation();
  const problems = error.details as LineProblem[];
  if (!problems.some((p) => p.line !== undefined)) {
    return (
      <Alert color="red" title={t("hardblockPickup.rooming.refused")} role="alert">
        {error.message}
      </Alert>
    );
  }
  return (
    <Alert color="red" title={t("hardblockPickup.rooming.invalid", { count: new Set(problems.map((p) => p.line)).size })} role="alert">
      <Text size="sm" mb="xs">
        {t("hardblockPickup.rooming.nothingWritten")}
      </Text>
      <Table verticalSpacing={2} fz="sm" withTableBorder>
        <HeaderRow labels={[t("hardblockPickup.rooming.line"), t("hardblockPickup.rooming.column"), t("hardblockPickup.rooming.problem")]} />
        <Table.Tbody>
          {problems.map((problem, index) => (
            <Table.Tr key={index}>
              <Table.Td>{problem.line}</Table.Td>
              <Table.Td>
                <Code>{problem.field}</Code>
              </Table.Td>
              <Table.Td>{problem.message}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Alert>
  );
}

export default function RoomingList() {
  const { t } = useTranslation();
  const properties = useProperties();
  const agencies = useAgencies();
  const [blockId, setBlockId] = useState<string | null>(null);
  const [csv, setCsv] = useState("");
  const blocks = useQuery({
    queryKey: ["hardblocks", "active"],
    queryFn: async () => unwrap(await api.GET("/hardblocks", { params: { query: { status: "active", page_size: 100 } } })),
  });
  const upload = useMutation({
    mutationFn: async () =>
      unwrap(await api.POST("/hardblocks/{block_id}/rooming-list", { params: { path: { block_id: Number(blockId) } }, body: { csv } })),
  });
  const options = (blocks.data?.items ?? [])
    .filter((block) => block.guarantee === "definite")
    .map((block) => ({
      value: String(block.id),
      label: `#${block.id} ${block.agency_id ? agencies.name(block.agency_id) : block.group_name} — ${properties.name(block.property_id)}`,
    }));
  const readFile = async (file: File | null) => {
    if (file) setCsv(await file.text());
  };

  return (
    <>
      <PageHeader title={t("hardblockPickup.rooming.title")} />
      <Text size="sm" c="dimmed" mb="md">
        {t("hardblockPickup.rooming.help")}
      </Text>
      <Paper withBorder p="md" mb="md" component="form" aria-label={t("hardblockPickup.rooming.title")} onSubmit={(event) => { event.preventDefault(); upload.mutate(); }}>
        <Stack gap="sm">
          <Select
            label={t("hardblockPickup.block")}
            description={t("hardblockPickup.rooming.blockHelp")}
            placeholder={blocks.isPending ? t("common.loading") : t("hardblockPickup.rooming.chooseBlock")}
            data={options}
            value={blockId}
            onChange={setBlockId}
            nothingFoundMessage={t("hardblockPickup.rooming.noBlocks")}
            searchable
            required
          />
          <FileInput label={t("hardblockPickup.rooming.file")} description={t("hardblockPickup.rooming.fileHelp")} accept=".csv,text/csv" clearable onChange={(file) => void readFile(file)} />
          <Textarea
            label={t("hardblockPickup.rooming.csv")}
            description={
              <>
                {t("hardblockPickup.rooming.header")} <Code>{ROOMING_LIST_HEADER}</Code>
              </>
            }
            placeholder={`${ROOMING_LIST_HEADER}\nNguyen Van A,a@example.com,,DLX,2030-07-01,2030-07-03,1,2,0,`}
            autosize
            minRows={6}
            maxRows={16}
            value={csv}
            onChange={(event) => setCsv(event.currentTarget.value)}
            styles={{ input: { fontFamily: "monospace" } }}
            required
          />
          <List size="sm" c="dimmed">
            <List.Item>{t("hardblockPickup.rooming.required")}</List.Item>
            <List.Item>{t("hardblockPickup.rooming.defaults")}</List.Item>
          </List>
          <Button type="submit" loading={upload.isPending} disabled={!blockId || !csv.trim()} style={{ alignSelf: "flex-start" }}>
            {t("hardblockPickup.rooming.upload")}
          </Button>
        </Stack>
      </Paper>
      {upload.error instanceof ApiError && <Problems error={upload.error} />}
      {upload.error && !(upload.error instanceof ApiError) && (
        <Alert color="red" role="alert">
          {upload.error.message}
        </Alert>
      )}
      {upload.data && (
        <Alert color="green" title={t("hardblockPickup.rooming.done", { count: upload.data.bookings.length, version: upload.data.block.version })}>
          <List size="sm">
            {upload.data.bookings.map((booking) => (
              <List.Item key={booking.id}>
                <Anchor component={Link} to={`/bookings/${booking.id}`} c="inherit" underline="always" fw={500}>
                  {booking.reference}
                </Anchor>
              </List.Item>
            ))}
          </List>
        </Alert>
      )}
    </>
  );
}
