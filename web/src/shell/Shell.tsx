import { useContext } from "react";
import { NavLink as RouterLink, Outlet, useNavigate } from "react-router";
import {
  ActionIcon,
  AppShell,
  Badge,
  Burger,
  Group,
  Indicator,
  Menu,
  NavLink,
  Text,
  Title,
  UnstyledButton,
} from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import {
  IconBell,
  IconHome,
  IconInbox,
  IconTable,
  IconPlaneDeparture,
  IconLogout,
  IconTools,
  IconGauge,
  IconShieldLock,
  IconKey,
} from "@tabler/icons-react";
import { useQueryClient } from "@tanstack/react-query";
import { signOut } from "../api/session";
import { useLiveUpdates } from "../api/stream";
import { displayName, useCompanyId, useMe } from "../auth/useSession";
import { CompanySwitcher } from "./CompanySwitcher";
import { LiveContext } from "./live";
import { useUnreadCount } from "../notifications/hooks";
import { useInbox } from "../inbox/hooks";

const LINKS = [
  { to: "/", label: "Home", icon: IconHome, end: true },
  { to: "/inbox", label: "Inbox", icon: IconInbox },
  { to: "/notifications", label: "Notifications", icon: IconBell },
  { to: "/records", label: "Records", icon: IconTable },
  { to: "/settings/delegation", label: "Out of office", icon: IconPlaneDeparture },
  { to: "/settings/security", label: "Security", icon: IconShieldLock },
];

// API keys of the company, for those who may manage them (developers and admins).
const API_KEYS = { to: "/settings/api-keys", label: "API keys", icon: IconKey, end: false };

// The builder studio, for those the API lets define forms (developers and admins).
const STUDIO = { to: "/studio", label: "Studio", icon: IconTools, end: false };
// The operations console, for those who may watch executions (developers and admins).
const CONSOLE = { to: "/console", label: "Console", icon: IconGauge, end: false };

export function Shell() {
  const me = useMe();
  const company = useCompanyId();
  const developer = me.data?.user.role === "DEVELOPER";
  const actsInCompany = !developer || company !== null;
  const live = useLiveUpdates(me.isSuccess && actsInCompany, company);
  return (
    <LiveContext.Provider value={live}>
      <ShellFrame developer={developer} actsInCompany={actsInCompany} />
    </LiveContext.Provider>
  );
}

function ShellFrame({ developer, actsInCompany }: { developer: boolean; actsInCompany: boolean }) {
  const [opened, { toggle, close }] = useDisclosure();
  const me = useMe();
  const navigate = useNavigate();
  const client = useQueryClient();
  const unread = useUnreadCount(actsInCompany);
  const inbox = useInbox({}, actsInCompany);
  const live = useContext(LiveContext);
  const counts: Record<string, number | undefined> = {
    "/inbox": inbox.data?.total,
    "/notifications": unread.data?.unread,
  };

  return (
    <AppShell
      data-live={live ? "on" : "off"}
      header={{ height: 60 }}
      navbar={{ width: 230, breakpoint: "sm", collapsed: { mobile: !opened } }}
      padding="md"
    >
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="xs" wrap="nowrap">
            <Burger
              opened={opened}
              onClick={toggle}
              hiddenFrom="sm"
              size="sm"
              aria-label={opened ? "Close navigation" : "Open navigation"}
            />
            <UnstyledButton component={RouterLink} to="/" aria-label="ERP Builder home">
              <Title order={2} size="h4">
                ERP Builder
              </Title>
            </UnstyledButton>
          </Group>
          <Group gap="sm" wrap="nowrap">
            {developer && <CompanySwitcher />}
            <Indicator
              label={unread.data?.unread}
              disabled={!unread.data?.unread}
              size={18}
              color="red.8"
              offset={4}
            >
              <ActionIcon
                component={RouterLink}
                to="/notifications"
                variant="subtle"
                size="lg"
                aria-label={`Notifications${unread.data?.unread ? ` (${unread.data.unread} unread)` : ""}`}
              >
                <IconBell aria-hidden />
              </ActionIcon>
            </Indicator>
            <Menu position="bottom-end">
              <Menu.Target>
                <UnstyledButton aria-label={`Account ${me.data ? displayName(me.data.user) : ""}`.trim()}>
                  <Text size="sm" fw={500} visibleFrom="xs">
                    {me.data ? displayName(me.data.user) : "…"}
                  </Text>
                  <Text size="sm" fw={500} hiddenFrom="xs">
                    Account
                  </Text>
                </UnstyledButton>
              </Menu.Target>
              <Menu.Dropdown>
                <Menu.Label>{me.data?.user.email}</Menu.Label>
                <Menu.Item
                  leftSection={<IconLogout size={16} aria-hidden />}
                  onClick={async () => {
                    await signOut();
                    client.clear();
                    navigate("/sign-in", { replace: true });
                  }}
                >
                  Sign out
                </Menu.Item>
              </Menu.Dropdown>
            </Menu>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" aria-label="Main">
        {[
          ...LINKS,
          ...((me.data?.permissions ?? []).includes("api_keys.manage") ? [API_KEYS] : []),
          ...((me.data?.permissions ?? []).includes("tasks.write") ? [STUDIO] : []),
          ...((me.data?.permissions ?? []).includes("executions.read") ? [CONSOLE] : []),
        ].map((link) => (
          <NavLink
            key={link.to}
            component={RouterLink}
            to={link.to}
            end={link.end}
            label={link.label}
            onClick={close}
            color="blue.9"
            leftSection={<link.icon size={18} aria-hidden />}
            rightSection={
              counts[link.to] ? (
                <Badge size="sm" variant="filled" color="blue.8" aria-label={`${counts[link.to]} items`}>
                  {counts[link.to]}
                </Badge>
              ) : undefined
            }
          />
        ))}
      </AppShell.Navbar>
      <AppShell.Main>
        {actsInCompany ? (
          <Outlet />
        ) : (
          <div>
            <Title order={1} size="h3">
              Choose a company
            </Title>
            <Text mt="sm">
              As a platform developer you act in one company at a time: choose it at the top of
              the page.
            </Text>
          </div>
        )}
      </AppShell.Main>
    </AppShell>
  );
}
