"""A company's OpenID Connect providers as an entity: made and changed by those who manage
sign-in, the client secret sealed and never shown, group mappings checked against the
company's roles."""

from __future__ import annotations

from typing import Any

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from core.access import Principal
from core.entities import EntityKind
from core.errors import FieldProblem, ValidationFailed
from core.models import SignInProvider, UserRole
from core.organisation import resolve_roles
from core.settings import Settings
from core.vault import SecretBox

MAPPABLE_ROLES = frozenset({UserRole.ADMIN.value, UserRole.MANAGER.value, UserRole.EMPLOYEE.value})
"""A provider's groups may make people employees, managers or admins, never developers."""


async def provider_values(
    session: AsyncSession,
    principal: Principal,
    values: dict[str, Any],
    row: SignInProvider | None,
    settings: Settings,
) -> dict[str, Any]:
    problems = []
    if "group_roles" in values:
        # Mappings arrive as the API's structs; stored as JSON, camelCase as the API speaks.
        values["group_roles"] = [msgspec.to_builtins(m) for m in values["group_roles"]]
    issuer = values.get("issuer")
    if issuer is not None and not str(issuer).startswith(("https://", "http://")):
        problems.append(FieldProblem("/issuer", "The issuer must be an http(s) URL.", "invalid"))
    for i, mapping in enumerate(values.get("group_roles") or []):
        role = mapping.get("role")
        if role is not None and role not in MAPPABLE_ROLES:
            problems.append(
                FieldProblem(
                    f"/groupRoles/{i}/role",
                    "A group may map to ADMIN, MANAGER or EMPLOYEE.",
                    "invalid",
                )
            )
        ids = mapping.get("roleIds") or []
        try:
            await resolve_roles(session, ids, path=f"/groupRoles/{i}/roleIds")
        except ValidationFailed as failed:
            problems += failed.problems
    if problems:
        raise ValidationFailed(problems)
    if values.get("client_secret"):
        values["client_secret"] = SecretBox.from_settings(settings).seal(values["client_secret"])
    elif "client_secret" in values:
        values["client_secret"] = None
    return values


SIGN_IN_PROVIDERS = EntityKind(SignInProvider, write="sign_in.manage", prepare=provider_values)
