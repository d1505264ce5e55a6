import { Navigate, Outlet, useLocation } from "react-router";
import { useSession } from "./useSession";

/** Pages behind sign-in: without a session, to the sign-in page, keeping where to return. */
export function RequireSession() {
  const session = useSession();
  const location = useLocation();
  if (!session) {
    const next = `${location.pathname}${location.search}${location.hash}`;
    return <Navigate to={`/sign-in?next=${encodeURIComponent(next)}`} replace />;
  }
  return <Outlet />;
}
