import { useQuery } from "@tanstack/react-query";
import { api, unwrap } from "../api/client";
import { useMe } from "../auth/useSession";

export interface FlowPermissions {
  canApprove: boolean;
  canReject: boolean;
  canReassign: boolean;
  admin: boolean;
}

/** What the person's company roles let them do on flows (Role.permissions), as the server
 * checks it; admins and developers may reassign and cancel anything. */
export function useFlowPermissions(): FlowPermissions {
  const me = useMe();
  const roleIds = me.data?.user.roleIds ?? [];
  const roles = useQuery({
    queryKey: ["roles", "mine", roleIds],
    queryFn: () => unwrap(() => api.GET("/roles", { params: { query: { limit: 200 } } })),
    enabled: roleIds.length > 0 && (me.data?.permissions ?? []).includes("roles.read"),
    staleTime: 60_000,
  });
  const mine = (roles.data?.items ?? []).filter((r) => roleIds.includes(r.id));
  const has = (key: string) => mine.some((r) => (r.permissions as Record<string, unknown>)?.[key] === true);
  const role = me.data?.user.role;
  const admin = role === "ADMIN" || role === "DEVELOPER";
  return { canApprove: has("canApprove"), canReject: has("canReject"), canReassign: has("canReassign") || admin, admin };
}
