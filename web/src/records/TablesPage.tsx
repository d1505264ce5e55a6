import { Link } from "react-router";
import { Alert, Anchor, Card, SimpleGrid, Stack, Text, Title } from "@mantine/core";
import { messageOf } from "../api/problem";
import { useTables } from "./hooks";

export function TablesPage() {
  const tables = useTables();
  const items = Array.isArray(tables.data) ? tables.data : ((tables.data as { items?: unknown[] } | undefined)?.items ?? []);
  return (
    <Stack>
      <Title order={1} size="h2">
        Records
      </Title>
      {tables.isError && (
        <Alert color="red" role="alert">
          {messageOf(tables.error)}
        </Alert>
      )}
      {tables.data && items.length === 0 && <Text>Your company has no custom tables yet.</Text>}
      <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }}>
        {(items as { id: string; displayName: string; description: string | null; schema: unknown[] }[]).map((t) => (
          <Card withBorder key={t.id}>
            <Anchor component={Link} to={`/records/${t.id}`} fw={600}>
              {t.displayName}
            </Anchor>
            <Text size="sm">{t.description ?? `${t.schema.length} fields`}</Text>
          </Card>
        ))}
      </SimpleGrid>
    </Stack>
  );
}
