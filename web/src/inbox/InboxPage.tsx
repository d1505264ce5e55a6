import { useMemo, useRef, useState } from "react";
import { Link } from "react-router";
import { Alert, Group, NativeSelect, Paper, Stack, Text, TextInput, Title } from "@mantine/core";
import { useVirtualizer } from "@tanstack/react-virtual";
import { messageOf } from "../api/problem";
import { relative, when } from "../shared/format";
import { useInbox, type PendingTask } from "./hooks";
import "./inbox.css";

type Due = "all" | "overdue" | "due";

const DAY = 86_400_000;

export function filterInbox(items: PendingTask[], search: string, due: Due, flowId: string): PendingTask[] {
  const needle = search.trim().toLowerCase();
  const soon = Date.now() + DAY;
  return items.filter((item) => {
    if (flowId && item.flowId !== flowId) return false;
    if (due === "overdue" && !item.overdue) return false;
    if (due === "due" && (!item.dueAt || new Date(item.dueAt).getTime() > soon)) return false;
    if (!needle) return true;
    const text = [item.flowName, item.levelName, ...item.tasks.map((t) => t.name)].join(" ").toLowerCase();
    return text.includes(needle);
  });
}

/** Every row is this tall (inbox.css): the virtualiser places them without measuring. */
const ROW_HEIGHT = 87;

function InboxRow({ item }: { item: PendingTask }) {
  return (
    <Link to={`/instances/${item.instanceId}`} className="inbox-row">
      <span className="inbox-row-main">
        <span className="inbox-row-flow">{item.flowName}</span>
        <span className="inbox-row-step">
          {item.levelName} · {item.tasks.map((t) => t.name).join(", ") || "Sign-off"}
        </span>
        <span className="inbox-row-since">Waiting since {when(item.assignedAt)}</span>
      </span>
      <span className="inbox-row-side">
        {item.overdue && <span className="inbox-row-overdue">Overdue</span>}
        {item.dueAt && (
          <span className="inbox-row-due" data-overdue={item.overdue || undefined}>
            Due {relative(item.dueAt)}
          </span>
        )}
      </span>
    </Link>
  );
}

/** Pending work as a virtualised list: a thousand tasks render as the handful on screen. */
function InboxList({ items }: { items: PendingTask[] }) {
  const parent = useRef<HTMLDivElement>(null);
  const rows = useVirtualizer({ count: items.length, getScrollElement: () => parent.current, estimateSize: () => ROW_HEIGHT, overscan: 8 });
  return (
    <Paper withBorder>
      <div ref={parent} style={{ height: rows.getTotalSize(), maxHeight: "min(70vh, 720px)", overflow: "auto" }} role="list" aria-label="Pending tasks" tabIndex={0}>
        <div style={{ height: rows.getTotalSize(), position: "relative" }}>
          {rows.getVirtualItems().map((row) => (
            <div
              key={items[row.index].instanceId + items[row.index].levelOrder}
              role="listitem"
              style={{ position: "absolute", top: 0, left: 0, width: "100%", height: ROW_HEIGHT, transform: `translateY(${row.start}px)` }}
            >
              <InboxRow item={items[row.index]} />
            </div>
          ))}
        </div>
      </div>
    </Paper>
  );
}

export function InboxPage() {
  const inbox = useInbox({});
  const [search, setSearch] = useState("");
  const [due, setDue] = useState<Due>("all");
  const [flowId, setFlowId] = useState("");
  const items = inbox.data?.items ?? [];
  const flows = useMemo(() => [...new Map(items.map((i) => [i.flowId, i.flowName])).entries()], [items]);
  const shown = useMemo(() => filterInbox(items, search, due, flowId), [items, search, due, flowId]);
  const overdue = items.filter((i) => i.overdue).length;

  return (
    <Stack>
      <Group justify="space-between" align="flex-end">
        <div>
          <Title order={1} size="h2">
            Inbox
          </Title>
          <Text size="sm" aria-live="polite">
            {inbox.data
              ? `${inbox.data.total} pending · ${inbox.data.complete ? `${overdue} overdue` : "loading the rest…"}`
              : "Loading…"}
          </Text>
        </div>
      </Group>
      <Group align="flex-end" wrap="wrap">
        <TextInput label="Search" placeholder="Flow, level or task" value={search} onChange={(e) => setSearch(e.currentTarget.value)} />
        <NativeSelect
          label="Flow"
          value={flowId}
          onChange={(e) => setFlowId(e.currentTarget.value)}
          data={[{ value: "", label: "All flows" }, ...flows.map(([value, label]) => ({ value, label }))]}
        />
        <fieldset className="inbox-due">
          <legend className="visually-hidden">Due</legend>
          {(
            [
              ["all", "All"],
              ["due", "Due within a day"],
              ["overdue", `Overdue (${overdue})`],
            ] as const
          ).map(([value, label]) => (
            <label key={value}>
              <input type="radio" name="inbox-due" value={value} checked={due === value} onChange={() => setDue(value)} />
              {label}
            </label>
          ))}
        </fieldset>
      </Group>
      {inbox.isError && (
        <Alert color="red" role="alert">
          {messageOf(inbox.error)}
        </Alert>
      )}
      {inbox.data && shown.length === 0 ? (
        <Text>{items.length ? "No pending task matches these filters." : "Nothing is waiting for you."}</Text>
      ) : (
        <InboxList items={shown} />
      )}
      {shown.length !== items.length && (
        <Text size="sm">
          Showing {shown.length} of {items.length}
        </Text>
      )}
    </Stack>
  );
}
