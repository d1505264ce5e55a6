"""notify: an in-app notification for users named by id, email or role."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

from erp.sdk import ENTITY_KEY, Action, ActionContext, ActionFailed, hookimpl, notify_users


class NotifyConfig(msgspec.Struct, rename="camel", forbid_unknown_fields=True):
    """{"title": "Expense of {{amount}}", "roles": ["Finance"], "link": "/tasks/..."}."""

    title: str
    body: str = ""
    link: str | None = None
    user_ids: Annotated[list[str], msgspec.Meta(extra_json_schema={ENTITY_KEY: "User"})] = []
    emails: list[str] = []
    roles: list[str] = []


async def notify(context: ActionContext, config: NotifyConfig) -> dict[str, Any]:
    users = await notify_users(
        context,
        title=config.title,
        body=config.body,
        link=config.link,
        user_ids=config.user_ids,
        emails=config.emails,
        roles=config.roles,
    )
    if not users:
        raise ActionFailed("no active user of the company matches the recipients", retryable=False)
    return {"notified": users}


@hookimpl
def erp_register_actions() -> list[Action]:
    return [
        Action(
            name="notify",
            config=NotifyConfig,
            run=notify,
            description="Show a notification to users in the app.",
        )
    ]
