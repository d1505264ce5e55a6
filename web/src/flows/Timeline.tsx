import { Text, Timeline as MantineTimeline } from "@mantine/core";
import type { HistoryEntry } from "./hooks";
import { when } from "../shared/format";

const WHAT: Record<string, string> = {
  STARTED: "started the request",
  SUBMITTED: "submitted",
  APPROVED: "approved",
  REJECTED: "rejected",
  ADVANCED: "moved on",
  SENT_BACK: "sent back",
  REASSIGNED: "reassigned",
  CANCELLED: "cancelled",
  COMPLETED: "completed",
  FAILED: "failed",
  OVERDUE: "became overdue",
  DELEGATED: "is out of office: the task went to their delegate",
};

/** Who acted for whom: the delegate of each level's delegations, by level and user id. */
function delegations(entries: HistoryEntry[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of entries) {
    const delegate = (e.details as Record<string, unknown>).delegateId;
    if (e.kind === "DELEGATED" && typeof delegate === "string") out.set(`${e.levelOrder}:${delegate}`, e.actorName ?? "someone");
  }
  return out;
}

function describe(entry: HistoryEntry, forWhom: string | undefined, names: ReadonlyMap<string, string>): string {
  const who = entry.actorName ?? "The system";
  const what = WHAT[entry.kind] ?? entry.kind.toLowerCase().replace(/_/g, " ");
  const task = entry.taskName ? ` ${entry.taskName}` : "";
  const details = entry.details as Record<string, unknown>;
  let extra = "";
  if (entry.kind === "ADVANCED" && details.toLevel) extra = ` to level ${details.toLevel}`;
  if (entry.kind === "REJECTED" && details.sentBackTo) extra = `, sent back to level ${details.sentBackTo}`;
  if (entry.kind === "REASSIGNED" && typeof details.to === "string")
    extra = ` the task to ${names.get(details.to) ?? "someone else"}`;
  if (forWhom) extra += ` (as delegate of ${forWhom})`;
  else if (details.delegatedFrom || details.onBehalfOf) extra += " (as delegate)";
  return `${who} ${what}${task}${extra}`;
}

/** What a submission says beyond its kind: a review form's decision and comment. */
export type NoteOf = (entry: HistoryEntry) => { decision?: string; comment?: string };

/** Who did what and when, with their comments (the action's, or a review form's). `names`
 * names people the entries refer to by id (whom a task was reassigned to). */
export function Timeline({
  entries,
  noteOf,
  names = new Map(),
}: {
  entries: HistoryEntry[];
  noteOf?: NoteOf;
  names?: ReadonlyMap<string, string>;
}) {
  const delegated = delegations(entries);
  const known = new Map(names);
  for (const e of entries) if (e.actorId && e.actorName) known.set(e.actorId, e.actorName);
  return (
    <MantineTimeline bulletSize={14} lineWidth={2} aria-label="History">
      {entries.map((entry, i) => {
        const forWhom = entry.kind !== "DELEGATED" ? delegated.get(`${entry.levelOrder}:${entry.actorId}`) : undefined;
        const note = entry.kind === "SUBMITTED" && noteOf ? noteOf(entry) : {};
        const comment = entry.comment || note.comment;
        return (
          <MantineTimeline.Item key={i} title={describe(entry, forWhom, known) + (note.decision ? `: ${note.decision}` : "")}>
            <Text size="xs" c="gray.7">
              {when(entry.at)}
              {entry.levelName ? ` · ${entry.levelName}` : ""}
            </Text>
            {comment && (
              <Text size="sm" mt={4} style={{ overflowWrap: "anywhere" }}>
                “{comment}”
              </Text>
            )}
          </MantineTimeline.Item>
        );
      })}
    </MantineTimeline>
  );
}
