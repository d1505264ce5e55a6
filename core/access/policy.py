"""The permission table of the platform: every guarded action and the user roles that may
perform it. The README's permissions table is generated from `POLICY`."""

from __future__ import annotations

from dataclasses import dataclass

from core.errors import PermissionDenied
from core.models import UserRole

DEV, ADMIN, MANAGER, EMPLOYEE = (
    UserRole.DEVELOPER,
    UserRole.ADMIN,
    UserRole.MANAGER,
    UserRole.EMPLOYEE,
)
EVERYONE = frozenset(UserRole)
BUILDERS = frozenset({DEV, ADMIN})

POLICY: dict[str, frozenset[UserRole]] = {
    # Companies: developers create and manage tenants; an admin edits their own company.
    "companies.read": EVERYONE,
    "companies.create": frozenset({DEV}),
    "companies.update": BUILDERS,
    "companies.delete": frozenset({DEV}),
    # The company's organisation.
    "departments.read": EVERYONE,
    "departments.write": BUILDERS,
    "roles.read": EVERYONE,
    "roles.write": BUILDERS,
    "users.read": frozenset({DEV, ADMIN, MANAGER}),
    "users.write": BUILDERS,
    # Definitions: built by developers and company admins.
    "tasks.read": EVERYONE,
    "tasks.write": BUILDERS,
    "flows.read": EVERYONE,
    "flows.write": BUILDERS,
    "triggers.read": BUILDERS,
    "triggers.write": BUILDERS,
    "datasets.read": EVERYONE,
    "datasets.write": BUILDERS,
    "tables.read": EVERYONE,
    "tables.write": BUILDERS,
    "email_templates.read": BUILDERS,
    "email_templates.write": BUILDERS,
    "integrations.read": BUILDERS,
    "integrations.write": BUILDERS,
    # Everyday work of employees.
    "records.read": EVERYONE,
    "records.write": EVERYONE,
    "files.read": EVERYONE,
    "files.write": EVERYONE,
    "flows.run": EVERYONE,
    "tasks.submit": EVERYONE,
    "rules.evaluate": EVERYONE,
    # Oversight.
    "audit.read": BUILDERS,
    "executions.read": BUILDERS,
    "tasks.submissions.read": BUILDERS,
    "mail.read": BUILDERS,
    "versions.read": frozenset({DEV}),
    "versions.write": frozenset({DEV}),
    "plugins.read": EVERYONE,
    # The platform's machinery: outbox backlog, relay lag, background processes (a company's
    # builders see their company's share; developers the whole platform).
    "system.read": BUILDERS,
    # Accounts: machine clients' API keys, and how the company's people sign in.
    "api_keys.manage": BUILDERS,
    "sign_in.manage": BUILDERS,
}
"""Action → user roles allowed. Company role permissions (canApprove, canReject,
canReassign) refine flow actions further; the flows service checks them."""


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is acting, and for which company. A developer's `company_id` is the company
    they chose for the request; everyone else acts in their own company."""

    user_id: str
    role: UserRole
    company_id: str | None
    ip_address: str | None = None
    user_agent: str | None = None
    api_key_id: str | None = None
    """The API key the request came with; `user_id` is then the key's creator, `role` what
    the creator's role lets a key of its kind be (core.auth.keys)."""
    api_key_name: str | None = None
    key_permissions: frozenset[str] | None = None
    """What the API key may do: no more than this, and no more than `role` may."""

    @property
    def is_developer(self) -> bool:
        return self.role is UserRole.DEVELOPER

    def may(self, action: str) -> bool:
        """True if this principal may perform `action`: its role may, and its API key (if it
        acts with one) was granted it."""
        if self.key_permissions is not None and action not in self.key_permissions:
            return False
        return allowed(self.role, action)

    def permissions(self) -> list[str]:
        """Every action of the table this principal may perform, in the table's order."""
        return [action for action in POLICY if self.may(action)]


def allowed(role: UserRole, action: str) -> bool:
    """True if users with `role` may perform `action` (unknown actions are refused)."""
    return role in POLICY.get(action, frozenset())


def require(principal: Principal, action: str) -> None:
    """Raise PermissionDenied unless the principal may perform `action`."""
    if principal.key_permissions is not None and action not in principal.key_permissions:
        raise PermissionDenied(f"This API key ({principal.api_key_name}) may not do {action}.")
    if not allowed(principal.role, action):
        raise PermissionDenied(f"Your role ({principal.role.value}) may not do {action}.")


def permissions_table() -> str:
    """The permission table as Markdown, exactly as the README shows it."""
    roles = list(UserRole)
    lines = [
        "| action | " + " | ".join(r.value for r in roles) + " |",
        "|---|" + "---|" * len(roles),
    ]
    for action, allowed_roles in POLICY.items():
        marks = " | ".join("yes" if r in allowed_roles else "" for r in roles)
        lines.append(f"| `{action}` | {marks} |")
    return "\n".join(lines)
