// The rule engine's explanation of a condition (TriggerExecution.conditionResult) as a tree:
// each part of the rule, the values it compared and whether it held.
import { Badge, Box, Group, List, Text } from "@mantine/core";
import { valueText } from "../../shared/format";

interface Step {
  path: (string | number)[];
  op: string;
  args: unknown[];
  result: unknown;
  sourcePath?: (string | number)[];
}

export interface Explanation {
  rule?: unknown;
  matched?: boolean;
  steps?: Step[];
  truncated?: boolean;
  reason?: string;
}

function at(rule: unknown, path: (string | number)[]): unknown {
  let node: unknown = rule;
  for (const key of path) node = (node as Record<string | number, unknown> | undefined)?.[key];
  return node;
}

function operand(rule: unknown, value: unknown): string {
  const v = valueText(value) || JSON.stringify(value);
  if (rule && typeof rule === "object" && "var" in (rule as object)) {
    const name = (rule as { var: unknown }).var;
    return `${Array.isArray(name) ? name[0] : name} (${v})`;
  }
  return v;
}

const held = (result: unknown) => result !== false && result !== null && result !== undefined && result !== 0 && result !== "";

function Node({ step, steps, rule }: { step: Step; steps: Step[]; rule: unknown }) {
  const depth = step.path.length;
  const children = steps.filter(
    (s) => s.path.length === depth + 2 && step.path.every((p, i) => s.path[i] === p) && s.path[depth] === step.op,
  );
  const node = at(rule, step.path) as Record<string, unknown[]> | undefined;
  const operands = Array.isArray(node?.[step.op]) ? (node![step.op] as unknown[]) : [];
  const logical = children.length > 0;
  const label = logical
    ? `${step.op.toUpperCase()} of ${children.length}`
    : step.args.length === 2
      ? `${operand(operands[0], step.args[0])} ${step.op} ${operand(operands[1], step.args[1])}`
      : `${step.op}(${step.args.map((a, i) => operand(operands[i], a)).join(", ")})`;
  return (
    <List.Item>
      <Group gap="xs" wrap="nowrap">
        <Badge size="sm" variant="filled" color={held(step.result) ? "teal.9" : "red.9"}>
          {held(step.result) ? "held" : "failed"}
        </Badge>
        <Text size="sm" ff={logical ? undefined : "monospace"}>
          {label}
        </Text>
      </Group>
      {logical && (
        <List withPadding size="sm" listStyleType="none" mt={4}>
          {children.map((c, i) => (
            <Node key={i} step={c} steps={steps} rule={rule} />
          ))}
        </List>
      )}
    </List.Item>
  );
}

export function ExplanationTree({ explanation }: { explanation: Explanation }) {
  const steps = explanation.steps ?? [];
  const root = steps.find((s) => s.path.length === 0);
  if (!root) {
    return <Text size="sm">{explanation.reason ?? (explanation.matched === false ? "The conditions did not hold." : "No conditions: it always runs.")}</Text>;
  }
  return (
    <Box component="section" aria-label="Explanation">
      <List listStyleType="none" size="sm">
        <Node step={root} steps={steps} rule={explanation.rule} />
      </List>
      {explanation.truncated && (
        <Text size="xs" c="gray.7">
          The explanation was cut short (too many steps).
        </Text>
      )}
    </Box>
  );
}
