// The palette of field types (GET /field-types, plugins' included) and the form's fields in
// order: drag a type onto the list or press it to add, drag a field to reorder (dnd-kit, with
// the keyboard too), select one to edit its settings, rendered from its type's JSON Schema.
import { useMemo, useState, type ReactNode } from "react";
import {
  DndContext,
  KeyboardSensor,
  PointerSensor,
  closestCenter,
  useDraggable,
  useDroppable,
  useSensor,
  useSensors,
  type DragEndEvent,
} from "@dnd-kit/core";
import { SortableContext, arrayMove, sortableKeyboardCoordinates, useSortable, verticalListSortingStrategy } from "@dnd-kit/sortable";
import { CSS } from "@dnd-kit/utilities";
import { ActionIcon, Badge, Card, Group, Paper, ScrollArea, Stack, Text, Title, UnstyledButton } from "@mantine/core";
import { IconGripVertical, IconTrash, IconPlus } from "@tabler/icons-react";
import Form from "@rjsf/mantine";
import validator from "@rjsf/validator-ajv8";
import type { FieldDef } from "../../forms/types";
import type { FieldType } from "../api";
import type { PathProblem } from "../problems";
import { cleanField, fieldErrors, fieldSchema, fieldUiSchema } from "./fieldSchema";

export interface FieldsEditorProps {
  fields: FieldDef[];
  onChange: (fields: FieldDef[]) => void;
  types: FieldType[];
  selected: string | null;
  onSelect: (id: string | null) => void;
  /** A server problem per field index. */
  problemAt?: (index: number) => string | undefined;
  /** The server's problems, shown on the settings they name. */
  problems?: PathProblem[];
  /** More settings under the field's own (its logic, for a task). */
  extra?: (field: FieldDef) => ReactNode;
}

export function newFieldId(fields: FieldDef[], type: string): string {
  const base = type.replace(/[^A-Za-z0-9]+/g, "_");
  let n = fields.length + 1;
  while (fields.some((f) => f.id === `${base}_${n}`)) n += 1;
  return `${base}_${n}`;
}

export function newField(fields: FieldDef[], type: FieldType): FieldDef {
  const field: FieldDef = { id: newFieldId(fields, type.name), type: type.name, label: type.label };
  if (type.options) field.options = ["Option 1", "Option 2"];
  return field;
}

function PaletteItem({ type, onAdd }: { type: FieldType; onAdd: () => void }) {
  const { attributes, listeners, setNodeRef, transform, isDragging } = useDraggable({ id: `palette:${type.name}` });
  return (
    <Paper
      ref={setNodeRef}
      withBorder
      p={6}
      style={{ transform: CSS.Translate.toString(transform), opacity: isDragging ? 0.6 : 1, cursor: "grab", touchAction: "none" }}
      {...listeners}
      {...attributes}
      aria-roledescription="field type"
      aria-label={`${type.label} field type`}
    >
      <Group gap={6} wrap="nowrap" justify="space-between">
        <Text size="sm">{type.label}</Text>
        <ActionIcon
          size="sm"
          variant="subtle"
          aria-label={`Add a ${type.label} field`}
          onPointerDown={(e) => e.stopPropagation()}
          onKeyDown={(e) => e.stopPropagation()}
          onClick={onAdd}
        >
          <IconPlus size={14} aria-hidden />
        </ActionIcon>
      </Group>
    </Paper>
  );
}

function FieldCard({
  field,
  index,
  selected,
  problem,
  typeLabel,
  onSelect,
  onRemove,
}: {
  field: FieldDef;
  index: number;
  selected: boolean;
  problem?: string;
  typeLabel: string;
  onSelect: () => void;
  onRemove: () => void;
}) {
  const { attributes, listeners, setNodeRef, transform, transition, isDragging } = useSortable({ id: `field:${index}` });
  return (
    <Card
      ref={setNodeRef}
      withBorder
      padding="xs"
      style={{
        transform: CSS.Transform.toString(transform),
        transition,
        opacity: isDragging ? 0.7 : 1,
        borderColor: problem ? "var(--mantine-color-red-7)" : selected ? "var(--mantine-color-blue-7)" : undefined,
        borderWidth: selected || problem ? 2 : 1,
      }}
      aria-label={`Field ${field.label || field.id}`}
      aria-current={selected ? "true" : undefined}
    >
      <Group gap="xs" wrap="nowrap" align="flex-start">
        <ActionIcon variant="subtle" color="gray" aria-label={`Move ${field.label || field.id}`} style={{ cursor: "grab", touchAction: "none" }} {...listeners} {...attributes}>
          <IconGripVertical size={16} aria-hidden />
        </ActionIcon>
        <UnstyledButton onClick={onSelect} style={{ flex: 1, minWidth: 0 }} aria-label={`Edit ${field.label || field.id}`}>
          <Group gap={6} wrap="wrap">
            <Text fw={500} size="sm">
              {field.label || field.id}
            </Text>
            {field.required && <Text c="red.8" size="sm" aria-label="required">*</Text>}
            <Badge size="xs" variant="light">{typeLabel}</Badge>
          </Group>
          <Text size="xs" c="gray.7">
            {field.id}
          </Text>
          {problem && (
            <Text size="xs" c="red.8" role="alert">
              {problem}
            </Text>
          )}
        </UnstyledButton>
        <ActionIcon variant="subtle" color="red.8" aria-label={`Remove ${field.label || field.id}`} onClick={onRemove}>
          <IconTrash size={16} aria-hidden />
        </ActionIcon>
      </Group>
    </Card>
  );
}

function DropList({ children, empty }: { children: ReactNode; empty: boolean }) {
  const { setNodeRef, isOver } = useDroppable({ id: "fields" });
  return (
    <Stack
      ref={setNodeRef}
      gap="xs"
      mih={120}
      p="xs"
      style={{ border: `2px dashed ${isOver ? "var(--mantine-color-blue-6)" : "var(--mantine-color-gray-4)"}`, borderRadius: 8 }}
      aria-label="Fields of the form"
    >
      {empty ? (
        <Text c="gray.7" size="sm" ta="center" py="lg">
          Drag a field type here, or press its +.
        </Text>
      ) : (
        children
      )}
    </Stack>
  );
}

export function FieldsEditor({ fields, onChange, types, selected, onSelect, problemAt, problems, extra }: FieldsEditorProps) {
  const sensors = useSensors(
    useSensor(PointerSensor, { activationConstraint: { distance: 4 } }),
    useSensor(KeyboardSensor, { coordinateGetter: sortableKeyboardCoordinates }),
  );
  const byName = useMemo(() => new Map(types.map((t) => [t.name, t])), [types]);
  const [announce, setAnnounce] = useState("");
  const selectedIndex = fields.findIndex((f) => f.id === selected);
  const current = selectedIndex >= 0 ? fields[selectedIndex] : undefined;

  const add = (type: FieldType, at = fields.length) => {
    const field = newField(fields, type);
    const next = [...fields.slice(0, at), field, ...fields.slice(at)];
    onChange(next);
    onSelect(field.id);
    setAnnounce(`${type.label} field added`);
  };

  const onDragEnd = ({ active, over }: DragEndEvent) => {
    const id = String(active.id);
    if (id.startsWith("palette:")) {
      if (!over) return;
      const type = byName.get(id.slice("palette:".length));
      const overId = String(over.id);
      if (type) add(type, overId.startsWith("field:") ? Number(overId.slice(6)) + 1 : fields.length);
      return;
    }
    if (!over || over.id === active.id || !String(over.id).startsWith("field:")) return;
    const from = Number(id.slice(6));
    const to = Number(String(over.id).slice(6));
    onChange(arrayMove(fields, from, to));
  };

  const grouped = useMemo(() => {
    const groups = new Map<string, FieldType[]>();
    for (const t of types) {
      const group = t.plugin.startsWith("plugins.") ? "Built in" : t.plugin;
      groups.set(group, [...(groups.get(group) ?? []), t]);
    }
    return [...groups.entries()];
  }, [types]);

  return (
    <DndContext sensors={sensors} collisionDetection={closestCenter} onDragEnd={onDragEnd}>
      <div className="studio-fields-grid">
        <Stack gap={6} aria-label="Field types" role="region">
          <Title order={3} size="h6">
            Field types
          </Title>
          {grouped.map(([group, list]) => (
            <Stack key={group} gap={4} className="studio-palette">
              {grouped.length > 1 && (
                <Text size="xs" c="gray.7">
                  {group}
                </Text>
              )}
              {list.map((t) => (
                <PaletteItem key={t.name} type={t} onAdd={() => add(t)} />
              ))}
            </Stack>
          ))}
        </Stack>
        <Stack gap={6}>
          <Title order={3} size="h6">
            Fields
          </Title>
          <SortableContext items={fields.map((_, i) => `field:${i}`)} strategy={verticalListSortingStrategy}>
            <DropList empty={fields.length === 0}>
              {fields.map((field, index) => (
                <FieldCard
                  key={`${index}:${field.id}`}
                  field={field}
                  index={index}
                  selected={field.id === selected}
                  problem={problemAt?.(index)}
                  typeLabel={byName.get(field.type)?.label ?? field.type}
                  onSelect={() => onSelect(field.id)}
                  onRemove={() => {
                    onChange(fields.filter((_, i) => i !== index));
                    if (field.id === selected) onSelect(null);
                  }}
                />
              ))}
            </DropList>
          </SortableContext>
          <Text size="xs" c="gray.7" aria-live="polite">
            {announce}
          </Text>
        </Stack>
        <Stack gap={6} role="region" aria-label="Field settings">
          <Title order={3} size="h6">
            {current ? `Settings of ${current.label || current.id}` : "Settings"}
          </Title>
          {current ? (
            <ScrollArea.Autosize mah="70vh" offsetScrollbars>
              <Form
                key={`${selectedIndex}:${current.type}`}
                schema={fieldSchema(byName.get(current.type))}
                uiSchema={fieldUiSchema}
                formData={current}
                extraErrors={fieldErrors(problems ?? [], selectedIndex)}
                validator={validator}
                liveValidate
                showErrorList={false}
                onChange={(e) => {
                  const data = cleanField({ ...(e.formData as FieldDef), type: current.type });
                  if (JSON.stringify(data) === JSON.stringify(cleanField(current as unknown as Record<string, unknown>))) return;
                  onChange(fields.map((f, i) => (i === selectedIndex ? (data as FieldDef) : f)));
                  if (data.id !== current.id) onSelect(data.id);
                }}
              />
              {extra?.(current)}
            </ScrollArea.Autosize>
          ) : (
            <Text c="gray.7" size="sm">
              Select a field to edit it.
            </Text>
          )}
        </Stack>
      </div>
    </DndContext>
  );
}
