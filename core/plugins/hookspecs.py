"""Every hook a plugin can implement (pluggy project `erp`). Each docstring says when the
hook is called and what it returns."""

from __future__ import annotations

from typing import Any

import pluggy

PROJECT = "erp"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def erp_register_commands(cli: Any) -> None:
    """Called once when the `erp` command line starts; add click commands or groups to
    `cli` (a `click.Group`). Returns nothing."""
