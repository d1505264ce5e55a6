// The table designer's reads and checks: the table, the JSON Schemas of relations and
// permissions, and the server's check of a schema change against the existing records.
import { useQuery } from "@tanstack/react-query";
import { api, unwrap, type Schemas } from "../../api/client";
import type { FieldDef } from "../../forms/types";

export type Table = Schemas["TableOut"];
export type SchemaImpact = Schemas["SchemaCheckOut"];
export type DefinitionSchemas = Schemas["TableSchemasOut"];

export type Column = FieldDef & { indexed?: boolean };

export interface Relation {
  name: string;
  type: string;
  table: string;
  field: string;
}

export type Scope = string;
export interface RoleGrants {
  read?: Scope;
  create?: Scope;
  update?: Scope;
  delete?: Scope;
  fields?: Record<string, string>;
}
export type Permissions = Record<string, RoleGrants>;

export function useTable(id: string | undefined) {
  return useQuery({
    queryKey: ["studio", "tables", id],
    queryFn: () => unwrap(() => api.GET("/tables/{table}", { params: { path: { table: id! } } })),
    enabled: !!id,
  });
}

export function useDefinitionSchemas() {
  return useQuery({
    queryKey: ["studio", "table-definition-schemas"],
    queryFn: () => unwrap(() => api.GET("/tables/definition-schemas")),
    staleTime: Infinity,
  });
}

/** What saving this schema would do to the table's records; nothing is written. */
export function checkSchema(id: string, schema: Column[], relations: Relation[], permissions: Permissions) {
  return unwrap(() =>
    api.POST("/tables/{table}/schema-check", {
      params: { path: { table: id } },
      body: { schema: schema as unknown as Record<string, unknown>[], relations: relations as never, permissions },
    }),
  );
}

/** A choice of a JSON Schema (`oneOf: [{const, title}]`, or `enum`). */
export interface Choice {
  value: string;
  label: string;
}

export function choicesOf(schema: unknown): Choice[] {
  const s = (schema ?? {}) as { oneOf?: { const: string; title?: string }[]; enum?: string[] };
  if (s.oneOf) return s.oneOf.map((o) => ({ value: o.const, label: o.title ?? o.const }));
  return (s.enum ?? []).map((v) => ({ value: v, label: v }));
}
