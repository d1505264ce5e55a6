import { createBrowserRouter, RouterProvider } from "react-router";
import { RequireSession } from "./auth/RequireSession";
import { SignInPage } from "./auth/SignInPage";
import { Shell } from "./shell/Shell";
import { HomePage } from "./home/HomePage";
import { InboxPage } from "./inbox/InboxPage";
import { InstancePage } from "./flows/InstancePage";
import { NotificationsPage } from "./notifications/NotificationsPage";
import { TablesPage } from "./records/TablesPage";
import { RecordsPage } from "./records/RecordsPage";
import { ActionLinkPage } from "./links/ActionLinkPage";
import { DelegationPage } from "./settings/DelegationPage";
import { NotFoundPage } from "./shell/NotFoundPage";
import { StandaloneFormPage } from "./tasks/StandaloneFormPage";

export const routes = [
  { path: "/sign-in", element: <SignInPage /> },
  {
    element: <RequireSession />,
    children: [
      // Confirming acts as the signed-in person: a signed-out one signs in and comes back.
      { path: "/action-links/:token", element: <ActionLinkPage /> },
      {
        element: <Shell />,
        children: [
          { path: "/", element: <HomePage /> },
          { path: "/inbox", element: <InboxPage /> },
          { path: "/instances/:id", element: <InstancePage /> },
          { path: "/flow-instances/:id", element: <InstancePage /> },
          { path: "/forms/:taskId", element: <StandaloneFormPage /> },
          { path: "/notifications", element: <NotificationsPage /> },
          { path: "/records", element: <TablesPage /> },
          { path: "/records/:table", element: <RecordsPage /> },
          { path: "/settings/delegation", element: <DelegationPage /> },
          { path: "*", element: <NotFoundPage /> },
        ],
      },
    ],
  },
];

const router = createBrowserRouter(routes);

export function App() {
  return <RouterProvider router={router} />;
}
