// The template editor's server calls: the preview rendered by the server's sandbox, the
// variables a template may use, the test send and the test sends in the mail log.
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { api, unwrap, type Schemas } from "../../api/client";

export type Rendered = Schemas["TemplatePreviewOut"];
export type TemplateVariables = Schemas["TemplateVariablesOut"];
export type TestSent = Schemas["TestSendOut"];

export interface Texts {
  subject: string;
  body: string;
}

/** Sample values as typed, each read as JSON when it is JSON (12000, true, [1, 2]) and as
 * text otherwise; dotted names (`data.amount`) become nested objects. */
export function sampleData(values: Record<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, text] of Object.entries(values)) {
    if (text === "") continue;
    let value: unknown = text;
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed !== "string") value = parsed;
    } catch {
      // text
    }
    const parts = name.split(".");
    let at = out;
    for (const part of parts.slice(0, -1)) {
      if (typeof at[part] !== "object" || at[part] === null) at[part] = {};
      at = at[part] as Record<string, unknown>;
    }
    at[parts[parts.length - 1]] = value;
  }
  return out;
}

/** The preview of the texts as they are now (a stored template's id, or none for a new one). */
export function usePreview(id: string | undefined, texts: Texts, variables: Record<string, unknown>) {
  return useQuery({
    queryKey: ["studio", "template-preview", id ?? "", texts, variables],
    queryFn: () =>
      id
        ? unwrap(() => api.POST("/email-templates/{id}/preview", { params: { path: { id } }, body: { ...texts, variables } }))
        : unwrap(() => api.POST("/email-templates/preview", { body: { ...texts, variables } })),
    enabled: texts.subject !== "" && texts.body !== "",
    placeholderData: keepPreviousData,
    retry: false,
  });
}

export function useTemplateVariables(id: string | undefined) {
  return useQuery({
    queryKey: ["studio", "template-variables", id],
    queryFn: () => unwrap(() => api.GET("/email-templates/{id}/variables", { params: { path: { id: id! } } })),
    enabled: !!id,
  });
}

export function sendTest(id: string, to: string, texts: Texts, variables: Record<string, unknown>) {
  return unwrap(() => api.POST("/email-templates/{id}/test-send", { params: { path: { id } }, body: { to, ...texts, variables } }));
}

/** The template's test sends in the mail log, newest first. */
export function useTestSends(id: string | undefined) {
  return useQuery({
    queryKey: ["studio", "template-test-sends", id],
    queryFn: async () =>
      (await unwrap(() => api.GET("/outgoing-emails", { params: { query: { sourceId: id!, runId: "template-test", sort: "-createdAt", limit: 5 } } }))).items,
    enabled: !!id,
  });
}

/** The names worth offering: without the lower-case and `field_` aliases the platform adds
 * for each name (all of them work in a template). */
export function offered(names: string[]): string[] {
  const set = new Set(names);
  return names.filter((name) => {
    if (name.startsWith("field_") && [...set].some((n) => n !== name && `field_${n.toLowerCase().replace(/[^a-z0-9]+/g, "_")}` === name)) return false;
    if (name === name.toLowerCase() && [...set].some((n) => n !== name && n.toLowerCase() === name)) return false;
    return true;
  });
}
