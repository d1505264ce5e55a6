"""http_request: call an external HTTP API with a body templated from the event, through
the platform's guarded client."""

from __future__ import annotations

from typing import Any

import msgspec

from erp.sdk import Action, ActionContext, ActionFailed, OutboundRequestFailed, hookimpl

MAX_BODY_IN_OUTPUT = 10_000
RETRYABLE_CLIENT_ERRORS = frozenset({408, 425, 429})


class HttpRequestConfig(msgspec.Struct, rename="camel", forbid_unknown_fields=True):
    """{"method": "POST", "url": "https://...", "headers": {...}, "body": {...}}; the body is
    sent as JSON. Any 2xx answer is success unless `expectStatus` lists the accepted ones."""

    url: str
    method: str = "POST"
    headers: dict[str, str] = {}
    body: Any = None
    query: dict[str, Any] = {}
    timeout_seconds: float | None = None
    expect_status: list[int] = []


async def http_request(context: ActionContext, config: HttpRequestConfig) -> dict[str, Any]:
    headers = {str(k): str(v) for k, v in config.headers.items()}
    # Receivers that deduplicate see the same key on every retry of this action of this run.
    if not any(k.lower() == "idempotency-key" for k in headers):
        headers["Idempotency-Key"] = context.idempotency_key
    try:
        response = await context.http.request(
            config.method,
            config.url,
            headers=headers,
            json=config.body,
            params=config.query or None,
            timeout_seconds=config.timeout_seconds,
        )
    except OutboundRequestFailed as exc:
        raise ActionFailed(exc.message, retryable=exc.code == "http.request_failed") from exc
    accepted = (
        response.status_code in config.expect_status
        if config.expect_status
        else 200 <= response.status_code < 300
    )
    try:
        body: Any = response.json()
    except ValueError:
        body = response.text[:MAX_BODY_IN_OUTPUT]
    if not accepted:
        code = response.status_code
        raise ActionFailed(
            f"{config.method.upper()} {config.url} answered {code}",
            retryable=code >= 500 or code in RETRYABLE_CLIENT_ERRORS,
            status=code,
        )
    return {"status": response.status_code, "body": body}


@hookimpl
def erp_register_actions() -> list[Action]:
    return [
        Action(
            name="http_request",
            config=HttpRequestConfig,
            run=http_request,
            description="Call an HTTP API (JSON body templated from the event).",
        )
    ]
