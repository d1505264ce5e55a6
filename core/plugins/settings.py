"""A plugin's own settings: declared by the plugin (`erp_register_settings`), read from the
environment under `ERP_PLUGIN_<PREFIX>_`, and handed to that plugin only. No prefix reaches
the platform's own variables (`ERP_SECRET_KEY`, `DATABASE_URL`...)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, ClassVar, TypeVar

import msgspec
import msgspec.inspect

ENV_PREFIX = "ERP_PLUGIN_"
_PREFIX = re.compile(r"^[A-Z][A-Z0-9_]*$")
_TEXT = (msgspec.inspect.StrType, msgspec.inspect.AnyType)

S = TypeVar("S", bound="PluginSettings")


class PluginSettings(msgspec.Struct, frozen=True, kw_only=True):
    """Base of a plugin's settings. Subclass it with typed fields and defaults, and name the
    environment prefix; each field `api_token` is read from `ERP_PLUGIN_<PREFIX>_API_TOKEN`
    (text as is; numbers, booleans and dates converted; lists and objects as JSON). A field
    without a default is required. Settings are frozen (shared by every run of the plugin's
    actions); say `frozen=True` in the subclass too, as type checkers expect.

        class AcmeSettings(PluginSettings, frozen=True):
            prefix = "ACME"
            base_url: str = "https://api.acme.example"
            timeout: float = 10.0
    """

    prefix: ClassVar[str] = ""
    """Upper-case letters, digits and underscores; `ERP_PLUGIN_` comes before it."""


class PluginSettingsInvalid(ValueError):
    """A plugin's settings class, or the environment's values for it, cannot be used."""


def environment_prefix(kind: type[PluginSettings]) -> str:
    """`ERP_PLUGIN_<PREFIX>_`: where the values of `kind` are read."""
    prefix = kind.prefix
    if not isinstance(prefix, str) or not _PREFIX.match(prefix):
        raise PluginSettingsInvalid(
            f"{kind.__name__}.prefix must be upper-case letters, digits and underscores "
            f"(got {prefix!r})"
        )
    return f"{ENV_PREFIX}{prefix}_"


def read_plugin_settings(kind: type[S], environ: Mapping[str, str]) -> S:
    """The settings `kind` declares, from `environ`; PluginSettingsInvalid names the variable
    that is missing or malformed."""
    if not (isinstance(kind, type) and issubclass(kind, PluginSettings)):
        raise PluginSettingsInvalid(f"{kind!r} is not a PluginSettings subclass")
    prefix = environment_prefix(kind)
    values: dict[str, Any] = {}
    variables: dict[str, str] = {}
    for info in msgspec.inspect.type_info(kind).fields:  # type: ignore[attr-defined]
        variable = prefix + info.name.upper()
        variables[info.encode_name] = variable
        if variable not in environ:
            if info.required:
                raise PluginSettingsInvalid(f"{variable} is required")
            continue
        raw = environ[variable]
        values[info.encode_name] = raw if _is_text(info.type) else _decoded(raw)
    try:
        return msgspec.convert(values, kind, strict=False)
    except msgspec.ValidationError as exc:
        raise PluginSettingsInvalid(_named(str(exc), variables)) from None


def _is_text(kind: msgspec.inspect.Type) -> bool:
    while isinstance(kind, msgspec.inspect.Metadata):
        kind = kind.type
    kinds = kind.types if isinstance(kind, msgspec.inspect.UnionType) else (kind,)
    return any(isinstance(k, _TEXT) for k in kinds)


def _decoded(raw: str) -> Any:
    # Lists and objects come as JSON; anything else stays text for msgspec to convert.
    if raw.strip()[:1] in ("[", "{"):
        try:
            return msgspec.json.decode(raw)
        except msgspec.DecodeError:
            return raw
    return raw


def _named(message: str, variables: Mapping[str, str]) -> str:
    found = re.search(r"at `\$\.([^`.\[]+)", message)
    if found and found.group(1) in variables:
        return f"{variables[found.group(1)]}: {message.split(' - at ')[0]}"
    return message
