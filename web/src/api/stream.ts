// Live updates: the server's event stream (GET /stream, server-sent events sent with the
// bearer token, which EventSource cannot send, hence fetch-event-source). An `inbox` event
// (any flow work of the company: started, submitted, approved, rejected, cancelled,
// reassigned...) refreshes what depends on the person's pending work, a `notification`
// event their notifications. While the stream is unavailable, the pages poll instead.
import { useEffect, useState } from "react";
import { useQueryClient, type QueryClient } from "@tanstack/react-query";
import { fetchEventSource } from "@microsoft/fetch-event-source";
import { authHeaders, freshSession } from "./session";

export const INBOX_KEYS = [["inbox"], ["instances"], ["instance"], ["history"], ["home"]];
export const NOTIFICATION_KEYS = [["notifications"]];

/** The server replays the last 10 seconds' events to a new connection; data loaded more
 * recently than this (a margin under it) needs no reload when the stream (re)connects. */
export const REPLAYED_MS = 8_000;

export function applyStreamEvent(client: QueryClient, event: string, loadedBefore?: number) {
  const keys = event === "inbox" ? INBOX_KEYS : event === "notification" ? NOTIFICATION_KEYS : [];
  for (const queryKey of keys)
    void client.invalidateQueries({
      queryKey,
      predicate: loadedBefore === undefined ? undefined : (query) => query.state.dataUpdatedAt < loadedBefore,
    });
}

class Unavailable extends Error {}

/** Keeps the stream open while signed in; answers whether it is connected. */
export function useLiveUpdates(enabled: boolean, company: string | null): boolean {
  const client = useQueryClient();
  const [connected, setConnected] = useState(false);

  useEffect(() => {
    if (!enabled) return;
    const controller = new AbortController();
    let failures = 0;
    void (async () => {
      await freshSession();
      await fetchEventSource("/stream", {
        signal: controller.signal,
        openWhenHidden: true,
        // Read the token at each (re)connection: it is refreshed in the background.
        fetch: (input, init) => {
          const headers = { ...(init?.headers as Record<string, string>), ...authHeaders() };
          return window.fetch(input, { ...init, headers });
        },
        headers: { Accept: "text/event-stream" },
        async onopen(response) {
          const type = response.headers.get("content-type") ?? "";
          if (response.ok && type.startsWith("text/event-stream")) {
            failures = 0;
            setConnected(true);
            // What was loaded before the replayed window may have changed meanwhile; what
            // was loaded since hears of its changes from the replay (a cold load reloads
            // nothing).
            const before = Date.now() - REPLAYED_MS;
            applyStreamEvent(client, "inbox", before);
            applyStreamEvent(client, "notification", before);
            return;
          }
          if (response.status === 401) await freshSession();
          if (response.status === 404 || response.status === 405) throw new Unavailable();
          throw new Error(`stream answered ${response.status}`);
        },
        onmessage(message) {
          if (message.event) applyStreamEvent(client, message.event);
        },
        onclose() {
          setConnected(false);
          throw new Error("stream closed"); // reconnect
        },
        onerror(error) {
          setConnected(false);
          if (error instanceof Unavailable) throw error; // stop: the server has no stream
          failures += 1;
          return Math.min(30_000, 1_000 * 2 ** Math.min(failures, 5));
        },
      }).catch(() => setConnected(false));
    })();
    return () => controller.abort();
  }, [client, enabled, company]);

  return connected;
}

/** How often a page polls what the stream would otherwise keep fresh: every 15 s while the
 * stream is down, never while it is up (it names every change of flow work). */
export function pollInterval(live: boolean): number | false {
  return live ? false : 15_000;
}
