// A version's health: the failure-rate watchdog's thresholds and its figures now, and the
// version's trigger executions and failures per day (all companies that see it, or one).
import { useMemo, useState } from "react";
import { Alert, Group, Loader, Select, Stack, Text, Title } from "@mantine/core";
import { messageOf } from "../../api/problem";
import { useCompanies, useHealth, type Version } from "../api";
import { BarChart } from "../charts/BarChart";
import { seconds } from "../status";

function lastDays(n: number): string[] {
  const days: string[] = [];
  const today = new Date();
  for (let i = n - 1; i >= 0; i--) {
    const d = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() - i));
    days.push(d.toISOString().slice(0, 10));
  }
  return days;
}

const percent = (rate: number | null | undefined) => (rate === null || rate === undefined ? "—" : `${Math.round(rate * 100)}%`);

export function HealthPanel({ version }: { version: Version }) {
  const health = useHealth(version.id);
  const companies = useCompanies();
  const [company, setCompany] = useState<string | null>(null);
  const names = new Map((companies.data ?? []).map((c) => [c.id, c.name]));
  const days = useMemo(() => lastDays(health.data?.days ?? 7), [health.data?.days]);
  const series = useMemo(() => {
    const rows = (health.data?.series ?? []).filter((d) => !company || d.companyId === company);
    const total = days.map((day) => rows.filter((d) => d.day === day).reduce((n, d) => n + d.executions, 0));
    const failed = days.map((day) => rows.filter((d) => d.day === day).reduce((n, d) => n + d.failed, 0));
    return [
      { label: "Executions", values: total, color: "#1c7ed6" },
      { label: "Failed", values: failed, color: "#c92a2a" },
    ];
  }, [health.data, company, days]);
  if (health.isPending) return <Loader aria-label="Loading" />;
  if (health.error) return <Alert color="red">{messageOf(health.error)}</Alert>;
  const h = health.data;
  const w = h.watchdog;
  const seen = [...new Set(h.series.map((d) => d.companyId))];
  return (
    <Stack gap="xs">
      <Title order={3} size="h4">
        Health
      </Title>
      <Text size="sm" aria-label="Watchdog">
        The watchdog pauses a published version when more than {percent(w.failureRate)} of at least {w.minExecutions}{" "}
        trigger executions in the last {seconds(w.windowSeconds)} failed, looking every {seconds(w.intervalSeconds)}.
        Now: {w.failed} of {w.executions} failed ({percent(w.rate)})
        {w.wouldPause ? " — above the threshold: the next round pauses it." : w.executions < w.minExecutions ? " — too few to judge." : " — below the threshold."}
      </Text>
      <Text size="sm">
        {h.companies.length} {h.companies.length === 1 ? "company sees" : "companies see"} it now.
      </Text>
      <Group>
        <Select
          label="Company"
          data={[{ value: "", label: "All companies" }, ...seen.map((id) => ({ value: id, label: names.get(id) ?? id }))]}
          value={company ?? ""}
          onChange={(v) => setCompany(v || null)}
          w={260}
          allowDeselect={false}
        />
      </Group>
      <BarChart title={`Executions and failures of ${version.version} per day`} categories={days} series={series} />
    </Stack>
  );
}
