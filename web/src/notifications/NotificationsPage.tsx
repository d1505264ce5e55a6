import { useState } from "react";
import { Link } from "react-router";
import { Alert, Anchor, Button, Card, Group, Pagination, Stack, Switch, Text, Title } from "@mantine/core";
import { messageOf } from "../api/problem";
import { when } from "../shared/format";
import { useMarkRead, useNotifications } from "./hooks";

/** A notification's link, as an app page when it points into the app. */
function target(link: string | null): string | null {
  if (!link) return null;
  try {
    const url = new URL(link, window.location.origin);
    const path = url.pathname.replace(/^\/flow-instances\//, "/instances/");
    return url.origin === window.location.origin || path.startsWith("/instances/") ? path + url.search : link;
  } catch {
    return null;
  }
}

export function NotificationsPage() {
  const [unreadOnly, setUnreadOnly] = useState(false);
  const [page, setPage] = useState(1);
  const list = useNotifications(unreadOnly, (page - 1) * 50);
  const mark = useMarkRead();
  const items = list.data?.items ?? [];
  const pages = Math.max(1, Math.ceil((list.data?.total ?? 0) / 50));

  return (
    <Stack>
      <Group justify="space-between" align="flex-end">
        <Title order={1} size="h2">
          Notifications
        </Title>
        <Group>
          <Switch label="Unread only" checked={unreadOnly} onChange={(e) => { setUnreadOnly(e.currentTarget.checked); setPage(1); }} />
          <Button variant="default" onClick={() => mark.mutate(null)} loading={mark.isPending}>
            Mark all read
          </Button>
        </Group>
      </Group>
      {list.isError && (
        <Alert color="red" role="alert">
          {messageOf(list.error)}
        </Alert>
      )}
      {list.data && items.length === 0 && <Text>No notifications.</Text>}
      <Stack gap="xs" component="ul" p={0} m={0} style={{ listStyle: "none" }} aria-label="Notifications">
        {items.map((n) => {
          const to = target(n.link);
          return (
            <Card component="li" withBorder key={n.id} bg={n.readAt ? undefined : "blue.0"} aria-label={`${n.title}${n.readAt ? "" : " (unread)"}`}>
              <Group justify="space-between" align="flex-start" wrap="nowrap">
                <div>
                  <Text fw={n.readAt ? 400 : 700}>{n.title}</Text>
                  <Text size="sm" style={{ whiteSpace: "pre-wrap" }}>
                    {n.body}
                  </Text>
                  <Text size="xs" c="gray.7">
                    {when(n.createdAt)}
                  </Text>
                  {to && (
                    <Anchor component={Link} to={to} size="sm">
                      Open
                    </Anchor>
                  )}
                </div>
                {!n.readAt && (
                  <Button size="xs" variant="default" onClick={() => mark.mutate([n.id])} aria-label={`Mark read: ${n.title}`}>
                    Mark read
                  </Button>
                )}
              </Group>
            </Card>
          );
        })}
      </Stack>
      {pages > 1 && <Pagination total={pages} value={page} onChange={setPage} getControlProps={(c) => ({ "aria-label": `Page ${c}` })} />}
    </Stack>
  );
}
