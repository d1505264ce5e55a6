// The operations console (developers and company admins): releases and rollout, executions,
// the audit trail and the system's state. Its own chunk, loaded when a console page is first
// opened, so the workspace's first download stays small.
import { Route, Routes, useLocation, useNavigate } from "react-router";
import { Stack, Tabs, Title } from "@mantine/core";
import { useMe } from "../auth/useSession";
import { NotFoundPage } from "../shell/NotFoundPage";
import { ReleasesPage } from "./releases/ReleasesPage";
import { VersionPage } from "./releases/VersionPage";
import { ExecutionsPage } from "./executions/ExecutionsPage";
import { ExecutionPage } from "./executions/ExecutionPage";
import { AuditPage } from "./audit/AuditPage";
import { SystemPage } from "./system/SystemPage";

const SECTIONS = [
  { value: "releases", label: "Releases", permission: "versions.read" },
  { value: "executions", label: "Executions", permission: "executions.read" },
  { value: "audit", label: "Audit trail", permission: "audit.read" },
  { value: "system", label: "System", permission: "system.read" },
];

export default function ConsoleApp() {
  const me = useMe();
  const navigate = useNavigate();
  const location = useLocation();
  const permissions = me.data?.permissions ?? [];
  const sections = SECTIONS.filter((s) => permissions.includes(s.permission));
  const current = location.pathname.split("/")[2] || sections[0]?.value;
  const section = current === "versions" ? "releases" : current;
  const first = sections[0]?.value === "releases" ? <ReleasesPage /> : <ExecutionsPage />;
  return (
    <Stack>
      <Title order={1} size="h3">
        Console
      </Title>
      <Tabs value={section} onChange={(v) => v && navigate(`/console/${v}`)}>
        <Tabs.List aria-label="Console sections">
          {sections.map((s) => (
            <Tabs.Tab key={s.value} value={s.value}>
              {s.label}
            </Tabs.Tab>
          ))}
        </Tabs.List>
      </Tabs>
      <Routes>
        <Route index element={first} />
        <Route path="releases" element={<ReleasesPage />} />
        <Route path="versions/:id" element={<VersionPage />} />
        <Route path="executions" element={<ExecutionsPage />} />
        <Route path="executions/:id" element={<ExecutionPage />} />
        <Route path="audit" element={<AuditPage />} />
        <Route path="system" element={<SystemPage />} />
        <Route path="*" element={<NotFoundPage />} />
      </Routes>
    </Stack>
  );
}
