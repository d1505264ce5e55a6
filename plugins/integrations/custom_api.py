"""Any HTTP API: a base URL and an auth scheme on the integration; each call's method, path,
query, headers and body templated from the event; the answer mapped into the event's data by
paths; pagination by next link, cursor or page number."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urljoin

from erp.sdk import (
    ApiKey,
    BasicAuth,
    ConfigField,
    Credentials,
    IntegrationAction,
    IntegrationContext,
    IntegrationFailed,
    NoAuth,
    StaticToken,
    VendorIntegration,
    hookimpl,
    raise_for_vendor,
)

MAX_PAGES = 50


def credentials(config: Mapping[str, Any]) -> Credentials:
    scheme = config.get("authScheme") or "none"
    if scheme == "api_key":
        return ApiKey(
            config.get("apiKeyName") or "X-API-Key",
            config.get("apiKey") or "",
            in_query=config.get("apiKeyIn") == "query",
        )
    if scheme == "bearer":
        return StaticToken(config.get("token") or "")
    if scheme == "basic":
        return BasicAuth(config.get("username") or "", config.get("password") or "")
    return NoAuth()


def pick(data: Any, path: str) -> Any:
    """`a.b.0.c` into nested objects and lists ("" is the whole value)."""
    current = data
    for part in [p for p in path.split(".") if p]:
        if isinstance(current, Mapping):
            current = current.get(part)
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            return None
    return current


async def call(context: IntegrationContext, inputs: dict[str, Any]) -> dict[str, Any]:
    """One request, or several when `pagination` is set ({"type": "next_link", "path"} /
    {"type": "cursor", "path", "param"} / {"type": "page", "param", "itemsPath"}): the
    pages' `itemsPath` lists are concatenated. `responseMap` {name: path} shapes the output."""
    method = str(inputs.get("method") or "GET").upper()
    url = urljoin(
        str(context.setting("baseUrl")).rstrip("/") + "/", str(inputs.get("path") or "").lstrip("/")
    )
    params = dict(inputs.get("query") or {})
    headers = {str(k): str(v) for k, v in (inputs.get("headers") or {}).items()}
    pagination = inputs.get("pagination") or {}
    items: list[Any] = []
    pages = 0
    body: Any = None
    while True:
        response = await context.http.request(
            method,
            url,
            params=params,
            headers=headers,
            json=inputs.get("body") if method not in ("GET", "HEAD") else None,
        )
        raise_for_vendor(response, f"{method} {inputs.get('path') or '/'}")
        try:
            body = response.json()
        except ValueError:
            body = response.text
        pages += 1
        kind = pagination.get("type")
        if not kind:
            break
        found = pick(body, pagination.get("itemsPath", ""))
        if not isinstance(found, list):
            raise IntegrationFailed(
                "the pagination's itemsPath does not point at a list", retryable=False
            )
        items += found
        if pages >= int(pagination.get("maxPages") or MAX_PAGES):
            break
        if kind == "next_link":
            link = pick(body, pagination.get("path", "next"))
            if not link:
                break
            url, params = urljoin(url, str(link)), {}
        elif kind == "cursor":
            cursor = pick(body, pagination.get("path", "next_cursor"))
            if not cursor:
                break
            params[pagination.get("param", "cursor")] = cursor
        elif kind == "page":
            if not found:
                break
            param = pagination.get("param", "page")
            params[param] = int(params.get(param) or pagination.get("start", 1)) + 1
        else:
            raise IntegrationFailed(f"unknown pagination type {kind!r}", retryable=False)
    mapped = {name: pick(body, path) for name, path in (inputs.get("responseMap") or {}).items()}
    result: dict[str, Any] = {"status": response.status_code, **mapped}
    if pagination.get("type"):
        result["items"] = items
        result["pages"] = pages
    elif not mapped:
        result["body"] = body
    return result


async def check(context: IntegrationContext) -> dict[str, Any]:
    answer = await call(context, {"method": "GET", "path": context.setting("healthPath") or ""})
    return {"status": answer["status"]}


CUSTOM_API = VendorIntegration(
    name="CUSTOM_API",
    label="Custom HTTP API",
    description="Call any JSON HTTP API with templated requests and mapped answers.",
    config=(
        ConfigField("baseUrl", "Base URL", "url", required=True),
        ConfigField(
            "authScheme",
            "Authentication",
            "select",
            options=("none", "api_key", "bearer", "basic"),
            default="none",
        ),
        ConfigField("apiKeyName", "API key header or parameter name"),
        ConfigField("apiKeyIn", "Send the API key in", "select", options=("header", "query")),
        ConfigField("apiKey", "API key", secret=True),
        ConfigField("token", "Bearer token", secret=True),
        ConfigField("username", "User name"),
        ConfigField("password", "Password", secret=True),
        ConfigField("healthPath", "Path that /test calls"),
    ),
    actions=(
        IntegrationAction(
            "call",
            "Call the API",
            call,
            (
                ConfigField(
                    "method", "Method", "select", options=("GET", "POST", "PUT", "PATCH", "DELETE")
                ),
                ConfigField("path", "Path"),
                ConfigField("query", "Query parameters", "text"),
                ConfigField("headers", "Headers", "text"),
                ConfigField("body", "JSON body", "text"),
                ConfigField("responseMap", "Answer paths by name", "text"),
                ConfigField("pagination", "Pagination", "text"),
            ),
        ),
    ),
    credentials=credentials,
    check=check,
)


@hookimpl
def erp_register_integrations() -> list[VendorIntegration]:
    return [CUSTOM_API]
