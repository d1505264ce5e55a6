"""What GET /integrations/types shows: every integration type with JSON schemas of its
settings, its actions' inputs and its sources' settings, so a builder UI can be generated."""

from __future__ import annotations

from typing import Any

from core.integrations.runner import integration_types
from core.integrations.sdk import OAuth2Credentials, VendorIntegration
from core.plugins.integrations import ConfigField, IntegrationType

_JSON_TYPES = {
    "string": {"type": "string"},
    "text": {},  # free text or any JSON value (rows, records, mappings)
    "url": {"type": "string", "format": "uri"},
    "email": {"type": "string", "format": "email"},
    "select": {"type": "string"},
    "integer": {"type": "integer"},
    "number": {"type": "number"},
    "boolean": {"type": "boolean"},
}


def fields_schema(fields: tuple[ConfigField, ...]) -> dict[str, Any]:
    """A JSON schema of settings; secrets are `writeOnly`."""
    properties: dict[str, Any] = {}
    for f in fields:
        prop: dict[str, Any] = {**_JSON_TYPES[f.type], "title": f.label}
        if f.description:
            prop["description"] = f.description
        if f.options:
            prop["enum"] = list(f.options)
        if f.default is not None:
            prop["default"] = f.default
        if f.secret:
            prop["writeOnly"] = True
        properties[f.name] = prop
    return {
        "type": "object",
        "properties": properties,
        "required": [f.name for f in fields if f.required],
        "additionalProperties": False,
    }


def _auth(itype: IntegrationType) -> str:
    if not isinstance(itype, VendorIntegration) or itype.credentials is None:
        return "none"
    try:
        credentials = itype.credentials({})
    except Exception:  # a plugin may insist on settings; that is not OAuth by default
        return "custom"
    return "oauth2" if isinstance(credentials, OAuth2Credentials) else "custom"


def describe_type(itype: IntegrationType) -> dict[str, Any]:
    return {
        "name": itype.name,
        "label": itype.label,
        "description": itype.description,
        "auth": _auth(itype),
        "configSchema": fields_schema(itype.config),
        "secretFields": list(itype.secret_fields),
        "actions": [
            {
                "name": a.name,
                "label": a.label,
                "description": a.description,
                "inputSchema": fields_schema(a.config),
            }
            for a in itype.actions
        ],
        "sources": [
            {
                "name": s.name,
                "label": s.label,
                "kind": s.kind,
                "description": s.description,
                "configSchema": fields_schema(s.config),
            }
            for s in itype.sources
        ],
    }


def describe_types() -> list[dict[str, Any]]:
    """Every loaded integration type, by name."""
    return [describe_type(t) for _, t in sorted(integration_types().items())]
