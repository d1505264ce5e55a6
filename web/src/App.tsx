import { lazy, Suspense, type ComponentType, type LazyExoticComponent } from "react";
import { createBrowserRouter, RouterProvider } from "react-router";
import { Loader } from "@mantine/core";
import { RequireSession } from "./auth/RequireSession";
import { SignInPage } from "./auth/SignInPage";
import { Shell } from "./shell/Shell";
import { HomePage } from "./home/HomePage";
import { InboxPage } from "./inbox/InboxPage";
import { NotificationsPage } from "./notifications/NotificationsPage";
import { NotFoundPage } from "./shell/NotFoundPage";

// Pages beyond the everyday ones (home, inbox, notifications) load when first opened, so the
// first screen downloads and parses less.
const InstancePage = lazy(() => import("./flows/InstancePage").then((m) => ({ default: m.InstancePage })));
const TablesPage = lazy(() => import("./records/TablesPage").then((m) => ({ default: m.TablesPage })));
const RecordsPage = lazy(() => import("./records/RecordsPage").then((m) => ({ default: m.RecordsPage })));
const ActionLinkPage = lazy(() => import("./links/ActionLinkPage").then((m) => ({ default: m.ActionLinkPage })));
const DelegationPage = lazy(() => import("./settings/DelegationPage").then((m) => ({ default: m.DelegationPage })));
const SecurityPage = lazy(() => import("./settings/SecurityPage").then((m) => ({ default: m.SecurityPage })));
const ApiKeysPage = lazy(() => import("./settings/ApiKeysPage").then((m) => ({ default: m.ApiKeysPage })));
const ForgotPasswordPage = lazy(() => import("./auth/ForgotPasswordPage").then((m) => ({ default: m.ForgotPasswordPage })));
const ResetPasswordPage = lazy(() => import("./auth/ResetPasswordPage").then((m) => ({ default: m.ResetPasswordPage })));
const AcceptInvitationPage = lazy(() =>
  import("./auth/AcceptInvitationPage").then((m) => ({ default: m.AcceptInvitationPage })),
);
const ProviderCompletePage = lazy(() =>
  import("./auth/ProviderCompletePage").then((m) => ({ default: m.ProviderCompletePage })),
);
const StandaloneFormPage = lazy(() => import("./tasks/StandaloneFormPage").then((m) => ({ default: m.StandaloneFormPage })));

function Page({ of: Component }: { of: LazyExoticComponent<ComponentType> }) {
  return (
    <Suspense fallback={<Loader aria-label="Loading" />}>
      <Component />
    </Suspense>
  );
}
// The builder studio is its own chunk: workspace users never download it.
const StudioApp = lazy(() => import("./studio/StudioApp"));
// The operations console too: its own chunk (with its chart library).
const ConsoleApp = lazy(() => import("./console/ConsoleApp"));
const OAuthReturnPage = lazy(() => import("./studio/integrations/OAuthReturnPage").then((m) => ({ default: m.OAuthReturnPage })));

export const routes = [
  { path: "/sign-in", element: <SignInPage /> },
  // Reached from e-mails and from a sign-in provider, before anyone is signed in.
  { path: "/sign-in/complete", element: <Page of={ProviderCompletePage} /> },
  { path: "/forgot-password", element: <Page of={ForgotPasswordPage} /> },
  { path: "/reset-password", element: <Page of={ResetPasswordPage} /> },
  { path: "/accept-invitation", element: <Page of={AcceptInvitationPage} /> },
  {
    element: <RequireSession />,
    children: [
      // Confirming acts as the signed-in person: a signed-out one signs in and comes back.
      { path: "/action-links/:token", element: <Page of={ActionLinkPage} /> },
      {
        element: <Shell />,
        children: [
          { path: "/", element: <HomePage /> },
          { path: "/inbox", element: <InboxPage /> },
          { path: "/instances/:id", element: <Page of={InstancePage} /> },
          { path: "/flow-instances/:id", element: <Page of={InstancePage} /> },
          { path: "/forms/:taskId", element: <Page of={StandaloneFormPage} /> },
          { path: "/notifications", element: <NotificationsPage /> },
          { path: "/records", element: <Page of={TablesPage} /> },
          { path: "/records/:table", element: <Page of={RecordsPage} /> },
          { path: "/settings/delegation", element: <Page of={DelegationPage} /> },
          { path: "/settings/security", element: <Page of={SecurityPage} /> },
          { path: "/settings/api-keys", element: <Page of={ApiKeysPage} /> },
          { path: "/studio/*", element: <Page of={StudioApp} /> },
          { path: "/console/*", element: <Page of={ConsoleApp} /> },
          // An integration's OAuth redirect URI: the vendor sends the browser back here.
          { path: "/integrations/oauth/callback", element: <Page of={OAuthReturnPage} /> },
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
