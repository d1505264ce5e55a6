// Bars over categories (days, statuses) drawn with uPlot, a small canvas chart library, with
// the same figures as a table beside it for screen readers and for reading exact values.
import { useEffect, useRef } from "react";
import { Table, VisuallyHidden } from "@mantine/core";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

export interface BarSeries {
  label: string;
  values: number[];
  color: string;
}

interface Props {
  title: string;
  categories: string[];
  series: BarSeries[];
  height?: number;
}

/** Later series are drawn over earlier ones: give a part after its whole (failures after all
 * executions). */
export function BarChart({ title, categories, series, height = 220 }: Props) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = box.current;
    if (!element || categories.length === 0) return;
    const width = () => Math.max(280, element.clientWidth);
    // Each later series is drawn over the earlier ones, a little narrower (failures inside
    // all executions).
    const bars = (index: number) => uPlot.paths.bars!({ size: [0.6 - index * 0.2, 60], align: 0 });
    const plot = new uPlot(
      {
        width: width(),
        height,
        legend: { show: true },
        cursor: { drag: { x: false, y: false } },
        scales: { x: { time: false, range: [-0.6, categories.length - 0.4] }, y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.15)] } },
        axes: [
          {
            splits: () => categories.map((_, i) => i),
            values: (_u, splits) => splits.map((i) => categories[i] ?? ""),
            grid: { show: false },
          },
          { grid: { stroke: "#e9ecef" }, values: (_u, splits) => splits.map((v) => (Number.isInteger(v) ? String(v) : "")) },
        ],
        series: [
          { label: title.includes("status") ? "Status" : "Day", value: (_u, i) => (i === null ? "" : categories[i] ?? "") },
          ...series.map((s, index) => ({
            label: s.label,
            stroke: s.color,
            fill: s.color,
            width: 0,
            paths: bars(index),
            points: { show: false },
          })),
        ],
      },
      [categories.map((_, i) => i), ...series.map((s) => s.values)],
      element,
    );
    const resize = new ResizeObserver(() => plot.setSize({ width: width(), height }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [categories, series, height]);

  return (
    <figure style={{ margin: 0 }}>
      <div ref={box} role="img" aria-label={`${title}: chart (the table below has its figures)`} />
      <VisuallyHidden component="figcaption">{title}</VisuallyHidden>
      <Table.ScrollContainer minWidth={300} mt="xs">
        <Table fz="xs" aria-label={title} withTableBorder>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col"> </Table.Th>
              {categories.map((c) => (
                <Table.Th key={c} scope="col">
                  {c}
                </Table.Th>
              ))}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {series.map((s) => (
              <Table.Tr key={s.label}>
                <Table.Th scope="row">{s.label}</Table.Th>
                {s.values.map((v, i) => (
                  <Table.Td key={i}>{v}</Table.Td>
                ))}
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </figure>
  );
}
