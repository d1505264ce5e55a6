import { useQuery } from "@tanstack/react-query";
import { api, unwrap, type Schemas } from "../api/client";
import { useLivePoll } from "../shell/live";

export type PendingTask = Schemas["PendingTaskOut"];

const PAGE = 200;
/** An inbox longer than this is shown in part (and says so). */
export const INBOX_CAP = 5000;

/** Every pending task of the signed-in person (by their roles now), page by page. */
async function fetchInbox(flowId?: string) {
  const items: PendingTask[] = [];
  let total = 0;
  for (let offset = 0; offset < INBOX_CAP; offset += PAGE) {
    const page = await unwrap(() =>
      api.GET("/inbox", { params: { query: { limit: PAGE, offset, flowId } } }),
    );
    items.push(...page.items);
    total = page.total;
    if (items.length >= total || page.items.length === 0) break;
  }
  return { items, total };
}

export function useInbox(filter: { flowId?: string }, enabled = true) {
  const poll = useLivePoll();
  return useQuery({
    queryKey: ["inbox", filter.flowId ?? null],
    queryFn: () => fetchInbox(filter.flowId),
    enabled,
    refetchInterval: poll,
  });
}
