import { useEffect } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap, type Schemas } from "../api/client";

export type Table = Schemas["TableOut"];
export type RecordRow = Schemas["RecordOut"];

export function useTables() {
  return useQuery({
    queryKey: ["tables"],
    queryFn: async () => (await unwrap(() => api.GET("/tables", { params: { query: { limit: 200 } } }))).items,
  });
}

export function useTable(table: string) {
  return useQuery({
    queryKey: ["table", table],
    queryFn: () => unwrap(() => api.GET("/tables/{table}", { params: { path: { table } } })),
  });
}

export interface RecordQuery {
  where: unknown;
  sort: string | null;
  limit: number;
  /** Where the page starts: right after a previous page (its nextCursor), or an offset. */
  start: { after: string } | { offset: number };
}

/** A page of records, without its total: counting every match of a large table costs more
 * than reading the page, so the total is asked for once per filter (useRecordCount). */
function recordsPage(table: string, q: RecordQuery) {
  return {
    queryKey: ["records", table, "page", q],
    queryFn: () =>
      unwrap(() =>
        api.GET("/tables/{table}/records", {
          params: {
            path: { table },
            query: {
              where: q.where ? JSON.stringify(q.where) : undefined,
              sort: q.sort ?? undefined,
              limit: q.limit,
              ...q.start,
              count: "none",
            },
          },
        }),
      ),
  };
}

/** The page `q` asks for (the previous one stays on screen until it comes), and, once it
 * is in, the page after it, fetched ahead so that "next" shows at once. */
export function useRecords(table: string, q: RecordQuery) {
  const client = useQueryClient();
  const page = useQuery({ ...recordsPage(table, q), placeholderData: (previous) => previous });
  const next = page.isPlaceholderData ? null : page.data?.nextCursor;
  useEffect(() => {
    if (next) void client.prefetchQuery(recordsPage(table, { ...q, start: { after: next } }));
    // q is rebuilt each render: its parts are the dependencies.
  }, [client, table, next, q.limit, q.sort, JSON.stringify(q.where)]);
  return page;
}

/** How many records match the filter: exactly up to 10,000 (more: "more than 10,000"), or
 * every one when `exact` (asked for on demand). Kept per filter, not per page. */
export function useRecordCount(table: string, where: unknown, exact: boolean, enabled = true) {
  return useQuery({
    queryKey: ["records", table, "count", where ?? null, exact],
    queryFn: () =>
      unwrap(() =>
        api.GET("/tables/{table}/records/count", {
          params: {
            path: { table },
            query: { where: where ? JSON.stringify(where) : undefined, count: exact ? "exact" : "bounded" },
          },
        }),
      ),
    staleTime: 60_000,
    enabled,
  });
}
