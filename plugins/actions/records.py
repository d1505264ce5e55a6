"""create_record / update_record: write to a custom table of the company."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

from erp.sdk import ENTITY_KEY, Action, ActionContext, create_record, hookimpl, update_record


class CreateRecordConfig(msgspec.Struct, rename="camel", forbid_unknown_fields=True):
    """{"tableId": "...", "data": {"amount": "{{amount}}"}}; `userId` is recorded as author."""

    table_id: Annotated[str, msgspec.Meta(extra_json_schema={ENTITY_KEY: "CustomTable"})]
    data: dict[str, Any] = {}
    user_id: str | None = None


class UpdateRecordConfig(msgspec.Struct, rename="camel", forbid_unknown_fields=True):
    """{"recordId": "{{recordId}}", "data": {"status": "Approved"}} (merged over the record)."""

    record_id: Annotated[str, msgspec.Meta(extra_json_schema={ENTITY_KEY: "CustomTableRecord"})]
    data: dict[str, Any] = {}
    user_id: str | None = None


async def run_create(context: ActionContext, config: CreateRecordConfig) -> dict[str, Any]:
    return await create_record(
        context, table_id=config.table_id, data=config.data, user_id=config.user_id
    )


async def run_update(context: ActionContext, config: UpdateRecordConfig) -> dict[str, Any]:
    return await update_record(
        context, record_id=config.record_id, data=config.data, user_id=config.user_id
    )


@hookimpl
def erp_register_actions() -> list[Action]:
    return [
        Action(
            name="create_record",
            config=CreateRecordConfig,
            run=run_create,
            description="Add a record to a custom table.",
        ),
        Action(
            name="update_record",
            config=UpdateRecordConfig,
            run=run_update,
            description="Change fields of a custom table record.",
        ),
    ]
