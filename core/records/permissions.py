"""Who may do what with a table's records: per role, each of read, create, update and delete
is granted on all records, on the user's own (those they created) or on none, and each field
is writable, read-only or hidden (docs/records.md, "Permissions").

A table's `permissions` maps a role to its grants. The role is a platform role (`MANAGER`,
`EMPLOYEE`) or the name of a company role, so a definition rolled out to client companies
finds their roles of the same name. A user holds the grants of their platform role (the
defaults when the table names it not) and of every company role they have: grants add up.
Admins and developers may do everything, and so may triggers: only builders write them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.access import Principal
from core.errors import FieldProblem, NotFound, PermissionDenied, ValidationFailed
from core.models import Role, UserRole, user_roles
from core.rules.errors import RuleError
from core.rules.seed_format import to_jsonlogic
from core.schema import CompiledSchema

Scope = Literal["all", "own", "none"]
Access = Literal["write", "read", "none"]
ACTIONS = ("read", "create", "update", "delete")
SCOPES: tuple[Scope, ...] = ("none", "own", "all")
"""Narrowest first: of two grants, the later in this order is the broader."""
FIELD_ACCESS: tuple[Access, ...] = ("none", "read", "write")
UNCONFIGURABLE = frozenset({UserRole.ADMIN.value, UserRole.DEVELOPER.value})
PLATFORM_ROLES = tuple(r.value for r in UserRole if r.value not in UNCONFIGURABLE)
"""The platform roles a table's permissions may name (besides company roles)."""
DEFAULT_GRANTS: dict[str, Scope] = {
    "read": "all",
    "create": "all",
    "update": "own",
    "delete": "own",
}
"""What a role the table does not name may do: read everything, add records, and change or
delete the records it created."""

_SCOPE_TITLES = {"all": "All records", "own": "Their own records", "none": "None"}
_ACCESS_TITLES = {"write": "Read and write", "read": "Read only", "none": "Hidden"}
ROLE_PERMISSIONS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        **{
            action: {
                "type": "string",
                "title": action.capitalize(),
                "oneOf": [{"const": s, "title": _SCOPE_TITLES[s]} for s in reversed(SCOPES)],
                "default": DEFAULT_GRANTS[action],
            }
            for action in ACTIONS
        },
        "fields": {
            "type": "object",
            "title": "Field access",
            "description": "Field id: access; a field not named is read and written.",
            "additionalProperties": {
                "type": "string",
                "oneOf": [{"const": a, "title": _ACCESS_TITLES[a]} for a in reversed(FIELD_ACCESS)],
            },
        },
    },
}
"""What one role may do with a table's records: each action on all records, on its own or
on none; each field writable, read-only or hidden."""
PERMISSIONS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "Permissions",
    "description": "Per role (MANAGER, EMPLOYEE or a company role's name) what it may do; a "
    "role not named has the defaults. Admins and developers may always do everything.",
    "propertyNames": {"not": {"enum": sorted(UNCONFIGURABLE)}},
    "additionalProperties": ROLE_PERMISSIONS_SCHEMA,
}
"""The JSON Schema of a table's `permissions` (GET /tables/definition-schemas)."""


@dataclass(frozen=True, slots=True)
class TriggerAuthority:
    """A trigger's action writing records: it acts with the trigger's own authority (a
    builder's, who alone may write triggers), whatever the role of the person whose event
    fired it. `user_id` is only recorded as the author."""

    user_id: str | None = None

    @property
    def role(self) -> None:
        return None


Acting = Principal | TriggerAuthority
"""Who acts on records: a person (their principal) or a trigger."""


@dataclass(frozen=True, slots=True)
class Grant:
    """What one actor may do with one table's records."""

    user_id: str | None
    scopes: Mapping[str, Scope]
    fields: Mapping[str, Access] = field(default_factory=dict)
    """Field id → access, for the fields that are not writable (absent: writable)."""

    @property
    def hidden(self) -> frozenset[str]:
        return frozenset(f for f, a in self.fields.items() if a == "none")

    def scope(self, action: str) -> Scope:
        return self.scopes[action]

    def allows(self, action: str, created_by: str | None) -> bool:
        """May the actor do `action` on a record created by `created_by`?"""
        scope = self.scopes[action]
        return scope == "all" or (
            scope == "own" and self.user_id is not None and created_by == self.user_id
        )

    def require(self, action: str, table_name: str) -> None:
        """PermissionDenied unless the action is granted on some records ("own" on create
        grants it: every record one creates is one's own)."""
        if self.scopes[action] == "none":
            raise PermissionDenied(f"Your role may not {action} records of {table_name}.")

    def own_only(self, action: str) -> str | None:
        """The user whose records alone the action reaches (None when it reaches all)."""
        if self.scopes[action] == "own":
            return self.user_id or ""
        return None

    def check_record(
        self, action: str, table_name: str, record_id: str, created_by: str | None
    ) -> None:
        """For a record the actor may read: PermissionDenied unless `action` reaches it; for
        one they may not read: NotFound, as if it did not exist."""
        if not self.allows("read", created_by):
            raise NotFound(f"no record {record_id!r}")
        if not self.allows(action, created_by):
            raise PermissionDenied(
                f"Your role may {action} only the records you created in {table_name}."
                if self.scopes[action] == "own"
                else f"Your role may not {action} records of {table_name}."
            )

    def visible(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """The record's values without the hidden fields."""
        hidden = self.hidden
        if not hidden:
            return dict(data)
        return {k: v for k, v in data.items() if k not in hidden}

    def check_writes(self, rows: Iterable[tuple[str, Mapping[str, Any]]]) -> None:
        """ValidationFailed naming every field a write sets that the actor may not write;
        `rows` is (path prefix, values) per record written."""
        if not self.fields:
            return
        problems = [
            FieldProblem(
                f"{prefix}{name}",
                "your role may not see this field"
                if self.fields[name] == "none"
                else "your role may read this field but not change it",
                "field_forbidden",
            )
            for prefix, values in rows
            for name in values
            if name in self.fields
        ]
        if problems:
            raise ValidationFailed(problems, "The write sets fields your role may not write")

    def check_query(self, where: Any, sort: Iterable[str] | None, schema: CompiledSchema) -> None:
        """ValidationFailed when a filter or a sort names a hidden field (its values would show
        through the answer's order and count)."""
        hidden = self.hidden
        if not hidden:
            return
        problems = [
            FieldProblem(f"sort[{i}]", f"no field {item.lstrip('-')!r} to sort on", "unknown_field")
            for i, item in enumerate(sort or ())
            if item.lstrip("-") in hidden
        ]
        if where not in (None, {}):
            fields = [{"id": d.id, "label": d.label, "type": d.type} for d in schema.definitions]
            try:
                logic = to_jsonlogic(where, fields)
            except RuleError:
                logic = where  # where_clause reports the rule's own problems
            for name in sorted(_names_read(logic), key=lambda n: n or ""):
                if name is None or name in hidden:
                    problems.append(
                        FieldProblem(
                            "where",
                            "a computed field name cannot be checked against your access"
                            if name is None
                            else f"no field {name!r} to filter on",
                            "unknown_field",
                        )
                    )
        if problems:
            raise ValidationFailed(problems, "The query names fields your role may not see")


def full_grant(user_id: str | None) -> Grant:
    return Grant(user_id, dict.fromkeys(ACTIONS, "all"))


def _names_read(logic: Any) -> set[str | None]:
    """The fields a JSONLogic rule reads (the first part of each `var`; None for a name
    computed at run time)."""
    found: set[str | None] = set()
    if isinstance(logic, list):
        for item in logic:
            found |= _names_read(item)
    elif isinstance(logic, dict):
        for operator, args in logic.items():
            if operator == "var":
                name = args[0] if isinstance(args, list) and args else args
                if isinstance(name, str):
                    found.add(name.split(".")[0])
                elif name not in (None, "") and not isinstance(name, int | float):
                    found.add(None)
                    found |= _names_read(name)
            else:
                found |= _names_read(args)
    return found


async def grant_for(
    session: AsyncSession, acting: Acting, *, company_id: str, permissions: Mapping[str, Any]
) -> Grant:
    """What `acting` may do with the records of a table with these `permissions`."""
    if isinstance(acting, TriggerAuthority) or acting.role.value in UNCONFIGURABLE:
        return full_grant(acting.user_id)
    entries = [{**DEFAULT_GRANTS, **permissions.get(acting.role.value, {})}]
    named = set(permissions) - {r.value for r in UserRole}
    if named:
        # Only tables that name company roles cost the look-up of the user's roles.
        held = await session.scalars(
            sa.select(Role.name)
            .join(user_roles, user_roles.c.role_id == Role.id)
            .where(
                user_roles.c.user_id == acting.user_id,
                Role.company_id == company_id,
                Role.name.in_(sorted(named)),
            )
        )
        entries += [permissions[name] for name in held]
    scopes: dict[str, Scope] = {
        action: max((e.get(action, "none") for e in entries), key=SCOPES.index)
        for action in ACTIONS
    }
    # Field access starts from the platform role's entry; a company role widens only the
    # fields it names (granting a role more actions reveals no hidden field).
    fields: dict[str, Access] = dict(entries[0].get("fields") or {})
    for entry in entries[1:]:
        for name, access in (entry.get("fields") or {}).items():
            fields[name] = max(fields.get(name, "write"), access, key=FIELD_ACCESS.index)
    fields = {name: access for name, access in fields.items() if access != "write"}
    return Grant(acting.user_id, scopes, fields)


async def check_permissions(
    session: AsyncSession, *, company_id: str, permissions: Any, schema: CompiledSchema
) -> dict[str, Any]:
    """The table's permissions as stored: `{role: {"read"|"create"|"update"|"delete":
    "all"|"own"|"none", "fields": {field id: "write"|"read"|"none"}}}`, roles a platform role
    (MANAGER, EMPLOYEE) or a company role's name. ValidationFailed lists every problem."""
    if permissions in (None, {}):
        return {}
    if not isinstance(permissions, dict):
        raise ValidationFailed([FieldProblem("permissions", "must be an object", "invalid_type")])
    problems: list[FieldProblem] = []
    platform = {r.value for r in UserRole}
    named = set(permissions) - platform
    known = (
        set(
            await session.scalars(
                sa.select(Role.name).where(Role.company_id == company_id, Role.name.in_(named))
            )
        )
        if named
        else set()
    )
    stored: dict[str, Any] = {}
    for role, entry in permissions.items():
        at = f"permissions.{role}"
        if role in UNCONFIGURABLE:
            problems.append(
                FieldProblem(at, "admins and developers may always do everything", "not_allowed")
            )
            continue
        if role not in platform and role not in known:
            problems.append(
                FieldProblem(at, f"no platform role or company role named {role!r}", "not_found")
            )
            continue
        if not isinstance(entry, dict):
            problems.append(FieldProblem(at, "must be an object", "invalid_type"))
            continue
        for key in sorted(set(entry) - {*ACTIONS, "fields"}):
            problems.append(
                FieldProblem(f"{at}.{key}", "is not read, create, update, delete or fields")
            )
        for action in ACTIONS:
            if action in entry and entry[action] not in SCOPES:
                problems.append(
                    FieldProblem(f"{at}.{action}", "must be all, own or none", "invalid_choice")
                )
        fields = entry.get("fields", {})
        if not isinstance(fields, dict):
            problems.append(FieldProblem(f"{at}.fields", "must be an object", "invalid_type"))
        else:
            for name, access in fields.items():
                if name not in schema.by_id:
                    problems.append(
                        FieldProblem(f"{at}.fields.{name}", "is not a field", "unknown_field")
                    )
                elif access not in FIELD_ACCESS:
                    problems.append(
                        FieldProblem(
                            f"{at}.fields.{name}", "must be write, read or none", "invalid_choice"
                        )
                    )
        stored[role] = entry
    if problems:
        raise ValidationFailed(problems, "The table's permissions are invalid")
    return stored
