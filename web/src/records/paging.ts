// Paging through a table's records: "next" follows the page's cursor (as fast on page
// 20,000 as on page 2), a page seen before is asked for the same way again (and comes from
// the cache), and a jump to a page not seen yet goes by offset.
import { useCallback, useState } from "react";

export type PageStart = { after: string } | { offset: number };

export interface Paging {
  page: number;
  start: PageStart;
  /** Go to `page`; `nextCursor` is the shown page's, when it has one. */
  go: (page: number, nextCursor: string | null | undefined) => void;
  reset: () => void;
}

export function usePaging(limit: number): Paging {
  const [page, setPage] = useState(1);
  const [cursors, setCursors] = useState<ReadonlyMap<number, string>>(new Map());
  const after = cursors.get(page);
  const reset = useCallback(() => {
    setPage(1);
    setCursors(new Map());
  }, []);
  return {
    page,
    start: after !== undefined ? { after } : { offset: (page - 1) * limit },
    go: (target, nextCursor) => {
      if (target === page + 1 && nextCursor && !cursors.has(target)) {
        setCursors(new Map(cursors).set(target, nextCursor));
      }
      setPage(target);
    },
    reset,
  };
}

/** How many pages to offer: all of them when the total is exact; when it is a lower bound
 * (more than 10,000), those it vouches for and one more, and never fewer than the page
 * shown and, when there is one, the next. */
export function pageCount(
  limit: number,
  page: number,
  hasNext: boolean,
  total: { total: number; totalIsExact: boolean } | undefined,
): number {
  const known = total ? (total.totalIsExact ? Math.ceil(total.total / limit) : Math.floor(total.total / limit) + 1) : 1;
  return Math.max(1, known, page + (hasNext ? 1 : 0));
}

const NUMBER = new Intl.NumberFormat();

/** "1,234 records", "More than 10,000 records". */
export function countText(total: { total: number; totalIsExact: boolean }): string {
  const n = NUMBER.format(total.total);
  if (!total.totalIsExact) return `More than ${n} records`;
  return `${n} record${total.total === 1 ? "" : "s"}`;
}
