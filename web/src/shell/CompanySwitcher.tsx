import { NativeSelect } from "@mantine/core";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../api/client";
import { setCompanyId } from "../api/session";
import { useCompanyId } from "../auth/useSession";

/** Platform developers act in one company at a time (the X-Company-Id header). */
export function CompanySwitcher() {
  const company = useCompanyId();
  const client = useQueryClient();
  const companies = useQuery({
    queryKey: ["companies"],
    queryFn: () => unwrap(() => api.GET("/companies", { params: { query: { limit: 200 } } })),
  });
  const items = (companies.data?.items ?? []).map((c) => ({ value: c.id, label: c.name }));
  return (
    <NativeSelect
      aria-label="Company you act in"
      data={[{ value: "", label: "Choose a company" }, ...items]}
      value={company ?? ""}
      onChange={(event) => {
        setCompanyId(event.currentTarget.value || null);
        client.clear();
      }}
      w={{ base: 130, sm: 200 }}
      size="sm"
    />
  );
}
