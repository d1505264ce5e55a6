"""noop: does nothing and succeeds; for trying a trigger's conditions and measuring the
pipeline without side effects."""

from __future__ import annotations

import msgspec

from erp.sdk import Action, ActionContext, hookimpl


class NoopConfig(msgspec.Struct):
    pass


async def noop(context: ActionContext, config: NoopConfig) -> None:
    return None


@hookimpl
def erp_register_actions() -> list[Action]:
    return [Action(name="noop", config=NoopConfig, run=noop, description="Do nothing.")]
