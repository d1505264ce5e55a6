// The records of one page as a table: select, sort by a column, edit a row. Plain elements
// (Mantine's Table, Checkbox and Button made a page of 50 rows several times slower to
// render), memoised so that the page's other state changes leave the rows alone.
import { memo, useCallback, type Dispatch, type SetStateAction } from "react";
import type { FieldDef } from "../forms/types";
import { valueText } from "../shared/format";
import type { RecordRow } from "./hooks";
import "./grid.css";

export interface RecordsGridProps {
  label: string;
  fields: FieldDef[];
  rows: RecordRow[];
  sort: string | null;
  selected: ReadonlySet<string>;
  /** The sort after a click on a column: ascending, descending, then none. */
  onSort: (sort: string | null) => void;
  onSelect: Dispatch<SetStateAction<ReadonlySet<string>>>;
  onEdit: (row: RecordRow) => void;
}

/** A record named by its first field (the table's, not the stored JSON's first key). */
function nameOf(row: RecordRow, fields: FieldDef[]): string {
  return valueText(fields.length ? row.data[fields[0].id] : undefined) || row.id;
}

const GridRow = memo(function GridRow({
  row,
  fields,
  checked,
  onToggle,
  onEdit,
}: {
  row: RecordRow;
  fields: FieldDef[];
  checked: boolean;
  onToggle: (id: string) => void;
  onEdit: (row: RecordRow) => void;
}) {
  return (
    <tr>
      <td className="records-grid-select">
        <input type="checkbox" aria-label={`Select record ${nameOf(row, fields)}`} checked={checked} onChange={() => onToggle(row.id)} />
      </td>
      {fields.map((f) => {
        const text = valueText(row.data[f.id]);
        return (
          <td key={f.id} className="records-grid-value" title={text.length > 40 ? text : undefined}>
            {text}
          </td>
        );
      })}
      <td>
        <button type="button" className="records-grid-button" onClick={() => onEdit(row)} aria-label={`Edit record ${nameOf(row, fields)}`}>
          Edit
        </button>
      </td>
    </tr>
  );
});

export const RecordsGrid = memo(function RecordsGrid({ label, fields, rows, sort, selected, onSort, onSelect, onEdit }: RecordsGridProps) {
  const allOnPage = rows.length > 0 && rows.every((r) => selected.has(r.id));
  const toggle = useCallback(
    (id: string) =>
      onSelect((previous) => {
        const next = new Set(previous);
        if (next.has(id)) next.delete(id);
        else next.add(id);
        return next;
      }),
    [onSelect],
  );
  return (
    // Wider than a phone: the table scrolls sideways in its box, the page does not.
    <div className="records-grid-scroll" role="region" aria-label={`${label}, scrolls sideways`} tabIndex={0}>
      <table className="records-grid" aria-label={label}>
        <thead>
          <tr>
            <th className="records-grid-select">
              <input
                type="checkbox"
                aria-label="Select all on this page"
                checked={allOnPage}
                onChange={() => onSelect(allOnPage ? new Set() : new Set(rows.map((r) => r.id)))}
              />
            </th>
            {fields.map((f) => {
              const direction = sort === f.id ? "ascending" : sort === `-${f.id}` ? "descending" : "none";
              return (
                <th key={f.id} aria-sort={direction}>
                  <button
                    type="button"
                    className="records-grid-button"
                    onClick={() => onSort(sort === f.id ? `-${f.id}` : sort === `-${f.id}` ? null : f.id)}
                  >
                    {f.label}
                    {direction === "ascending" ? " ▲" : direction === "descending" ? " ▼" : ""}
                  </button>
                </th>
              );
            })}
            <th>
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {/* Keyed by position: the next page updates these rows in place rather than
              replacing every one of them. */}
          {rows.map((row, index) => (
            <GridRow key={index} row={row} fields={fields} checked={selected.has(row.id)} onToggle={toggle} onEdit={onEdit} />
          ))}
        </tbody>
      </table>
    </div>
  );
});
