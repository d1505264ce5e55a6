import { Badge, Group, Paper, Text } from "@mantine/core";
import type { StepLevel } from "./hooks";

/** The flow's levels in order, with where the instance stands. */
export function LevelTrack({ levels, current, status }: { levels: StepLevel[]; current: number; status: string }) {
  const finished = status !== "IN_PROGRESS";
  return (
    <Group component="ol" aria-label="Levels of the flow" gap="xs" p={0} m={0} style={{ listStyle: "none" }} wrap="wrap">
      {levels.map((level, i) => {
        const done = finished ? status === "COMPLETED" || level.order < current : level.order < current;
        const here = !finished && level.order === current;
        return (
          <Group component="li" key={level.order} gap="xs" wrap="nowrap" aria-current={here ? "step" : undefined}>
            <Paper
              withBorder
              px="sm"
              py={6}
              radius="md"
              bg={here ? "blue.0" : undefined}
              style={{ borderColor: here ? "var(--mantine-color-blue-8)" : undefined, borderWidth: here ? 2 : 1 }}
            >
              <Text size="xs" c="gray.7">
                Level {level.order}
              </Text>
              <Text size="sm" fw={600}>
                {level.name}
              </Text>
              <Badge size="xs" mt={4} color={here ? "blue.8" : done ? "teal.9" : "gray.7"} variant="filled">
                {here ? "Current" : done ? "Done" : "Ahead"}
              </Badge>
            </Paper>
            {i < levels.length - 1 && (
              <Text aria-hidden c="gray.7">
                →
              </Text>
            )}
          </Group>
        );
      })}
    </Group>
  );
}
