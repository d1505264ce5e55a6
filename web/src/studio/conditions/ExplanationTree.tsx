// The rule engine's explanation of a condition, as the server returns it: each operation with
// the values it compared and its result, and under it the operations it evaluated.
import { Code, List, Text } from "@mantine/core";

export interface ExplanationNode {
  op?: string | null;
  args?: unknown;
  result?: unknown;
  children?: ExplanationNode[];
  [key: string]: unknown;
}

function truthy(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0;
  return !!value && value !== "0";
}

function show(value: unknown): string {
  return JSON.stringify(value) ?? "undefined";
}

function Branch({ nodes, label, depth = 0 }: { nodes: ExplanationNode[]; label?: string; depth?: number }) {
  return (
    <List size="sm" spacing={2} listStyleType="none" aria-label={label} style={{ paddingLeft: depth ? 20 : 0 }}>
      {nodes.map((node, i) => (
        <List.Item key={i}>
          <Text size="sm" component="span" c={truthy(node.result) ? "teal.9" : "red.8"} fw={600}>
            {truthy(node.result) ? "✓" : "✗"}{" "}
          </Text>
          <Code>{node.op}</Code> of {Array.isArray(node.args) ? node.args.map(show).join(", ") : show(node.args)} →{" "}
          <b>{show(node.result)}</b>
          {node.children && node.children.length > 0 && <Branch nodes={node.children} depth={depth + 1} />}
        </List.Item>
      ))}
    </List>
  );
}

/** The tree, or a sentence when the condition had nothing to explain. */
export function ExplanationTree({ nodes, label = "Explanation" }: { nodes: ExplanationNode[]; label?: string }) {
  if (nodes.length === 0)
    return (
      <Text size="sm" c="gray.7">
        No condition: it always holds.
      </Text>
    );
  return <Branch nodes={nodes} label={label} />;
}
