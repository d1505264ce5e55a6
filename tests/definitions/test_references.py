"""What files name across installations: a user by e-mail (found in the company applied to,
or reported at its path), an integration's secret by reference (its value given to the
apply, compared without being shown, kept when not given)."""

from __future__ import annotations

import copy

import pytest
import sqlalchemy as sa

from core.database import transaction
from core.definitions import apply_definitions, export_definitions, plan_definitions
from core.errors import ValidationFailed
from core.flows import FlowSpec, LevelSpec
from core.flows import use_cases as flows
from core.models import Task, User
from core.settings import Settings
from tests.world.definitions import SECRETS, Seeded
from tests.world.tenants import Sessions, Tenant

ESCALATING = "flows/escalating-review.yaml"
HOOK = "integrations/ledger-hook.yaml"


async def test_a_user_is_named_by_email_and_found_again_or_reported_at_its_path(
    sessions: Sessions, seeded: Seeded, empty: Tenant, settings: Settings
) -> None:
    async with transaction(sessions, company_id=seeded.company.id) as session:
        manager = await session.scalar(sa.select(User.id).where(User.email == "manager@acme.com"))
        review = await session.scalar(sa.select(Task.id).where(Task.name == "Expense Review"))
        escalation = {"deadlineHours": 8, "onDeadline": {"action": "escalate", "userId": manager}}
        spec = FlowSpec(
            name="Escalating review",
            levels=[LevelSpec(order=1, name="Review", task_ids=[review], config=escalation)],
        )
        await flows.create_flow(session, seeded.admin, spec=spec)
    async with transaction(sessions, company_id=seeded.company.id) as session:
        files = await export_definitions(session, seeded.admin, settings)
    on_deadline = files[ESCALATING]["levels"][0]["config"]["onDeadline"]
    assert on_deadline == {"action": "escalate", "userId": "manager@acme.com"}

    changed = copy.deepcopy(files)
    changed[ESCALATING]["levels"][0]["config"]["deadlineHours"] = 4
    async with transaction(sessions, company_id=seeded.company.id) as session:
        plan = await apply_definitions(session, seeded.admin, settings, changed, secrets=SECRETS)
    assert [c.name for c in plan.changes] == ["Escalating review"]
    async with transaction(sessions, company_id=seeded.company.id) as session:
        assert await export_definitions(session, seeded.admin, settings) == changed

    with pytest.raises(ValidationFailed) as refused:
        async with transaction(sessions, company_id=empty.company_id) as session:
            await apply_definitions(session, empty.admin, settings, files, secrets=SECRETS)
    assert [(p.path, p.code) for p in refused.value.problems] == [
        (f"{ESCALATING}#/levels/0/config/onDeadline/userId", "not_found")
    ]


async def test_a_secret_is_given_by_reference_compared_unseen_and_kept_when_not_given(
    sessions: Sessions, seeded: Seeded, empty: Tenant, settings: Settings
) -> None:
    async with transaction(sessions, company_id=seeded.company.id) as session:
        files = await export_definitions(session, seeded.admin, settings)

    async def plan(secrets: dict[str, str]):
        async with transaction(sessions, company_id=empty.company_id) as session:
            return await plan_definitions(session, empty.admin, settings, files, secrets=secrets)

    async def apply(secrets: dict[str, str]):
        async with transaction(sessions, company_id=empty.company_id) as session:
            return await apply_definitions(session, empty.admin, settings, files, secrets=secrets)

    async def hook_change(secrets: dict[str, str]):
        return next((c for c in (await plan(secrets)).changes if c.where == f"{HOOK}#"), None)

    created = await hook_change({})
    assert created.action == "create" and created.fields == ()
    assert created.notes == (
        "The secret 'ledger-hook.signingSecret' (config signingSecret) has no value here: give "
        "it with the apply's secrets, or connect the integration afterwards.",
    )
    await apply({})
    async with transaction(sessions, company_id=empty.company_id) as session:
        without = await export_definitions(session, empty.admin, settings)
    assert "signingSecret" not in without[HOOK]["config"]

    given = await hook_change(SECRETS)
    assert (given.action, [(f.path, f.note) for f in given.fields]) == (
        "change",
        [("/config/signingSecret", "new secret value")],
    )
    assert all(value not in repr(given) for value in SECRETS.values())
    await apply(SECRETS)
    assert await hook_change(SECRETS) is None
    assert await hook_change({}) is None  # not given: the stored value is kept
    other = {ref: "whsec_b3RoZXItc2lnbmluZy1rZXktZm9yLXRlc3Rz" for ref in SECRETS}
    assert [f.note for f in (await hook_change(other)).fields] == ["new secret value"]
    async with transaction(sessions, company_id=empty.company_id) as session:
        assert await export_definitions(session, empty.admin, settings) == files
