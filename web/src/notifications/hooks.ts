import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap, type Schemas } from "../api/client";
import { useLivePoll } from "../shell/live";

export type Notification = Schemas["NotificationOut"];

export function useUnreadCount(enabled = true) {
  const poll = useLivePoll();
  return useQuery({
    queryKey: ["notifications", "unread"],
    queryFn: () => unwrap(() => api.GET("/notifications/unread-count")),
    enabled,
    refetchInterval: poll,
  });
}

export function useNotifications(unreadOnly: boolean, offset: number) {
  const poll = useLivePoll();
  return useQuery({
    queryKey: ["notifications", "list", unreadOnly, offset],
    queryFn: () =>
      unwrap(() =>
        api.GET("/notifications", {
          params: { query: { unread: unreadOnly || undefined, limit: 50, offset } },
        }),
      ),
    refetchInterval: poll,
  });
}

/** Marks the given notifications read (all of them without ids). */
export function useMarkRead() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (ids: string[] | null) =>
      unwrap(() => api.POST("/notifications/read", { body: { ids } })),
    onSuccess: () => client.invalidateQueries({ queryKey: ["notifications"] }),
  });
}
