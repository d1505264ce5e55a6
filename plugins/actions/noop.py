"""noop: does nothing and succeeds; for trying a trigger's conditions and measuring the
pipeline without side effects."""

from __future__ import annotations

import msgspec

from core.plugins import hookimpl
from core.triggers.sdk import Action, ActionContext


class NoopConfig(msgspec.Struct):
    pass


async def noop(context: ActionContext, config: NoopConfig) -> None:
    return None


@hookimpl
def erp_register_actions() -> list[Action]:
    return [Action(name="noop", config=NoopConfig, run=noop, description="Do nothing.")]
