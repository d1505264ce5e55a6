// The variables a template may use, as the server knows them: those of every trigger that
// sends it (a change may use only what each of them fills), else those of an event type of
// the builder's choosing. Pressing one inserts `{{ name }}` where the body's cursor is.
import { useState } from "react";
import { Badge, Button, Group, NativeSelect, Paper, Stack, Text, Title } from "@mantine/core";
import { offered, type TemplateVariables } from "./templateApi";

interface Props {
  variables: TemplateVariables | undefined;
  used: string[];
  onInsert: (name: string) => void;
}

const EVENT_LABELS: Record<string, string> = {
  TASK_COMPLETED: "A form is submitted",
  TASK_UPDATED: "A submission is changed",
  FIELD_CHANGED: "A field changes",
  TASK_STARTED: "A task is assigned",
  FLOW_STARTED: "A flow starts",
  FLOW_COMPLETED: "A flow completes",
  DATABASE_ROW_CREATED: "A record is added",
  DATABASE_ROW_UPDATED: "A record is changed",
  SCHEDULED: "A schedule fires",
  WEBHOOK_RECEIVED: "A webhook arrives",
};

function Names({ names, label, onInsert }: { names: string[]; label: string; onInsert: (name: string) => void }) {
  return (
    <Group gap={4} role="group" aria-label={label}>
      {offered(names).map((name) => (
        <Button key={name} size="compact-xs" variant="light" onClick={() => onInsert(name)} aria-label={`Insert ${name}`}>
          {`{{ ${name} }}`}
        </Button>
      ))}
    </Group>
  );
}

export function VariablesPanel({ variables, used, onInsert }: Props) {
  const [eventType, setEventType] = useState("FLOW_COMPLETED");
  const senders = variables?.senders ?? [];
  const chosen = variables?.events.find((e) => e.eventType === eventType);
  return (
    <Paper withBorder p="sm" component="section" aria-labelledby="variables-title">
      <Stack gap="xs">
        <Title order={2} size="h6" id="variables-title">
          Variables
        </Title>
        <Text size="sm">Used: {used.length ? used.map((v) => `{{${v}}}`).join(", ") : "none"}</Text>
        {senders.map((s) => (
          <Stack key={s.triggerId} gap={4}>
            <Text size="sm" fw={500}>
              Sent by the trigger “{s.triggerName}” ({EVENT_LABELS[s.eventType] ?? s.eventType})
            </Text>
            {s.variables ? (
              <Names names={s.variables} label={`Variables of ${s.triggerName}`} onInsert={onInsert} />
            ) : (
              <Text size="xs" c="gray.7">
                Its events carry whatever the sender sends: any name.
              </Text>
            )}
          </Stack>
        ))}
        {senders.length === 0 && (
          <Stack gap={4}>
            <Text size="sm" c="gray.7">
              No trigger sends this template yet. What an event offers:
            </Text>
            <NativeSelect
              label="Event"
              data={(variables?.events ?? []).map((e) => ({ value: e.eventType, label: EVENT_LABELS[e.eventType] ?? e.eventType }))}
              value={eventType}
              onChange={(e) => setEventType(e.currentTarget.value)}
            />
            {chosen?.variables ? (
              <Names names={chosen.variables} label="Variables of the event" onInsert={onInsert} />
            ) : (
              <Text size="xs" c="gray.7">
                Any name: the payload is what the sender sends.
              </Text>
            )}
            <Text size="xs" c="gray.7">
              The fields of the form or table a trigger is attached to are variables too (by id, label and <Badge size="xs" variant="light">label_slug</Badge>).
            </Text>
          </Stack>
        )}
      </Stack>
    </Paper>
  );
}
