// Approve or reject from an e-mail: the link opens this page, which shows what will happen and
// acts only when the person confirms (a bare GET never acts: mail scanners follow links).
import { useState } from "react";
import { Link, useParams } from "react-router";
import { Alert, Anchor, Button, Center, Loader, Paper, Stack, Text, Textarea, Title } from "@mantine/core";
import { useMutation, useQuery } from "@tanstack/react-query";
import { request } from "../api/client";
import { ApiError, messageOf } from "../api/problem";
import { when } from "../shared/format";

interface ActionLink {
  action: "approve" | "reject";
  instanceId: string;
  flowName: string;
  levelName: string;
  taskName?: string | null;
  expiresAt: string;
  usedAt?: string | null;
}

function explain(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 410) return "This link has expired. Open the request in the app to act on it.";
    if (error.code === "action_link_needs_form") return `${error.message} Open the request in the app to fill it in.`;
    if (error.status === 409) return "This link was already used, or the request has moved on since it was sent.";
    if (error.status === 404) return "This link is not valid.";
  }
  return messageOf(error);
}

export function ActionLinkPage() {
  const { token = "" } = useParams();
  const [comment, setComment] = useState("");
  const link = useQuery({
    queryKey: ["action-link", token],
    queryFn: () => request<ActionLink>("GET", `/action-links/${encodeURIComponent(token)}`, undefined, { auth: false }),
    retry: false,
  });
  const confirm = useMutation({
    mutationFn: () => {
      const note = comment.trim() || undefined;
      const body = link.data?.action === "reject" ? { comment: note, reason: note } : { comment: note };
      return request<unknown>("POST", `/action-links/${encodeURIComponent(token)}/confirm`, body);
    },
  });
  const data = link.data;
  const verb = data?.action === "reject" ? "Reject" : "Approve";

  return (
    <Center component="main" mih="100vh" p="md">
      <Paper withBorder shadow="sm" p="xl" w="100%" maw={480}>
        <Stack>
          <Title order={1} size="h2">
            {data ? `${verb} this request?` : "Action link"}
          </Title>
          {link.isPending && <Loader aria-label="Loading" />}
          {link.isError && (
            <Alert color="red" role="alert">
              {explain(link.error)}
            </Alert>
          )}
          {data && (
            <>
              <Text>
                <strong>{data.flowName}</strong>, level <strong>{data.levelName}</strong>
                {data.taskName ? ` (${data.taskName})` : ""}.
              </Text>
              <Text size="sm">The link can be used once, until {when(data.expiresAt)}.</Text>
              {data.usedAt ? (
                <Alert color="orange" role="alert">
                  This link was already used on {when(data.usedAt)}.
                </Alert>
              ) : confirm.isSuccess ? (
                <Alert color="green" role="status" title="Done">
                  The request was {data.action === "reject" ? "rejected" : "approved"}.
                </Alert>
              ) : (
                <>
                  {confirm.isError && (
                    <Alert color="red" role="alert">
                      {explain(confirm.error)}
                    </Alert>
                  )}
                  <Textarea
                    label={data.action === "reject" ? "Reason" : "Comment (optional)"}
                    value={comment}
                    onChange={(e) => setComment(e.currentTarget.value)}
                    maxLength={2000}
                  />
                  <Button color={data.action === "reject" ? "red.8" : "teal.9"} loading={confirm.isPending} onClick={() => confirm.mutate()}>
                    {verb}
                  </Button>
                </>
              )}
              <Anchor component={Link} to={`/instances/${data.instanceId}`}>
                Open the request in the app
              </Anchor>
            </>
          )}
        </Stack>
      </Paper>
    </Center>
  );
}
