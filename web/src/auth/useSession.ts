import { useSyncExternalStore } from "react";
import { useQuery } from "@tanstack/react-query";
import { api, unwrap, type Schemas } from "../api/client";
import { getCompanyId, getSession, subscribe } from "../api/session";

export function useSession() {
  return useSyncExternalStore(subscribe, getSession);
}

export function useCompanyId() {
  return useSyncExternalStore(subscribe, getCompanyId);
}

export type Me = Schemas["MeOut"];

/** Who is signed in, the company they act in and their permissions. */
export function useMe() {
  const session = useSession();
  const company = useCompanyId();
  return useQuery({
    queryKey: ["me", company],
    queryFn: () => unwrap(() => api.GET("/auth/me")),
    enabled: session !== null,
    staleTime: 60_000,
  });
}

export function displayName(user: { firstName?: string | null; lastName?: string | null; email: string }) {
  const name = [user.firstName, user.lastName].filter(Boolean).join(" ");
  return name || user.email;
}
