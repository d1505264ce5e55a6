// Who may do what with the table's records: per role (the platform's MANAGER and EMPLOYEE and
// the company's roles), read, create, update and delete on all records, their own or none; and
// per field, writable, read-only or hidden. The choices, their names and the defaults come from
// the server's JSON Schema of permissions; a role left at the defaults is not stored.
import { Button, NativeSelect, Paper, Stack, Table, Text, Title } from "@mantine/core";
import { messageAt, type PathProblem } from "../problems";
import { choicesOf, type Column, type Permissions, type RoleGrants } from "./tableApi";

const ACTIONS = ["read", "create", "update", "delete"] as const;

interface Props {
  permissions: Permissions;
  columns: Column[];
  roles: { name: string; label: string }[];
  schema: Record<string, unknown> | undefined;
  problems: PathProblem[];
  onChange: (permissions: Permissions) => void;
}

function roleSchema(schema: Record<string, unknown> | undefined) {
  const role = (schema?.additionalProperties ?? {}) as { properties?: Record<string, Record<string, unknown>> };
  return role.properties ?? {};
}

/** The grants without what equals the defaults; null when nothing is left. */
export function trimmed(grants: RoleGrants, defaults: Record<string, string>): RoleGrants | null {
  const out: RoleGrants = {};
  for (const action of ACTIONS) {
    const value = grants[action];
    if (value !== undefined && value !== defaults[action]) out[action] = value;
  }
  const fields = Object.fromEntries(Object.entries(grants.fields ?? {}).filter(([, access]) => access !== "write"));
  if (Object.keys(fields).length) out.fields = fields;
  return Object.keys(out).length ? out : null;
}

export function PermissionsEditor({ permissions, columns, roles, schema, problems, onChange }: Props) {
  const properties = roleSchema(schema);
  const defaults = Object.fromEntries(ACTIONS.map((a) => [a, String(properties[a]?.default ?? "all")]));
  const access = choicesOf((properties.fields?.additionalProperties ?? {}) as Record<string, unknown>);
  const set = (role: string, grants: RoleGrants) => {
    const next = { ...permissions };
    const kept = trimmed(grants, defaults);
    if (kept) next[role] = kept;
    else delete next[role];
    onChange(next);
  };
  const named = [...roles, ...Object.keys(permissions).filter((r) => !roles.some((x) => x.name === r)).map((name) => ({ name, label: name }))];

  return (
    <Stack maw={1000}>
      <Paper withBorder p="md" component="section" aria-labelledby="grants-title">
        <Title order={2} size="h5" id="grants-title">
          What each role may do with the records
        </Title>
        <Text size="sm" c="gray.7" mb="sm">
          {(schema?.description as string) ?? ""}
        </Text>
        <Table.ScrollContainer minWidth={640}>
          <Table aria-label="Record permissions by role">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Role</Table.Th>
                {ACTIONS.map((a) => (
                  <Table.Th key={a}>{String(properties[a]?.title ?? a)}</Table.Th>
                ))}
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {named.map(({ name, label }) => {
                const grants = permissions[name] ?? {};
                return (
                  <Table.Tr key={name}>
                    <Table.Th scope="row">{label}</Table.Th>
                    {ACTIONS.map((action) => (
                      <Table.Td key={action}>
                        <NativeSelect
                          aria-label={`${String(properties[action]?.title ?? action)} (${label})`}
                          data={choicesOf(properties[action])}
                          value={grants[action] ?? defaults[action]}
                          onChange={(e) => set(name, { ...grants, [action]: e.currentTarget.value })}
                          error={messageAt(problems, "permissions", name, action)}
                        />
                      </Table.Td>
                    ))}
                    <Table.Td>
                      {permissions[name] ? (
                        <Button size="compact-xs" variant="subtle" onClick={() => set(name, {})}>
                          Defaults
                        </Button>
                      ) : (
                        <Text size="xs" c="gray.7">
                          defaults
                        </Text>
                      )}
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
        {named.map(({ name, label }) => {
          const message = messageAt(problems, "permissions", name);
          return message ? (
            <Text key={name} c="red.8" size="sm" role="alert">
              {label}: {message}
            </Text>
          ) : null;
        })}
      </Paper>
      <Paper withBorder p="md" component="section" aria-labelledby="fields-title">
        <Title order={2} size="h5" id="fields-title">
          {String(properties.fields?.title ?? "Field access")}
        </Title>
        <Text size="sm" c="gray.7" mb="sm">
          {String(properties.fields?.description ?? "")}
        </Text>
        {columns.length === 0 ? (
          <Text size="sm">The table has no columns yet.</Text>
        ) : (
          <Table.ScrollContainer minWidth={480}>
            <Table aria-label="Field access by role">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Column</Table.Th>
                  {named.map((r) => (
                    <Table.Th key={r.name}>{r.label}</Table.Th>
                  ))}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {columns.map((column) => (
                  <Table.Tr key={column.id}>
                    <Table.Th scope="row">{column.label || column.id}</Table.Th>
                    {named.map(({ name, label }) => {
                      const grants = permissions[name] ?? {};
                      return (
                        <Table.Td key={name}>
                          <NativeSelect
                            aria-label={`${column.label || column.id} for ${label}`}
                            data={access}
                            value={grants.fields?.[column.id] ?? "write"}
                            onChange={(e) => set(name, { ...grants, fields: { ...(grants.fields ?? {}), [column.id]: e.currentTarget.value } })}
                            error={messageAt(problems, "permissions", name, "fields", column.id)}
                          />
                        </Table.Td>
                      );
                    })}
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Paper>
    </Stack>
  );
}
