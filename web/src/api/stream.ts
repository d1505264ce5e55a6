// Live updates: the server's event stream (GET /stream, server-sent events sent with the
// bearer token, which EventSource cannot send, hence fetch-event-source). An `inbox` event
// refreshes what depends on the person's pending work, a `notification` event their
// notifications. While the stream is unavailable, the pages poll instead.
import { useEffect, useState } from "react";
import { useQueryClient, type QueryClient } from "@tanstack/react-query";
import { fetchEventSource } from "@microsoft/fetch-event-source";
import { authHeaders, freshSession } from "./session";

export const INBOX_KEYS = [["inbox"], ["instances"], ["instance"], ["history"], ["home"]];
export const NOTIFICATION_KEYS = [["notifications"]];

export function applyStreamEvent(client: QueryClient, event: string) {
  const keys = event === "inbox" ? INBOX_KEYS : event === "notification" ? NOTIFICATION_KEYS : [];
  for (const queryKey of keys) void client.invalidateQueries({ queryKey });
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
            // Anything may have changed while disconnected.
            applyStreamEvent(client, "inbox");
            applyStreamEvent(client, "notification");
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
 * stream is down, and once a minute while it is up, since the stream says nothing of an
 * instance that ends without completing (rejected for good, cancelled). */
export function pollInterval(live: boolean): number | false {
  return live ? 60_000 : 15_000;
}
