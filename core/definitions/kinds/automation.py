"""E-mail templates, integrations with their workflows, and triggers: what automation is made
of. Secrets never reach a file: an integration's secret setting is a named reference whose
value an apply is given separately (or the integration is connected in the installation)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from core.definitions.documents import (
    EmailTemplateDoc,
    IntegrationDoc,
    StandaloneTriggerDoc,
    TriggerDoc,
    WorkflowDoc,
)
from core.definitions.files import slug
from core.definitions.kinds.base import Kind, changed_values, missing, refuse
from core.definitions.state import Context, Item, Names
from core.errors import FieldProblem
from core.integrations.definitions import INTEGRATIONS, WORKFLOWS
from core.integrations.runner import integration_types
from core.integrations.secrets import RUNTIME_SECRETS, public_config, secrets_set
from core.models import EmailTemplate, EventType, Integration, IntegrationWorkflow, Trigger
from core.triggers import use_cases as triggers
from core.triggers.email_templates import EMAIL_TEMPLATES
from core.triggers.references import rewrite_references
from core.triggers.service import TriggerSpec
from core.vault import SecretBox

REFERENCE_KEY = "$secret"
"""The key of a secret's reference in an integration's config: `{"$secret": "crm.apiKey"}`."""


def reference(value: Any) -> str | None:
    """The secret reference `value` is, if it is one."""
    if isinstance(value, dict) and set(value) == {REFERENCE_KEY}:
        named = value[REFERENCE_KEY]
        return named if isinstance(named, str) else None
    return None


def as_names(names: Names, actions: Any) -> Any:
    """Actions naming rows by name (users by e-mail) instead of id."""
    return rewrite_references(actions, names.to_names)


def as_ids(names: Names, actions: Any) -> Any:
    """Actions naming the company's rows by id again; a name the company lacks is left for
    the trigger's own checks to report."""
    return rewrite_references(actions, names.to_ids)


class EmailTemplates(Kind):
    kind = "email-templates"
    label = "e-mail template"
    entity = "EmailTemplate"
    document = EmailTemplateDoc
    read = "email_templates.read"
    write = "email_templates.write"

    async def export(self, ctx: Context) -> list[Item]:
        rows = await ctx.session.scalars(
            sa.select(EmailTemplate).where(EmailTemplate.company_id == ctx.company_id)
        )
        return [
            self.item(
                row.id,
                row.name,
                EmailTemplateDoc(
                    name=row.name,
                    type=row.type,
                    is_active=row.is_active,
                    subject=row.subject,
                    body=row.body,
                    variables=list(row.variables or []),
                ),
            )
            for row in rows
        ]

    def _values(self, item: Item, keys: set[str] | None = None) -> dict[str, Any]:
        doc = item.document
        values = {
            "name": doc["name"],
            "type": doc["type"],
            "is_active": doc["isActive"],
            "subject": doc["subject"],
            "body": doc["body"],
            "variables": doc["variables"],
        }
        return values if keys is None else changed_values(values, keys)

    async def create(self, ctx: Context, item: Item) -> str:
        row = await EMAIL_TEMPLATES.create(
            ctx.session, ctx.principal, self._values(item), ctx.settings
        )
        return str(row.id)

    async def update(self, ctx: Context, current: Item, item: Item, changed: set[str]) -> None:
        row = await ctx.session.get(EmailTemplate, current.id)
        await EMAIL_TEMPLATES.update(
            ctx.session, ctx.principal, row, self._values(item, changed), ctx.settings
        )

    async def delete(self, ctx: Context, current: Item) -> None:
        row = await ctx.session.get(EmailTemplate, current.id)
        await EMAIL_TEMPLATES.delete(ctx.session, ctx.principal, row)


class Integrations(Kind):
    kind = "integrations"
    label = "integration"
    entity = "Integration"
    document = IntegrationDoc
    read = "integrations.read"
    write = "integrations.write"
    children = "workflows"

    async def export(self, ctx: Context) -> list[Item]:
        rows = await ctx.session.scalars(
            sa.select(Integration).where(Integration.company_id == ctx.company_id)
        )
        items = []
        for row in rows:
            itype = integration_types().get(row.type.value)
            config: dict[str, Any] = public_config(row.config or {}, itype)
            for key in secrets_set(row.config or {}, itype):
                config[key] = {REFERENCE_KEY: f"{slug(row.name)}.{key}"}
            document = IntegrationDoc(
                name=row.name, type=row.type, is_active=row.is_active, config=config
            )
            items.append(self.item(row.id, row.name, document))
        return items

    def _config(self, ctx: Context, item: Item, current: Item | None) -> dict[str, Any]:
        """The config to send: plain settings as written, each secret whose value was given,
        and null for a secret the file no longer has (a secret not sent is kept)."""
        config: dict[str, Any] = {}
        for key, value in item.document["config"].items():
            ref = reference(value)
            if ref is None:
                config[key] = value
            elif ref in ctx.secrets:
                config[key] = ctx.secrets[ref]
        for key, value in (current.document["config"] if current else {}).items():
            if reference(value) is not None and key not in item.document["config"]:
                config[key] = None
        return config

    async def create(self, ctx: Context, item: Item) -> str:
        values = {
            "name": item.document["name"],
            "type": item.document["type"],
            "is_active": item.document["isActive"],
            "config": self._config(ctx, item, None),
        }
        row = await INTEGRATIONS.create(ctx.session, ctx.principal, values, ctx.settings)
        return str(row.id)

    async def update(self, ctx: Context, current: Item, item: Item, changed: set[str]) -> None:
        if "type" in changed:
            refuse(
                FieldProblem(
                    "/type",
                    "An integration's type cannot change: delete it and make a new one.",
                    "read_only",
                )
            )
        values: dict[str, Any] = {}
        if "name" in changed:
            values["name"] = item.document["name"]
        if "isActive" in changed:
            values["is_active"] = item.document["isActive"]
        if "config" in changed:
            values["config"] = self._config(ctx, item, current)
        row = await ctx.session.get(Integration, current.id)
        await INTEGRATIONS.update(ctx.session, ctx.principal, row, values, ctx.settings)

    async def delete(self, ctx: Context, current: Item) -> None:
        row = await ctx.session.get(Integration, current.id)
        await INTEGRATIONS.delete(ctx.session, ctx.principal, row)

    async def secret_changes(
        self, ctx: Context, current: Item | None, item: Item
    ) -> tuple[list[str], list[str]]:
        """(config keys whose given secret differs from the stored one, notes on secrets
        that will have no value): never a secret's value, only whether it changes."""
        stored: dict[str, Any] = {}
        if current is not None:
            row = await ctx.session.get(Integration, current.id)
            stored = dict(row.config or {}) if row is not None else {}
        box = SecretBox.from_settings(ctx.settings)
        changed, notes = [], []
        for key, value in item.document["config"].items():
            ref = reference(value)
            if ref is None or key in RUNTIME_SECRETS:
                continue
            if ref in ctx.secrets:
                if key not in stored or box.open(stored[key]) != ctx.secrets[ref]:
                    changed.append(key)
            elif key not in stored:
                notes.append(
                    f"The secret {ref!r} (config {key}) has no value here: give it with the "
                    "apply's secrets, or connect the integration afterwards."
                )
        return changed, notes


class Workflows(Kind):
    """An integration's workflows, kept in its file under `workflows`."""

    kind = "workflows"
    label = "integration workflow"
    document = WorkflowDoc
    read = "integrations.read"
    write = "integrations.write"

    async def export(self, ctx: Context) -> list[Item]:
        rows = await ctx.session.scalars(
            sa.select(IntegrationWorkflow).where(IntegrationWorkflow.company_id == ctx.company_id)
        )
        items = []
        for row in rows:
            owner = ctx.names.name_of("Integration", row.integration_id) or row.integration_id
            action = _action_names(ctx.names, dict(row.action_config or {}), to_names=True)
            document = WorkflowDoc(
                is_active=row.is_active,
                trigger_config=dict(row.trigger_config or {}),
                action_config=action,
            )
            items.append(self.item(row.id, row.name, document, owner=("integrations", owner)))
        return items

    def _values(self, ctx: Context, item: Item) -> dict[str, Any]:
        action = _action_names(ctx.names, item.document["actionConfig"], to_names=False)
        named = item.document["actionConfig"].get("integrationId")
        if isinstance(named, str) and ctx.names.id_of("Integration", named) is None:
            refuse(missing("/actionConfig/integrationId", "integration", named))
        return {
            "is_active": item.document["isActive"],
            "trigger_config": item.document["triggerConfig"],
            "action_config": action,
        }

    async def create(self, ctx: Context, item: Item) -> str:
        integration_id = ctx.names.id_of("Integration", item.owner[1])
        if integration_id is None:
            refuse(missing("", "integration", item.owner[1]))
        values = {"name": item.name, "integration_id": integration_id, **self._values(ctx, item)}
        row = await WORKFLOWS.create(ctx.session, ctx.principal, values, ctx.settings)
        return str(row.id)

    async def update(self, ctx: Context, current: Item, item: Item, changed: set[str]) -> None:
        values = changed_values(self._values(ctx, item), changed)
        row = await ctx.session.get(IntegrationWorkflow, current.id)
        await WORKFLOWS.update(ctx.session, ctx.principal, row, values, ctx.settings)

    async def delete(self, ctx: Context, current: Item) -> None:
        row = await ctx.session.get(IntegrationWorkflow, current.id)
        await WORKFLOWS.delete(ctx.session, ctx.principal, row)


def _action_names(names: Names, action: dict[str, Any], *, to_names: bool) -> dict[str, Any]:
    """A workflow's action config with the integration and the rows its platform action
    names turned into names (or back into ids)."""
    rename = names.to_names if to_names else names.to_ids
    out = dict(action)
    if isinstance(out.get("integrationId"), str):
        out["integrationId"] = rename("Integration", out["integrationId"]) or out["integrationId"]
    if out.get("platformAction") and isinstance(out.get("config"), dict):
        (step,) = rewrite_references(
            [{"type": out["platformAction"], "config": out["config"]}], rename
        )
        out["config"] = step["config"]
    return out


OWNERS = {
    "task_id": ("tasks", "Task"),
    "flow_id": ("flows", "Flow"),
    "table_id": ("tables", "CustomTable"),
}
"""What a trigger may be attached to: the file it is kept in and the entity type."""


class Triggers(Kind):
    """Triggers: in the file of the task, flow or table they are attached to, under
    `triggers`; those attached to nothing in files of their own."""

    kind = "triggers"
    label = "trigger"
    document = StandaloneTriggerDoc
    read = "triggers.read"
    write = "triggers.write"

    async def export(self, ctx: Context) -> list[Item]:
        rows = await ctx.session.scalars(
            sa.select(Trigger).where(Trigger.company_id == ctx.company_id)
        )
        items = []
        for row in rows:
            values = {
                "description": row.description,
                "is_active": row.is_active,
                "event_type": row.event_type,
                "event_config": dict(row.event_config or {}),
                "conditions": row.conditions,
                "actions": as_names(ctx.names, row.actions),
                "settings": dict(row.settings or {}),
            }
            owner = next(
                (
                    (folder, ctx.names.name_of(entity, getattr(row, column)) or "")
                    for column, (folder, entity) in OWNERS.items()
                    if getattr(row, column)
                ),
                None,
            )
            if owner is None:
                items.append(
                    self.item(row.id, row.name, StandaloneTriggerDoc(name=row.name, **values))
                )
            else:
                items.append(self.item(row.id, row.name, TriggerDoc(**values), owner=owner))
        return items

    def _spec_values(self, ctx: Context, item: Item) -> dict[str, Any]:
        doc = item.document
        return {
            "name": item.name,
            "description": doc["description"],
            "is_active": doc["isActive"],
            "event_type": EventType(doc["eventType"]),
            "event_config": doc["eventConfig"],
            "conditions": doc["conditions"],
            "actions": as_ids(ctx.names, doc["actions"]),
            "settings": doc["settings"],
        }

    def _owner(self, ctx: Context, item: Item) -> dict[str, Any]:
        folder, name = item.owner
        if not folder:
            return {}
        column, (_, entity) = next((c, o) for c, o in OWNERS.items() if o[0] == folder)
        owner_id = ctx.names.id_of(entity, name)
        if owner_id is None:
            refuse(missing("", folder[:-1], name))
        return {column: str(owner_id)}

    async def create(self, ctx: Context, item: Item) -> str:
        spec = TriggerSpec(**self._spec_values(ctx, item), **self._owner(ctx, item))
        row = await triggers.create_trigger(ctx.session, ctx.principal, spec=spec)
        return str(row.id)

    async def update(self, ctx: Context, current: Item, item: Item, changed: set[str]) -> None:
        changes = changed_values(self._spec_values(ctx, item), changed)
        await triggers.update_trigger(
            ctx.session, ctx.principal, trigger_id=str(current.id), changes=changes
        )

    async def delete(self, ctx: Context, current: Item) -> None:
        await triggers.delete_trigger(ctx.session, ctx.principal, trigger_id=str(current.id))
