"""Every route handler written under api/ is served: none is left out of the app's routers."""

from __future__ import annotations

import importlib
import pkgutil

from litestar.handlers import BaseRouteHandler

import api
from api.app import create_app
from tests.world.app import make_settings


def _handlers_defined_under_api() -> dict[str, BaseRouteHandler]:
    found: dict[str, BaseRouteHandler] = {}
    for info in pkgutil.walk_packages(api.__path__, prefix="api."):
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if isinstance(value, BaseRouteHandler) and value.fn.__module__ == info.name:
                found[f"{info.name}.{name}"] = value
    return found


async def test_every_handler_defined_under_api_is_served(database_url, tmp_path) -> None:
    app = create_app(make_settings(database_url, tmp_path))
    served = {
        handler.fn for route in app.routes for handler in getattr(route, "route_handlers", [])
    }
    defined = _handlers_defined_under_api()
    assert len(defined) > 90  # the walk found the areas' handlers
    unserved = sorted(name for name, handler in defined.items() if handler.fn not in served)
    assert not unserved, f"defined but not registered in api.app.ROUTERS: {unserved}"
