import { useQuery } from "@tanstack/react-query";
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
  offset: number;
}

export function useRecords(table: string, q: RecordQuery) {
  return useQuery({
    queryKey: ["records", table, q],
    queryFn: () =>
      unwrap(() =>
        api.GET("/tables/{table}/records", {
          params: {
            path: { table },
            query: {
              where: q.where ? JSON.stringify(q.where) : undefined,
              sort: q.sort ?? undefined,
              limit: q.limit,
              offset: q.offset,
            },
          },
        }),
      ),
    placeholderData: (previous) => previous,
  });
}
