// A custom table's records as a grid: sort, filter (condition builder → JSONLogic `where`),
// pages with the total, create and edit with the form renderer, bulk delete, CSV in and out.
import { useCallback, useState } from "react";
import { useParams } from "react-router";
import {
  Alert,
  Button,
  FileButton,
  Group,
  Loader,
  Modal,
  NativeSelect,
  Pagination,
  Stack,
  Table,
  Text,
  Title,
} from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../api/client";
import { authHeaders, freshSession } from "../api/session";
import { ApiError, messageOf, type FieldProblem } from "../api/problem";
import { FormRenderer } from "../forms/FormRenderer";
import { checkForm, submission } from "../forms/logic";
import type { FieldDef, Values } from "../forms/types";
import { ConditionBuilder, toWhere, type Condition } from "../shared/ConditionBuilder";
import { useRecordCount, useRecords, useTable, type RecordRow } from "./hooks";
import { RecordsGrid } from "./RecordsGrid";
import { countText, pageCount, usePaging } from "./paging";

const PAGE_SIZES = ["25", "50", "100", "200"];

/** Import problems by CSV line (`rows[<line>].<field>`), the rest under 0. */
export function problemsByLine(problems: FieldProblem[]): Map<number, FieldProblem[]> {
  const out = new Map<number, FieldProblem[]>();
  for (const p of problems) {
    const line = Number(/rows\[(\d+)\]/.exec(p.path)?.[1] ?? 0);
    out.set(line, [...(out.get(line) ?? []), p]);
  }
  return out;
}

function RecordEditor({
  table,
  fields,
  record,
  onClose,
}: {
  table: string;
  fields: FieldDef[];
  record: RecordRow | "new";
  onClose: () => void;
}) {
  const client = useQueryClient();
  const [values, setValues] = useState<Values>(record === "new" ? {} : record.data);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const form = { fields };
  const save = useMutation({
    mutationFn: (data: Values) =>
      record === "new"
        ? unwrap(() => api.POST("/tables/{table}/records", { params: { path: { table } }, body: { data } }))
        : unwrap(() =>
            api.PATCH("/tables/{table}/records/{record}", {
              params: { path: { table, record: record.id } },
              // Cleared fields are sent as null: that clears them.
              body: { data: Object.fromEntries(fields.map((f) => [f.id, data[f.id] ?? null])) },
            }),
          ),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: ["records", table] });
      onClose();
    },
    onError: (error) => error instanceof ApiError && setErrors(error.fieldErrors()),
  });
  return (
    <form
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        const problems = checkForm(form, values);
        setErrors(problems);
        if (!Object.keys(problems).length) save.mutate(submission(form, values));
      }}
    >
      <Stack>
        {save.isError && !Object.keys(errors).length && (
          <Alert color="red" role="alert">
            {messageOf(save.error)}
          </Alert>
        )}
        <FormRenderer form={form} values={values} onChange={setValues} errors={errors} disabled={save.isPending} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Back
          </Button>
          <Button type="submit" loading={save.isPending}>
            Save
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

async function downloadCsv(table: string, name: string, where: unknown, sort: string | null) {
  await freshSession();
  const params = new URLSearchParams();
  if (where) params.set("where", JSON.stringify(where));
  if (sort) params.set("sort", sort);
  const response = await fetch(`/tables/${encodeURIComponent(table)}/records/export?${params}`, { headers: authHeaders() });
  if (!response.ok) throw new ApiError(response.status, await response.json().catch(() => undefined));
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement("a");
  link.href = url;
  link.download = `${name}.csv`;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function RecordsPage() {
  const { table = "" } = useParams();
  const client = useQueryClient();
  const meta = useTable(table);
  const [sort, setSort] = useState<string | null>(null);
  const [size, setSize] = useState("50");
  const [conditions, setConditions] = useState<Condition[]>([]);
  const [join, setJoin] = useState<"and" | "or">("and");
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [editing, setEditing] = useState<RecordRow | "new" | null>(null);
  const [importProblems, setImportProblems] = useState<FieldProblem[] | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const fields = (meta.data?.schema ?? []) as unknown as FieldDef[];
  const where = toWhere(conditions, join, fields);
  const limit = Number(size);
  const paging = usePaging(limit);
  const records = useRecords(table, { where, sort, limit, start: paging.start });
  const rows = records.data?.items ?? [];
  const nextCursor = records.isPlaceholderData ? null : records.data?.nextCursor;
  // Counted once per filter, apart from the pages: up to 10,000, every match on demand.
  const whereKey = JSON.stringify(where ?? null);
  const [countAllFor, setCountAllFor] = useState<string | null>(null);
  const bounded = useRecordCount(table, where, false);
  const countAll = countAllFor === whereKey;
  const exact = useRecordCount(table, where, true, countAll);
  const total = (countAll ? exact.data : undefined) ?? bounded.data;
  const { reset } = paging;
  const changeSort = useCallback(
    (next: string | null) => {
      setSort(next);
      reset();
    },
    [reset],
  );

  const remove = useMutation({
    mutationFn: (ids: string[]) =>
      unwrap(() => api.POST("/tables/{table}/records/bulk-delete", { params: { path: { table } }, body: { ids } })),
    onSuccess: (result) => {
      setSelected(new Set());
      setNotice(`Deleted ${result.count} record${result.count === 1 ? "" : "s"}.`);
      void client.invalidateQueries({ queryKey: ["records", table] });
    },
  });
  const importCsv = useMutation({
    mutationFn: async (file: File) => {
      await freshSession();
      const response = await fetch(`/tables/${encodeURIComponent(table)}/records/import`, {
        method: "POST",
        headers: { ...authHeaders(), "Content-Type": "text/csv" },
        body: await file.text(),
      });
      const body = await response.json().catch(() => undefined);
      if (!response.ok) throw new ApiError(response.status, body);
      return body as { count: number };
    },
    onSuccess: (result) => {
      setImportProblems(null);
      setNotice(`Imported ${result.count} record${result.count === 1 ? "" : "s"}.`);
      void client.invalidateQueries({ queryKey: ["records", table] });
    },
    onError: (error) => setImportProblems(error instanceof ApiError ? (error.problem.errors ?? [{ path: "csv", message: error.message }]) : [{ path: "csv", message: messageOf(error) }]),
  });

  if (meta.isError && !meta.data)
    return (
      <Alert color="red" role="alert">
        {messageOf(meta.error)}
      </Alert>
    );
  if (!meta.data) return <Loader aria-label="Loading" />;

  const byLine = importProblems ? problemsByLine(importProblems) : null;

  return (
    <Stack>
      <Group justify="space-between" align="flex-end">
        <div>
          <Title order={1} size="h2">
            {meta.data.displayName}
          </Title>
          <Group gap="xs" align="baseline">
            <Text size="sm" aria-live="polite">
              {total ? countText(total) : "Counting…"}
              {countAll && exact.isFetching ? " · counting all…" : ""}
            </Text>
            {total && !total.totalIsExact && !countAll && (
              <Button size="compact-xs" variant="subtle" onClick={() => setCountAllFor(whereKey)}>
                Count all
              </Button>
            )}
          </Group>
        </div>
        <Group>
          <Button onClick={() => setEditing("new")}>New record</Button>
          <FileButton onChange={(file) => file && importCsv.mutate(file)} accept=".csv,text/csv">
            {(props) => (
              <Button variant="default" {...props} loading={importCsv.isPending}>
                Import CSV
              </Button>
            )}
          </FileButton>
          <Button variant="default" onClick={() => void downloadCsv(table, meta.data.name, where, sort)}>
            Export CSV
          </Button>
        </Group>
      </Group>
      {notice && (
        <Alert color="green" role="status" withCloseButton onClose={() => setNotice(null)}>
          {notice}
        </Alert>
      )}
      {byLine && (
        <Alert color="red" role="alert" title="Nothing was imported: fix these rows and try again" withCloseButton onClose={() => setImportProblems(null)}>
          <Table>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Line</Table.Th>
                <Table.Th>Problems</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {[...byLine.entries()].map(([line, problems]) => (
                <Table.Tr key={line}>
                  <Table.Td>{line || "File"}</Table.Td>
                  <Table.Td>{problems.map((p) => p.message).join("; ")}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Alert>
      )}
      <ConditionBuilder
        fields={fields}
        conditions={conditions}
        join={join}
        onChange={(c, j) => {
          setConditions(c);
          setJoin(j);
          paging.reset();
        }}
      />
      {records.isError && (
        <Alert color="red" role="alert">
          {messageOf(records.error)}
        </Alert>
      )}
      {selected.size > 0 && (
        <Group>
          <Text size="sm">{selected.size} selected</Text>
          <Button color="red.8" variant="outline" size="xs" loading={remove.isPending} onClick={() => remove.mutate([...selected])}>
            Delete selected
          </Button>
        </Group>
      )}
      <RecordsGrid
        label={`${meta.data.displayName} records`}
        fields={fields}
        rows={rows}
        sort={sort}
        selected={selected}
        onSort={changeSort}
        onSelect={setSelected}
        onEdit={setEditing}
      />
      <Group justify="space-between">
        <Pagination
          total={pageCount(limit, paging.page, Boolean(nextCursor), total)}
          value={paging.page}
          onChange={(p) => paging.go(p, nextCursor)}
          getControlProps={(control) => ({ "aria-label": `${control} page` })}
          getItemProps={(p) => ({ "aria-label": `Page ${p}` })}
        />
        <NativeSelect
          label="Rows per page"
          value={size}
          onChange={(e) => {
            setSize(e.currentTarget.value);
            paging.reset();
          }}
          data={PAGE_SIZES}
        />
      </Group>
      <Modal opened={editing !== null} onClose={() => setEditing(null)} closeButtonProps={{ "aria-label": "Close" }} title={editing === "new" ? "New record" : "Edit record"}>
        {editing !== null && <RecordEditor table={table} fields={fields} record={editing} onClose={() => setEditing(null)} />}
      </Modal>
    </Stack>
  );
}
