// The flow designer: levels in order as nodes on a canvas (React Flow), branches as edges
// with their condition and priority; a level's tasks, roles, completion (any, all, N of M),
// deadline and rejection rule in a side panel; the server's checks shown on the nodes and
// edges they concern; a simulation by the server of the path sample data per level would take.
import { useEffect, useMemo, useState } from "react";
import { useNavigate, useParams } from "react-router";
import {
  Background,
  Controls,
  Handle,
  MarkerType,
  Position,
  ReactFlow,
  type Connection,
  type Edge,
  type ReactFlowInstance,
  type Node,
  type NodeProps,
} from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import {
  Alert,
  Badge,
  Button,
  Card,
  Code,
  Group,
  JsonInput,
  List,
  Loader,
  MultiSelect,
  NativeSelect,
  NumberInput,
  SegmentedControl,
  Stack,
  Tabs,
  Text,
  TextInput,
  Textarea,
  Title,
} from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, unwrap, type Schemas } from "../../api/client";
import { messageOf } from "../../api/problem";
import type { FieldDef } from "../../forms/types";
import { keys, useFlow, useRoles, useTasks, type Task } from "../api";
import { ExplanationTree, type ExplanationNode } from "../conditions/ExplanationTree";
import { RuleBuilder } from "../conditions/RuleBuilder";
import { messageAt, problemsOf, segments, type PathProblem } from "../problems";
import { PublishButton, ReleaseBadge } from "../publish/PublishPanel";

export const END = "END";

interface LevelConfig {
  completion?: "any" | "all" | number;
  deadlineHours?: number;
  onDeadline?: { action: "notify" | "escalate" | "reject"; userId?: string };
  onReject?: "fail" | { sendBackTo: number | string };
  decision?: { field: string; rejectValues?: string[] };
  [key: string]: unknown;
}

export interface LevelDraft {
  name: string;
  description?: string | null;
  taskIds: string[];
  roles: string[];
  config: LevelConfig;
}

export interface BranchDraft {
  name: string;
  fromLevel: number;
  toLevel: number | string;
  conditions: unknown;
  priority: number;
}

export interface FlowDraft {
  name: string;
  description: string;
  levels: LevelDraft[];
  branches: BranchDraft[];
}

const EMPTY: FlowDraft = { name: "", description: "", levels: [], branches: [] };

/** Levels move: branches follow their levels (orders are positions + 1). */
export function moveLevel(draft: FlowDraft, from: number, to: number): FlowDraft {
  if (to < 0 || to >= draft.levels.length) return draft;
  const levels = [...draft.levels];
  const [level] = levels.splice(from, 1);
  levels.splice(to, 0, level);
  const order = draft.levels.map((_, i) => i); // old index by new position
  const [moved] = order.splice(from, 1);
  order.splice(to, 0, moved);
  const newOrder = (old: number) => order.indexOf(old - 1) + 1;
  const remap = (target: number | string) => (typeof target === "number" ? newOrder(target) : target);
  return {
    ...draft,
    levels: levels.map((l) => {
      const back = l.config.onReject;
      return typeof back === "object" && typeof back.sendBackTo === "number"
        ? { ...l, config: { ...l.config, onReject: { sendBackTo: newOrder(back.sendBackTo) } } }
        : l;
    }),
    branches: draft.branches.map((b) => ({ ...b, fromLevel: newOrder(b.fromLevel), toLevel: remap(b.toLevel) })),
  };
}

export function removeLevel(draft: FlowDraft, index: number): FlowDraft {
  const order = index + 1;
  const shift = (n: number) => (n > order ? n - 1 : n);
  return {
    ...draft,
    levels: draft.levels.filter((_, i) => i !== index),
    branches: draft.branches
      .filter((b) => b.fromLevel !== order && b.toLevel !== order)
      .map((b) => ({ ...b, fromLevel: shift(b.fromLevel), toLevel: typeof b.toLevel === "number" ? shift(b.toLevel) : b.toLevel })),
  };
}

function fieldsUpTo(draft: FlowDraft, order: number, tasks: Task[]): FieldDef[] {
  const byId = new Map(tasks.map((t) => [t.id, t]));
  return draft.levels
    .slice(0, order)
    .flatMap((l) => l.taskIds.flatMap((id) => (byId.get(id)?.fields ?? []) as unknown as FieldDef[]));
}

function completionText(c: LevelConfig["completion"]): string {
  if (c === "all") return "everyone asked";
  if (typeof c === "number" && c > 1) return `${c} of those asked`;
  return "any one";
}

interface LevelNodeData extends Record<string, unknown> {
  level: LevelDraft;
  order: number;
  problem?: string;
  selected: boolean;
  taskNames: string[];
}

function LevelNode({ data }: NodeProps<Node<LevelNodeData>>) {
  const { level, order, problem, selected, taskNames } = data;
  return (
    <Card
      withBorder
      padding="xs"
      w={230}
      style={{
        borderColor: problem ? "var(--mantine-color-red-7)" : selected ? "var(--mantine-color-blue-7)" : undefined,
        borderWidth: problem || selected ? 2 : 1,
      }}
      aria-label={`Level ${order}: ${level.name}`}
    >
      <Handle type="target" position={Position.Top} />
      <Group gap={4} wrap="nowrap">
        <Badge size="sm" circle>
          {order}
        </Badge>
        <Text fw={600} size="sm" truncate>
          {level.name || "(no name)"}
        </Text>
      </Group>
      <Text size="xs" c="gray.7" truncate>
        {taskNames.length ? taskNames.join(", ") : "no task (approval only)"}
      </Text>
      <Text size="xs">
        {level.roles.length ? level.roles.join(", ") : "initiator"} · {completionText(level.config.completion)}
        {level.config.deadlineHours ? ` · ${level.config.deadlineHours} h` : ""}
      </Text>
      {problem && (
        <Text size="xs" c="red.8" role="alert">
          {problem}
        </Text>
      )}
      <Handle type="source" position={Position.Bottom} />
    </Card>
  );
}

function EndNode() {
  return (
    <Card withBorder padding="xs" w={120} bg="gray.1" aria-label="End of the flow">
      <Handle type="target" position={Position.Top} />
      <Text size="sm" ta="center" fw={600}>
        End
      </Text>
    </Card>
  );
}

const NODE_TYPES = { level: LevelNode, end: EndNode };

type Simulation = Schemas["SimulationOut"];
type SimulatedLevel = Schemas["SimulatedLevelOut"];

function outcomeText(level: SimulatedLevel): string {
  switch (level.outcome) {
    case "branch":
      return `on to level ${level.nextLevel}`;
    case "next":
      return `${level.branches.length ? "no branch holds: " : ""}on to level ${level.nextLevel}`;
    case "end":
      return level.branches.length && !level.branches.some((b) => b.taken) ? "no branch holds: the flow completes" : "the flow completes";
    case "send_back":
      return `rejected by its decision field: sent back to level ${level.nextLevel}`;
    case "fail":
      return "rejected by its decision field: the flow fails";
    case "loop":
      return "reached again with the same data: the instance would loop here";
  }
}

function pathText(simulation: Simulation): string {
  const end = simulation.outcome === "completed" ? "end" : simulation.outcome === "rejected" ? "rejected" : "loops";
  return [...simulation.path, end].join(" → ");
}

export function FlowDesigner() {
  const { id } = useParams();
  const navigate = useNavigate();
  const client = useQueryClient();
  const flow = useFlow(id);
  const tasks = useTasks();
  const roles = useRoles();
  const [draft, setDraft] = useState<FlowDraft>(EMPTY);
  const [selection, setSelection] = useState<{ kind: "level" | "branch"; index: number } | null>(null);
  const [problems, setProblems] = useState<PathProblem[]>([]);
  const [checked, setChecked] = useState<string | null>(null);
  const [samples, setSamples] = useState<Record<number, string>>({});
  const [simulation, setSimulation] = useState<Simulation | null>(null);
  const [sampleProblems, setSampleProblems] = useState<PathProblem[]>([]);

  useEffect(() => {
    if (!flow.data) return;
    setDraft({
      name: flow.data.name,
      description: flow.data.description ?? "",
      levels: [...flow.data.levels]
        .sort((a, b) => a.order - b.order)
        .map((l) => ({
          name: l.name,
          description: l.description,
          taskIds: l.tasks.map((t) => t.id),
          roles: l.roles.map((r) => r.name),
          config: (l.config ?? {}) as LevelConfig,
        })),
      branches: flow.data.branches.map((b) => ({
        name: b.name,
        fromLevel: b.fromLevel ?? 1,
        toLevel: b.toLevel ?? END,
        conditions: b.conditions,
        priority: b.priority,
      })),
    });
  }, [flow.data]);

  const body = useMemo(
    () => ({
      name: draft.name.trim(),
      description: draft.description.trim() || null,
      levels: draft.levels.map((l, i) => ({
        order: i + 1,
        name: l.name,
        description: l.description ?? null,
        taskIds: l.taskIds,
        roles: l.roles,
        config: l.config as Record<string, unknown>,
      })),
      branches: draft.branches.map((b) => ({ ...b, conditions: b.conditions ?? true })),
    }),
    [draft],
  );

  const save = useMutation({
    mutationFn: () =>
      id
        ? unwrap(() => api.PUT("/flows/{flow_id}", { params: { path: { flow_id: id } }, body }))
        : unwrap(() => api.POST("/flows", { body })),
    onMutate: () => {
      setProblems([]);
      setChecked(null);
    },
    onError: (error) => setProblems(problemsOf(error)),
    onSuccess: (out) => {
      setChecked("Saved.");
      client.invalidateQueries({ queryKey: keys.flows });
      client.invalidateQueries({ queryKey: ["studio", "preview"] });
      if (!id) navigate(`/studio/flows/${out.id}`, { replace: true });
      else client.setQueryData(keys.flow(id), out);
    },
  });

  const check = useMutation({
    mutationFn: () => unwrap(() => api.GET("/flows/{flow_id}/check", { params: { path: { flow_id: id! } } })),
    onSuccess: (out) => {
      setProblems(out.problems);
      setChecked(out.ok ? "The server's checks pass: the flow can be published." : null);
    },
  });

  // The levels whose sample is sent, in the order sent: the server's problems name them so.
  const sampleOrders = draft.levels.map((_, i) => i + 1).filter((o) => (samples[o] ?? "").trim() !== "");
  const run = useMutation({
    mutationFn: async () => {
      const levels = sampleOrders.map((order) => ({ order, data: JSON.parse(samples[order]) as Record<string, unknown> }));
      // The server simulates the flow as saved: save the draft first.
      await unwrap(() => api.PUT("/flows/{flow_id}", { params: { path: { flow_id: id! } }, body }));
      return unwrap(() => api.POST("/flows/{flow_id}/simulate", { params: { path: { flow_id: id! } }, body: { levels } }));
    },
    onMutate: () => {
      setSampleProblems([]);
      setSimulation(null);
    },
    onSuccess: (out) => {
      setSimulation(out);
      setProblems([]);
      client.invalidateQueries({ queryKey: keys.flow(id!) });
    },
    onError: (error) => {
      const found = problemsOf(error);
      // Samples that do not fit name /levels/{i}/data (i: the i-th sample sent); a flow that
      // cannot run names its levels and branches, shown on the canvas.
      setSampleProblems(found.filter((p) => /^\/levels\/\d+\/(data|order)/.test(p.path)));
      setProblems(found.filter((p) => !/^\/levels\/\d+\/(data|order)/.test(p.path)));
    },
  });
  const sampleProblem = (order: number) => {
    const sent = sampleOrders.indexOf(order);
    return sent < 0 ? undefined : messageAt(sampleProblems, "levels", String(sent));
  };
  const takenBranches = new Set((simulation?.levels ?? []).flatMap((l) => l.branches.filter((b) => b.taken).map((b) => b.index)));

  // Levels added or removed: the canvas fits them all again (fitView alone only fits at first).
  const [canvas, setCanvas] = useState<ReactFlowInstance | null>(null);
  useEffect(() => {
    if (!canvas) return;
    const frame = requestAnimationFrame(() => canvas.fitView({ padding: 0.2 }));
    return () => cancelAnimationFrame(frame);
  }, [canvas, draft.levels.length, draft.branches.length]);

  const taskName = useMemo(() => new Map((tasks.data ?? []).map((t) => [t.id, t.name])), [tasks.data]);

  const levelProblem = (i: number) => messageAt(problems, "levels", String(i));
  const branchProblem = (i: number) => messageAt(problems, "branches", String(i));
  const general = problems.filter((p) => {
    const s = segments(p.path);
    return !((s[0] === "levels" || s[0] === "branches") && s.length > 1 && /^\d+$/.test(s[1]));
  });

  const nodes: Node[] = [
    ...draft.levels.map((level, i) => ({
      id: String(i + 1),
      type: "level",
      position: { x: 0, y: i * 150 },
      data: {
        level,
        order: i + 1,
        problem: levelProblem(i),
        selected: selection?.kind === "level" && selection.index === i,
        taskNames: level.taskIds.map((t) => taskName.get(t) ?? t),
      } satisfies LevelNodeData,
    })),
    { id: END, type: "end", position: { x: 330, y: Math.max(0, draft.levels.length - 1) * 150 + 75 }, data: {} },
  ];
  const edges: Edge[] = [
    ...draft.levels.map((_, i) => ({
      id: `next-${i + 1}`,
      source: String(i + 1),
      target: i + 1 < draft.levels.length ? String(i + 2) : END,
      style: { strokeDasharray: "4 4", stroke: "var(--mantine-color-gray-6)" },
      label: "next",
      selectable: false,
    })),
    ...draft.branches.map((b, i) => ({
      id: `branch-${i}`,
      source: String(b.fromLevel),
      target: b.toLevel === END || b.toLevel === null ? END : String(b.toLevel),
      label: `${b.name} (${b.priority})${branchProblem(i) ? " ⚠" : ""}${takenBranches.has(i) ? " ✓ taken" : ""}`,
      type: "default",
      animated: takenBranches.has(i),
      markerEnd: { type: MarkerType.ArrowClosed },
      style: {
        stroke: branchProblem(i) ? "var(--mantine-color-red-7)" : takenBranches.has(i) ? "var(--mantine-color-teal-8)" : "var(--mantine-color-blue-7)",
        strokeWidth: takenBranches.has(i) ? 3 : 2,
      },
      labelStyle: { fill: branchProblem(i) ? "var(--mantine-color-red-8)" : undefined, fontWeight: 600 },
      ariaLabel: `Branch ${b.name}`,
    })),
  ];

  const onConnect = (c: Connection) => {
    if (!c.source || !c.target || c.source === END) return;
    const branch: BranchDraft = {
      name: `Branch ${draft.branches.length + 1}`,
      fromLevel: Number(c.source),
      toLevel: c.target === END ? END : Number(c.target),
      conditions: null,
      priority: draft.branches.filter((b) => b.fromLevel === Number(c.source)).length + 1,
    };
    setDraft({ ...draft, branches: [...draft.branches, branch] });
    setSelection({ kind: "branch", index: draft.branches.length });
  };

  const setLevel = (i: number, patch: Partial<LevelDraft>) =>
    setDraft((d) => ({ ...d, levels: d.levels.map((l, j) => (j === i ? { ...l, ...patch } : l)) }));
  const setConfig = (i: number, patch: Partial<LevelConfig>) =>
    setDraft((d) => ({
      ...d,
      levels: d.levels.map((l, j) => {
        if (j !== i) return l;
        const config = { ...l.config, ...patch };
        for (const k of Object.keys(config)) if (config[k] === undefined) delete config[k];
        return { ...l, config };
      }),
    }));
  const setBranch = (i: number, patch: Partial<BranchDraft>) =>
    setDraft((d) => ({ ...d, branches: d.branches.map((b, j) => (j === i ? { ...b, ...patch } : b)) }));

  if (id && flow.isPending) return <Loader aria-label="Loading" />;
  if (flow.error) return <Alert color="red">{messageOf(flow.error)}</Alert>;

  const levelOptions = draft.levels.map((l, i) => ({ value: String(i + 1), label: `${i + 1}. ${l.name}` }));
  const current = selection ? (selection.kind === "level" ? draft.levels[selection.index] : draft.branches[selection.index]) : undefined;

  return (
    <Stack>
      <Group justify="space-between" wrap="wrap">
        <Group gap="xs">
          <Title order={1} size="h3">
            {id ? draft.name || "Flow" : "New flow"}
          </Title>
          {flow.data && <Badge variant="outline">{flow.data.status}</Badge>}
          <ReleaseBadge entityType="Flow" entityId={id} />
        </Group>
        <Group gap="xs">
          <Button onClick={() => save.mutate()} loading={save.isPending} disabled={!draft.name.trim()}>
            Save draft
          </Button>
          <Button variant="default" onClick={() => check.mutate()} loading={check.isPending} disabled={!id}>
            Check
          </Button>
          <PublishButton
            entityType="Flow"
            entityId={id}
            before={async () => {
              await unwrap(() => api.PUT("/flows/{flow_id}", { params: { path: { flow_id: id! } }, body }));
              await unwrap(() => api.POST("/flows/{flow_id}/publish", { params: { path: { flow_id: id! } } }));
            }}
          />
        </Group>
      </Group>
      {checked && (
        <Text c="green.8" role="status">
          {checked}
        </Text>
      )}
      {problems.length > 0 && (
        <Alert color="red" title="The flow has problems" role="alert">
          {problems.length} problem{problems.length > 1 ? "s" : ""}, shown on the levels and branches they concern.
          {general.map((p) => (
            <Text key={p.path + p.message} size="sm">
              <Code>{p.path}</Code> {p.message}
            </Text>
          ))}
        </Alert>
      )}
      {save.error && problems.length === 0 && <Alert color="red">{messageOf(save.error)}</Alert>}
      {check.error && <Alert color="red">{messageOf(check.error)}</Alert>}
      <Group grow align="flex-start" wrap="wrap">
        <TextInput label="Name" required value={draft.name} onChange={(e) => setDraft({ ...draft, name: e.currentTarget.value })} miw={220} />
        <Textarea label="Description" autosize minRows={1} value={draft.description} onChange={(e) => setDraft({ ...draft, description: e.currentTarget.value })} miw={220} />
      </Group>
      <Tabs defaultValue="design" keepMounted={false}>
        <Tabs.List>
          <Tabs.Tab value="design">Design</Tabs.Tab>
          <Tabs.Tab value="simulate">Simulate</Tabs.Tab>
          <Tabs.Tab value="json">JSON</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="design" pt="md">
          <div className="studio-split">
            <Stack gap="xs">
              <Group gap="xs">
                <Button
                  size="xs"
                  variant="light"
                  onClick={() => {
                    setDraft({ ...draft, levels: [...draft.levels, { name: `Level ${draft.levels.length + 1}`, taskIds: [], roles: [], config: {} }] });
                    setSelection({ kind: "level", index: draft.levels.length });
                  }}
                >
                  Add a level
                </Button>
                <Button
                  size="xs"
                  variant="light"
                  disabled={draft.levels.length === 0}
                  onClick={() => {
                    const from = draft.levels.length > 1 ? 1 : 1;
                    onConnect({ source: String(from), target: END, sourceHandle: null, targetHandle: null });
                  }}
                >
                  Add a branch
                </Button>
                <Text size="xs" c="gray.7">
                  Drag from a level's lower handle to another level (or End) to add a branch.
                </Text>
              </Group>
              <div className="studio-canvas" role="region" aria-label="Flow canvas">
                <ReactFlow
                  nodes={nodes}
                  edges={edges}
                  nodeTypes={NODE_TYPES}
                  onConnect={onConnect}
                  onInit={setCanvas}
                  onNodeClick={(_e, node) => node.id !== END && setSelection({ kind: "level", index: Number(node.id) - 1 })}
                  onEdgeClick={(_e, edge) => edge.id.startsWith("branch-") && setSelection({ kind: "branch", index: Number(edge.id.slice(7)) })}
                  nodesDraggable={false}
                  fitView
                  fitViewOptions={{ padding: 0.2 }}
                  proOptions={{ hideAttribution: false }}
                >
                  <Background />
                  <Controls showInteractive={false} />
                </ReactFlow>
              </div>
              <Group gap={4} wrap="wrap" aria-label="Levels and branches">
                {draft.levels.map((l, i) => (
                  <Button key={`l${i}`} size="compact-xs" variant={selection?.kind === "level" && selection.index === i ? "filled" : "default"} color={levelProblem(i) ? "red.8" : undefined} onClick={() => setSelection({ kind: "level", index: i })}>
                    Level {i + 1}: {l.name}
                  </Button>
                ))}
                {draft.branches.map((b, i) => (
                  <Button key={`b${i}`} size="compact-xs" variant={selection?.kind === "branch" && selection.index === i ? "filled" : "default"} color={branchProblem(i) ? "red.8" : undefined} onClick={() => setSelection({ kind: "branch", index: i })}>
                    Branch: {b.name}
                  </Button>
                ))}
              </Group>
            </Stack>
            <Card withBorder role="region" aria-label={selection?.kind === "branch" ? "Branch settings" : "Level settings"}>
              {!current || !selection ? (
                <Text c="gray.7" size="sm">
                  Select a level or a branch to edit it.
                </Text>
              ) : selection.kind === "level" ? (
                <LevelPanel
                  key={`level-${selection.index}`}
                  index={selection.index}
                  level={current as LevelDraft}
                  count={draft.levels.length}
                  levelOptions={levelOptions}
                  tasks={tasks.data ?? []}
                  roles={(roles.data ?? []).map((r) => r.name)}
                  problems={problems}
                  onChange={(patch) => setLevel(selection.index, patch)}
                  onConfig={(patch) => setConfig(selection.index, patch)}
                  onMove={(to) => {
                    setDraft(moveLevel(draft, selection.index, to));
                    setSelection({ kind: "level", index: to });
                  }}
                  onRemove={() => {
                    setDraft(removeLevel(draft, selection.index));
                    setSelection(null);
                  }}
                />
              ) : (
                <Stack gap="sm" key={`branch-${selection.index}`}>
                  <Title order={2} size="h5">
                    Branch
                  </Title>
                  {branchProblem(selection.index) && (
                    <Text c="red.8" size="sm" role="alert">
                      {branchProblem(selection.index)}
                    </Text>
                  )}
                  <TextInput label="Branch name" value={(current as BranchDraft).name} onChange={(e) => setBranch(selection.index, { name: e.currentTarget.value })} />
                  <NativeSelect label="From level" value={String((current as BranchDraft).fromLevel)} data={levelOptions} onChange={(e) => setBranch(selection.index, { fromLevel: Number(e.currentTarget.value) })} />
                  <NativeSelect
                    label="To"
                    value={String((current as BranchDraft).toLevel)}
                    data={[...levelOptions, { value: END, label: "End (the flow completes)" }]}
                    onChange={(e) => setBranch(selection.index, { toLevel: e.currentTarget.value === END ? END : Number(e.currentTarget.value) })}
                  />
                  <NumberInput
                    label="Priority (lower is tried first)"
                    value={(current as BranchDraft).priority}
                    onChange={(v) => setBranch(selection.index, { priority: typeof v === "number" ? v : Number(v) || 0 })}
                    allowDecimal={false}
                  />
                  <Text size="sm" fw={500}>
                    Taken when
                  </Text>
                  <RuleBuilder
                    label="Branch condition"
                    value={(current as BranchDraft).conditions}
                    fields={fieldsUpTo(draft, (current as BranchDraft).fromLevel, tasks.data ?? [])}
                    onChange={(rule) => setBranch(selection.index, { conditions: rule })}
                    error={messageAt(problems, "branches", String(selection.index), "conditions")}
                  />
                  <Button
                    color="red.8"
                    variant="light"
                    onClick={() => {
                      setDraft({ ...draft, branches: draft.branches.filter((_, j) => j !== selection.index) });
                      setSelection(null);
                    }}
                  >
                    Remove this branch
                  </Button>
                </Stack>
              )}
            </Card>
          </div>
        </Tabs.Panel>
        <Tabs.Panel value="simulate" pt="md">
          <div className="studio-split">
            <Stack gap="xs">
              <Text size="sm" c="gray.7">
                Sample form data per level (field ids or labels and their values); a level left empty is approved without data. The
                server saves the draft and walks it as an instance would, nothing else is written.
              </Text>
              {draft.levels.map((level, i) => {
                const fields = fieldsUpTo({ ...draft, levels: [level] }, 1, tasks.data ?? []);
                return (
                  <JsonInput
                    key={i}
                    label={`Sample data of level ${i + 1}: ${level.name}`}
                    description={fields.length ? `Fields: ${fields.map((f) => `${f.id} (${f.label})`).join(", ")}` : "No form: an approval"}
                    placeholder={fields.length ? JSON.stringify({ [fields[0].id]: fields[0].type === "number" || fields[0].type === "currency" ? 100 : "…" }) : "{}"}
                    value={samples[i + 1] ?? ""}
                    onChange={(text) => setSamples((s) => ({ ...s, [i + 1]: text }))}
                    autosize
                    minRows={2}
                    validationError="Not valid JSON"
                    error={sampleProblem(i + 1)}
                  />
                );
              })}
              <Button w="fit-content" onClick={() => run.mutate()} loading={run.isPending} disabled={!id || draft.levels.length === 0}>
                Simulate
              </Button>
              {!id && <Text size="sm">Save the flow first.</Text>}
              {run.error && sampleProblems.length === 0 && problems.length === 0 && <Alert color="red">{messageOf(run.error)}</Alert>}
              {run.error && problems.length > 0 && (
                <Alert color="red" role="alert">
                  The flow cannot run as it is: its problems are shown on the design.
                </Alert>
              )}
            </Stack>
            {simulation && (
              <Card withBorder aria-label="Simulated path">
                <Title order={2} size="h5" mb="xs">
                  Path: {pathText(simulation)}
                </Title>
                <List type="ordered" spacing="sm">
                  {simulation.levels.map((level, i) => {
                    const taken = level.branches.find((b) => b.taken);
                    return (
                      <List.Item key={i}>
                        <Text fw={500}>
                          Level {level.order}: {level.name}
                          {taken ? ` — takes "${taken.name}"` : ""}
                        </Text>
                        <Text size="xs" c="gray.7">
                          {level.roles.length ? level.roles.join(", ") : "the initiator"} · {completionText(level.completion.mode === "count" ? (level.completion.count as number) : (level.completion.mode as "any" | "all"))}
                          {level.decision
                            ? level.decision.value === null || level.decision.value === undefined
                              ? " · approved (no decision in the sample)"
                              : ` · decision ${JSON.stringify(level.decision.value)}`
                            : ""}{" "}
                          · {outcomeText(level)}
                        </Text>
                        {level.branches.map((b) => (
                          <Stack key={b.index} gap={0} ml="sm" mt={4}>
                            <Text size="sm">
                              Branch "{b.name}" (priority {b.priority}, to {b.toLevel ?? "the end"}):{" "}
                              <b>{b.error ? `cannot be evaluated: ${b.error}` : b.holds ? (b.taken ? "holds, taken" : "holds, but one before it was taken") : "does not hold"}</b>
                            </Text>
                            <ExplanationTree nodes={b.explanation as ExplanationNode[]} label={`Explanation of ${b.name}`} />
                          </Stack>
                        ))}
                      </List.Item>
                    );
                  })}
                </List>
                <Text size="xs" c="gray.7" mt="xs">
                  Decided by the server's flow engine and rule engine; nothing is written.
                </Text>
              </Card>
            )}
          </div>
        </Tabs.Panel>
        <Tabs.Panel value="json" pt="md">
          <JsonInput
            label="The flow as the API takes it"
            value={JSON.stringify(body, null, 2)}
            autosize
            minRows={10}
            maxRows={40}
            onChange={(text) => {
              try {
                const parsed = JSON.parse(text);
                setDraft((d) => ({
                  ...d,
                  levels: (parsed.levels ?? []).map((l: LevelDraft & { order: number }) => ({
                    name: l.name,
                    description: l.description,
                    taskIds: l.taskIds ?? [],
                    roles: l.roles ?? [],
                    config: l.config ?? {},
                  })),
                  branches: parsed.branches ?? [],
                }));
              } catch {
                /* keep the last valid flow */
              }
            }}
          />
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}

function LevelPanel({
  index,
  level,
  count,
  levelOptions,
  tasks,
  roles,
  problems,
  onChange,
  onConfig,
  onMove,
  onRemove,
}: {
  index: number;
  level: LevelDraft;
  count: number;
  levelOptions: { value: string; label: string }[];
  tasks: Task[];
  roles: string[];
  problems: PathProblem[];
  onChange: (patch: Partial<LevelDraft>) => void;
  onConfig: (patch: Partial<LevelConfig>) => void;
  onMove: (to: number) => void;
  onRemove: () => void;
}) {
  const at = (...rest: string[]) => messageAt(problems, "levels", String(index), ...rest);
  const completion = level.config.completion ?? "any";
  const mode = typeof completion === "number" && completion > 1 ? "count" : completion === "all" ? "all" : "any";
  const reject = level.config.onReject ?? "fail";
  const deadline = level.config.onDeadline?.action ?? "notify";
  const fields = level.taskIds.flatMap((id) => (tasks.find((t) => t.id === id)?.fields ?? []) as unknown as FieldDef[]);
  return (
    <Stack gap="sm">
      <Group justify="space-between">
        <Title order={2} size="h5">
          Level {index + 1}
        </Title>
        <Group gap={4}>
          <Button size="compact-xs" variant="default" disabled={index === 0} onClick={() => onMove(index - 1)}>
            Move up
          </Button>
          <Button size="compact-xs" variant="default" disabled={index === count - 1} onClick={() => onMove(index + 1)}>
            Move down
          </Button>
        </Group>
      </Group>
      {at() && (
        <Text c="red.8" size="sm" role="alert">
          {at()}
        </Text>
      )}
      <TextInput label="Level name" value={level.name} onChange={(e) => onChange({ name: e.currentTarget.value })} error={at("name")} />
      <MultiSelect
        label="Tasks (forms) of this level"
        data={tasks.map((t) => ({ value: t.id, label: `${t.name}${t.status === "DRAFT" ? " (draft)" : ""}` }))}
        value={level.taskIds}
        onChange={(taskIds) => onChange({ taskIds })}
        searchable
        error={at("taskIds")}
      />
      <MultiSelect
        label="Roles who act (none: the initiator)"
        data={[...new Set([...roles, ...level.roles])]}
        value={level.roles}
        onChange={(r) => onChange({ roles: r })}
        searchable
        error={at("roles")}
      />
      <Stack gap={4}>
        <Text size="sm" fw={500} id={`completion-${index}`}>
          Done when
        </Text>
        <SegmentedControl
          aria-labelledby={`completion-${index}`}
          value={mode}
          onChange={(v) => onConfig({ completion: v === "count" ? 2 : (v as "any" | "all") })}
          data={[
            { value: "any", label: "Any one" },
            { value: "all", label: "Everyone" },
            { value: "count", label: "N of M" },
          ]}
        />
        {mode === "count" && (
          <NumberInput label="How many people (N)" min={2} value={completion as number} onChange={(v) => onConfig({ completion: Number(v) || 2 })} allowDecimal={false} />
        )}
        {at("config", "completion") && (
          <Text c="red.8" size="xs">
            {at("config", "completion")}
          </Text>
        )}
      </Stack>
      <NumberInput
        label="Deadline (hours, empty for none)"
        min={1}
        value={level.config.deadlineHours ?? ""}
        onChange={(v) => onConfig({ deadlineHours: v === "" ? undefined : Number(v), ...(v === "" ? { onDeadline: undefined } : {}) })}
        error={at("config", "deadlineHours")}
      />
      {level.config.deadlineHours !== undefined && (
        <NativeSelect
          label="When the deadline passes"
          value={deadline}
          data={[
            { value: "notify", label: "Remind the people asked" },
            { value: "escalate", label: "Escalate to a user" },
            { value: "reject", label: "Reject the level" },
          ]}
          onChange={(e) => {
            const action = e.currentTarget.value as "notify" | "escalate" | "reject";
            onConfig({ onDeadline: action === "notify" ? undefined : { action, ...(action === "escalate" ? { userId: "" } : {}) } });
          }}
          error={at("config", "onDeadline")}
        />
      )}
      {level.config.onDeadline?.action === "escalate" && (
        <TextInput label="Escalate to (user id)" value={level.config.onDeadline.userId ?? ""} onChange={(e) => onConfig({ onDeadline: { action: "escalate", userId: e.currentTarget.value } })} />
      )}
      <NativeSelect
        label="When rejected"
        value={reject === "fail" ? "fail" : String(reject.sendBackTo)}
        data={[{ value: "fail", label: "The flow fails" }, ...levelOptions.filter((o) => o.value !== String(index + 1)).map((o) => ({ value: o.value, label: `Send back to ${o.label}` }))]}
        onChange={(e) => onConfig({ onReject: e.currentTarget.value === "fail" ? "fail" : { sendBackTo: Number(e.currentTarget.value) } })}
        error={at("config", "onReject")}
      />
      {fields.length > 0 && (
        <NativeSelect
          label="Decision field (its value rejects)"
          value={level.config.decision?.field ?? ""}
          data={[{ value: "", label: "None" }, ...fields.map((f) => ({ value: f.id, label: f.label }))]}
          onChange={(e) => onConfig({ decision: e.currentTarget.value ? { field: e.currentTarget.value, rejectValues: level.config.decision?.rejectValues ?? ["Rejected"] } : undefined })}
          error={at("config", "decision")}
        />
      )}
      <Button color="red.8" variant="outline" onClick={onRemove}>
        Remove this level
      </Button>
    </Stack>
  );
}
