// API keys of the company for machine clients: made with some of your permissions, shown
// once, listed by their first characters, revoked at once.
import { useState } from "react";
import {
  Alert,
  Badge,
  Button,
  Card,
  Checkbox,
  Code,
  CopyButton,
  Group,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap, type Schemas } from "../api/client";
import { ApiError, messageOf } from "../api/problem";
import { useMe } from "../auth/useSession";
import { when } from "../shared/format";
import { doneAlert } from "../auth/AuthCard";

type ApiKey = Schemas["ApiKeyOut"];

function NewKeyForm({ onCreated }: { onCreated: (key: Schemas["ApiKeyCreated"]) => void }) {
  const me = useMe();
  const [name, setName] = useState("");
  const [chosen, setChosen] = useState<string[]>([]);
  const [expires, setExpires] = useState("");
  const create = useMutation({
    mutationFn: () =>
      unwrap(() =>
        api.POST("/api-keys", {
          body: {
            name: name.trim(),
            permissions: chosen,
            expiresAt: expires ? new Date(`${expires}T23:59:59`).toISOString() : null,
          },
        }),
      ),
    onSuccess: (key) => {
      setName("");
      setChosen([]);
      setExpires("");
      onCreated(key);
    },
  });
  const errors = create.error instanceof ApiError ? create.error.fieldErrors() : {};
  const permissionErrors = Object.entries(errors)
    .filter(([path]) => path.startsWith("permissions"))
    .map(([, message]) => message);
  return (
    <Card withBorder>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate();
        }}
      >
        <Stack>
          <Title order={2} size="h3">
            New key
          </Title>
          {create.isError && !Object.keys(errors).length && (
            <Alert color="red" role="alert">
              {messageOf(create.error)}
            </Alert>
          )}
          <TextInput
            label="Name"
            description="Who uses it, e.g. Nightly payroll import"
            required
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            error={errors.name}
          />
          <Checkbox.Group
            label="What the key may do"
            description="Only the actions you may do yourself"
            value={chosen}
            onChange={setChosen}
            error={permissionErrors.join("; ") || undefined}
          >
            <SimpleGrid cols={{ base: 1, sm: 2 }} mt="xs">
              {(me.data?.permissions ?? []).map((p) => (
                <Checkbox key={p} value={p} label={p} />
              ))}
            </SimpleGrid>
          </Checkbox.Group>
          <TextInput
            label="Expires on (optional)"
            type="date"
            value={expires}
            onChange={(e) => setExpires(e.currentTarget.value)}
            error={errors.expiresAt}
          />
          <Group>
            <Button type="submit" loading={create.isPending}>
              Create key
            </Button>
          </Group>
        </Stack>
      </form>
    </Card>
  );
}

function KeyRow({ apiKey }: { apiKey: ApiKey }) {
  const client = useQueryClient();
  const revoke = useMutation({
    mutationFn: () => unwrap(() => api.DELETE("/api-keys/{id}", { params: { path: { id: apiKey.id } } })),
    onSuccess: () => void client.invalidateQueries({ queryKey: ["api-keys"] }),
  });
  return (
    <Table.Tr>
      <Table.Td>{apiKey.name}</Table.Td>
      <Table.Td>
        <Code>{apiKey.prefix}…</Code>
      </Table.Td>
      <Table.Td>{apiKey.permissions.join(", ")}</Table.Td>
      <Table.Td>{apiKey.lastUsedAt ? when(apiKey.lastUsedAt) : "Never"}</Table.Td>
      <Table.Td>
        {apiKey.active ? (
          <Group gap="xs" wrap="nowrap">
            <Badge color="teal.9">Active</Badge>
            <Button
              size="xs"
              variant="outline"
              color="red.8"
              loading={revoke.isPending}
              onClick={() => {
                if (window.confirm(`Revoke ${apiKey.name}? Clients using it are refused at once.`)) revoke.mutate();
              }}
              aria-label={`Revoke ${apiKey.name}`}
            >
              Revoke
            </Button>
          </Group>
        ) : (
          <Badge color="gray.7">{apiKey.revokedAt ? "Revoked" : "Expired"}</Badge>
        )}
      </Table.Td>
    </Table.Tr>
  );
}

export function ApiKeysPage() {
  const client = useQueryClient();
  const [created, setCreated] = useState<Schemas["ApiKeyCreated"] | null>(null);
  const keys = useQuery({
    queryKey: ["api-keys"],
    queryFn: () => unwrap(() => api.GET("/api-keys", { params: { query: { limit: 200 } } })),
  });
  return (
    <Stack maw={960}>
      <Title order={1} size="h2">
        API keys
      </Title>
      <Text>
        Scripts and integrations sign in with a key rather than as a person: send it as{" "}
        <Code>Authorization: Bearer erp_…</Code>. Every change made with a key is in the audit trail under its name.
      </Text>
      {created && (
        <Alert {...doneAlert} role="status" title={`Key ${created.name} created`}>
          <Stack gap="xs">
            <Text>Copy it now: it is not shown again.</Text>
            <Code block aria-label="New API key">
              {created.key}
            </Code>
            <Group>
              <CopyButton value={created.key}>
                {({ copied, copy }) => (
                  <Button size="xs" onClick={copy}>
                    {copied ? "Copied" : "Copy key"}
                  </Button>
                )}
              </CopyButton>
              <Button size="xs" variant="subtle" onClick={() => setCreated(null)}>
                Done
              </Button>
            </Group>
          </Stack>
        </Alert>
      )}
      <NewKeyForm
        onCreated={(key) => {
          setCreated(key);
          void client.invalidateQueries({ queryKey: ["api-keys"] });
        }}
      />
      {keys.isError && (
        <Alert color="red" role="alert">
          {messageOf(keys.error)}
        </Alert>
      )}
      <Table.ScrollContainer minWidth={640}>
        <Table aria-label="API keys">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Name</Table.Th>
              <Table.Th>Key</Table.Th>
              <Table.Th>May do</Table.Th>
              <Table.Th>Last used</Table.Th>
              <Table.Th>State</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {(keys.data?.items ?? []).map((k) => (
              <KeyRow key={k.id} apiKey={k} />
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {keys.data && keys.data.items.length === 0 && <Text c="dimmed">No keys yet.</Text>}
    </Stack>
  );
}
