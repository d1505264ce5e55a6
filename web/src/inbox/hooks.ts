import { experimental_streamedQuery as streamedQuery, useQuery } from "@tanstack/react-query";
import { api, unwrap, type Schemas } from "../api/client";
import { useLivePoll } from "../shell/live";

export type PendingTask = Schemas["PendingTaskOut"];

/** The first page is small, so that the inbox (its count, its most urgent tasks) shows at
 * once; the rest follows in larger pages, a few at a time. */
const FIRST_PAGE = 50;
const PAGE = 200;
const IN_FLIGHT = 3;
/** An inbox longer than this is shown in part (and says so). */
export const INBOX_CAP = 5000;

export interface Inbox {
  items: PendingTask[];
  /** Every pending task, as the server counts them. */
  total: number;
  /** Whether every page (up to INBOX_CAP) is in. */
  complete: boolean;
}

function page(limit: number, offset: number, flowId?: string) {
  return unwrap(() => api.GET("/inbox", { params: { query: { limit, offset, flowId } } }));
}

/** Every pending task of the signed-in person (by their roles now), page by page: each
 * page is handed on as it comes, in order. */
async function* inboxPages(flowId?: string): AsyncGenerator<Inbox> {
  const first = await page(FIRST_PAGE, 0, flowId);
  const end = Math.min(first.total, INBOX_CAP);
  const offsets: number[] = [];
  for (let offset = first.items.length; offset < end && first.items.length === FIRST_PAGE; offset += PAGE)
    offsets.push(offset);
  yield { items: first.items, total: first.total, complete: offsets.length === 0 };
  const pending = offsets.slice(0, IN_FLIGHT).map((offset) => page(PAGE, offset, flowId));
  for (let i = 0; i < offsets.length; i++) {
    const next = await pending[i];
    if (i + IN_FLIGHT < offsets.length) pending.push(page(PAGE, offsets[i + IN_FLIGHT], flowId));
    yield { items: next.items, total: next.total, complete: i === offsets.length - 1 };
  }
}

export function useInbox(filter: { flowId?: string }, enabled = true) {
  const poll = useLivePoll();
  return useQuery({
    queryKey: ["inbox", filter.flowId ?? null],
    queryFn: streamedQuery<Inbox, Inbox>({
      streamFn: () => inboxPages(filter.flowId),
      // A refresh keeps the inbox on screen until the new one is whole.
      refetchMode: "replace",
      reducer: (inbox, next) => ({ items: [...inbox.items, ...next.items], total: next.total, complete: next.complete }),
      initialValue: { items: [], total: 0, complete: false },
    }),
    enabled,
    refetchInterval: poll,
  });
}
