import { Link, useNavigate } from "react-router";
import { Alert, Anchor, Badge, Button, Card, Group, SimpleGrid, Stack, Text, Title } from "@mantine/core";
import { messageOf } from "../api/problem";
import { displayName, useMe } from "../auth/useSession";
import { useActiveFlows, useMyInstances, useStartFlow } from "../flows/hooks";
import { useInbox } from "../inbox/hooks";
import { STATUS_COLOR, statusLabel, when } from "../shared/format";
import { useStandaloneForms } from "../tasks/hooks";

export function HomePage() {
  const me = useMe();
  const flows = useActiveFlows();
  const inbox = useInbox({});
  const mine = useMyInstances(me.data?.user.id);
  const start = useStartFlow();
  const forms = useStandaloneForms();
  const canSubmit = (me.data?.permissions ?? []).includes("tasks.submit");
  const navigate = useNavigate();
  const canStart = (me.data?.permissions ?? []).includes("flows.run");
  const instances = mine.data?.items ?? [];
  const open = instances.filter((i) => i.status === "IN_PROGRESS");

  return (
    <Stack>
      <Title order={1} size="h2">
        {me.data ? `Hello, ${displayName(me.data.user)}` : "Home"}
      </Title>
      <Card withBorder>
        <Group justify="space-between">
          <Text>
            {inbox.data ? `${inbox.data.total} task${inbox.data.total === 1 ? "" : "s"} waiting for you` : "Loading your inbox…"}
          </Text>
          <Button component={Link} to="/inbox">
            Open the inbox
          </Button>
        </Group>
      </Card>
      <section aria-labelledby="start-title">
        <Title order={2} size="h3" id="start-title" mb="sm">
          Start a request
        </Title>
        {start.isError && (
          <Alert color="red" role="alert" mb="sm">
            {messageOf(start.error)}
          </Alert>
        )}
        <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }}>
          {(flows.data ?? []).map((flow) => (
            <Card withBorder key={flow.id}>
              <Title order={3} size="h4">
                {flow.name}
              </Title>
              <Text size="sm" mt={4}>
                {flow.description ?? `${flow.levels.length} levels`}
              </Text>
              <Text size="xs" c="gray.7" mt={4}>
                {flow.levels.map((l) => l.name).join(" → ")}
              </Text>
              {canStart && (
                <Button
                  mt="md"
                  aria-label={`Start ${flow.name}`}
                  loading={start.isPending && start.variables === flow.id}
                  onClick={async () => {
                    const instance = await start.mutateAsync(flow.id);
                    navigate(`/instances/${instance.id}`);
                  }}
                >
                  Start
                </Button>
              )}
            </Card>
          ))}
        </SimpleGrid>
        {flows.data?.length === 0 && <Text>No flow is open to you yet.</Text>}
      </section>
      {canSubmit && (forms.data?.length ?? 0) > 0 && (
        <section aria-labelledby="forms-title">
          <Title order={2} size="h3" id="forms-title" mb="sm">
            Forms
          </Title>
          <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }}>
            {forms.data!.map((task) => (
              <Card withBorder key={task.id}>
                <Title order={3} size="h4">
                  {task.name}
                </Title>
                {task.description && (
                  <Text size="sm" mt={4}>
                    {task.description}
                  </Text>
                )}
                <Button mt="md" variant="light" component={Link} to={`/forms/${task.id}`} aria-label={`Fill in ${task.name}`}>
                  Fill in
                </Button>
              </Card>
            ))}
          </SimpleGrid>
        </section>
      )}
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <section aria-labelledby="open-title">
          <Title order={2} size="h3" id="open-title" mb="sm">
            Your open requests
          </Title>
          {open.length === 0 && <Text>None.</Text>}
          <Stack gap="xs">
            {open.map((i) => (
              <Anchor component={Link} to={`/instances/${i.id}`} key={i.id}>
                {i.flowName} · at {i.currentLevelName ?? `level ${i.currentLevelOrder}`} · started {when(i.startedAt)}
              </Anchor>
            ))}
          </Stack>
        </section>
        <section aria-labelledby="recent-title">
          <Title order={2} size="h3" id="recent-title" mb="sm">
            Recent activity
          </Title>
          {instances.length === 0 && <Text>Nothing yet.</Text>}
          <Stack gap="xs">
            {instances.slice(0, 10).map((i) => (
              <Group key={i.id} gap="xs" wrap="nowrap">
                <Badge color={STATUS_COLOR[i.status] ?? "gray.7"} variant="filled" size="sm" style={{ flexShrink: 0, overflow: "visible" }}>
                  {statusLabel(i.status)}
                </Badge>
                <Anchor component={Link} to={`/instances/${i.id}`} size="sm">
                  {i.flowName} · {when(i.completedAt ?? i.startedAt)}
                </Anchor>
              </Group>
            ))}
          </Stack>
        </section>
      </SimpleGrid>
    </Stack>
  );
}
