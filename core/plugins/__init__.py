"""The plugin SDK: what a plugin imports to hook into the platform."""

from core.plugins.hookspecs import hookimpl

__all__ = ["hookimpl"]
