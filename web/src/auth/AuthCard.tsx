import type { ReactNode } from "react";
import { Center, Paper, Stack, Title } from "@mantine/core";

/** The frame of the pages used before signing in: one card, its title the page's heading. */
export function AuthCard({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Center component="main" mih="100vh" p="md">
      <Paper withBorder shadow="sm" p="xl" w="100%" maw={420}>
        <Stack>
          <Title order={1} size="h2">
            {title}
          </Title>
          {children}
        </Stack>
      </Paper>
    </Center>
  );
}

/** The token of an e-mailed link, carried in the URL's fragment (`#token=...`): a browser
 * never sends the fragment to a server, so the token reaches no access log. */
export function tokenFromHash(hash: string, name = "token"): string {
  return new URLSearchParams(hash.replace(/^#/, "")).get(name) ?? "";
}

/** A success alert whose bold title keeps the text's contrast (the green title alone fails
 * WCAG's 4.5:1 on the alert's light background). */
export const doneAlert = { color: "green.9", styles: { title: { color: "var(--mantine-color-text)" } } } as const;
