"""A flow is checked on save and on publish: numbering, targets, conditions, reachability."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from core.database import transaction
from core.flows import (
    END,
    BranchSpec,
    FlowDefinitionInvalid,
    LevelSpec,
    check_flow,
    get_flow,
    publish_flow,
)
from core.models import FlowBranch, FlowDefinition, FlowStatus
from tests.world.flows import expense_spec, in_company, problems_of, save

AMOUNT_UNDER_1000 = {
    "operator": "AND",
    "rules": [{"field": "Amount", "operator": "less_than", "value": 1000}],
}


async def test_a_valid_flow_saves_as_a_draft_and_publishes_a_frozen_definition(
    sessions, acme
) -> None:
    spec = expense_spec(
        acme,
        branches=[BranchSpec("Small expenses skip finance", 2, END, AMOUNT_UNDER_1000)],
    )
    flow = await save(sessions, acme, spec)
    assert flow.status is FlowStatus.DRAFT
    assert [(lv.order, [r.name for r in lv.roles]) for lv in flow.levels] == [
        (1, []),
        (2, ["Manager"]),
        (3, ["Finance"]),
    ]

    definition = await in_company(sessions, acme, publish_flow, flow_id=flow.id)

    snapshot = definition.snapshot
    assert [lv["name"] for lv in snapshot["levels"]] == [
        "Employee Submission",
        "Manager Review",
        "Finance Approval",
    ]
    assert snapshot["levels"][0]["tasks"][0]["fields"][1]["label"] == "Amount"
    assert snapshot["levels"][2]["roles"] == [{"id": acme.roles["Finance"].id, "name": "Finance"}]
    assert snapshot["levels"][1]["decision"] == {
        "fieldId": "decision",
        "rejectValues": ["Rejected"],
    }
    [branch] = snapshot["branches"]
    assert (branch["fromLevel"], branch["toLevel"]) == (2, None)
    assert branch["rule"] == {"and": [{"<": [{"var": "field_2"}, 1000]}]}
    published = await in_company(sessions, acme, get_flow, flow_id=flow.id)
    assert published.status is FlowStatus.PUBLISHED and published.published_at is not None


async def test_levels_must_be_numbered_from_one_without_gaps(sessions, acme) -> None:
    spec = expense_spec(acme)
    spec.levels[2].order = 5
    assert await problems_of(sessions, acme, spec) == {"/levels/2/order": "level_gap"}
    spec.levels[2].order = 2
    assert await problems_of(sessions, acme, spec) == {"/levels/2/order": "duplicate"}


async def test_branches_must_point_at_levels_that_exist(sessions, acme) -> None:
    spec = expense_spec(
        acme,
        branches=[
            BranchSpec("to nowhere", 2, 7, AMOUNT_UNDER_1000),
            BranchSpec("from nowhere", 9, 1, AMOUNT_UNDER_1000),
        ],
    )
    assert await problems_of(sessions, acme, spec) == {
        "/branches/0/toLevel": "unknown_level",
        "/branches/1/fromLevel": "unknown_level",
    }


async def test_a_condition_may_only_read_fields_of_the_tasks_before_it(sessions, acme) -> None:
    decided = {
        "operator": "AND",
        "rules": [{"field": "Decision", "operator": "equals", "value": "Approved"}],
    }
    unknown = {"==": [{"var": "Colour"}, "red"]}
    mismatch = {
        "operator": "AND",
        "rules": [{"field": "Amount", "operator": "greater_than", "value": "lots"}],
    }
    spec = expense_spec(
        acme,
        branches=[
            BranchSpec("reads a later level", 1, 3, decided),
            BranchSpec("unknown field", 2, 3, unknown),
            BranchSpec("text against a number", 2, 3, mismatch, priority=1),
            BranchSpec("fine", 2, 3, decided, priority=2),
        ],
    )
    problems = await problems_of(sessions, acme, spec)
    assert problems == {
        "/branches/0/conditions/rules/0/field": "rule.unknown_field",
        "/branches/1/conditions/==/0/var": "rule.unknown_field",
        "/branches/2/conditions/rules/0/value": "rule.type_mismatch",
    }


async def test_an_always_true_branch_makes_the_levels_it_skips_unreachable(sessions, acme) -> None:
    spec = expense_spec(acme, branches=[BranchSpec("always", 1, 3, True)])
    assert await problems_of(sessions, acme, spec) == {"/levels/1": "unreachable_level"}


async def test_a_loop_needs_a_way_out(sessions, acme) -> None:
    back = BranchSpec("back to the start", 2, 1, True)
    spec = expense_spec(acme, branches=[back])
    assert await problems_of(sessions, acme, spec) == {
        "/levels/2": "unreachable_level",
        "/levels/0": "cycle_without_exit",
        "/levels/1": "cycle_without_exit",
        "/branches/0": "cycle_without_exit",
    }
    # The same loop taken only for large amounts has an exit: small ones go on to finance.
    back.conditions = {">": [{"var": "Amount"}, 5000]}
    flow = await save(sessions, acme, spec)
    assert await in_company(sessions, acme, check_flow, flow_id=flow.id) == []


async def test_level_config_is_checked_and_every_problem_reported(sessions, acme) -> None:
    spec = expense_spec(
        acme,
        manager_config={
            "completion": "most",
            "deadlineHours": -2,
            "onReject": {"sendBackTo": 9},
            "decision": {"field": "Verdict"},
        },
        finance_config={"onReject": {"sendBackTo": "Employee Submission"}, "completion": 2},
    )
    assert await problems_of(sessions, acme, spec) == {
        "/levels/1/config/completion": "invalid",
        "/levels/1/config/deadlineHours": "invalid",
        "/levels/1/config/onReject": "invalid",
        "/levels/1/config/decision/field": "invalid",
    }


async def test_unknown_tasks_and_roles_are_reported(sessions, acme) -> None:
    spec = expense_spec(acme)
    spec.levels[0].task_ids = ["no-such-task"]
    spec.levels[1].roles = ["Manager", "Astronaut"]
    assert await problems_of(sessions, acme, spec) == {
        "/levels/0/taskIds/0": "not_found",
        "/levels/1/roles/1": "not_found",
    }


async def test_saving_again_replaces_the_definition_and_keeps_level_ids(sessions, acme) -> None:
    flow = await save(sessions, acme, expense_spec(acme))
    ids = {lv.order: lv.id for lv in flow.levels}
    spec = expense_spec(acme, branches=[BranchSpec("skip", 2, END, AMOUNT_UNDER_1000)])
    spec.levels = spec.levels[:2]
    spec.levels[1].name = "Manager Sign-off"

    saved = await save(sessions, acme, spec, flow_id=flow.id)

    assert [(lv.order, lv.name, lv.id) for lv in saved.levels] == [
        (1, "Employee Submission", ids[1]),
        (2, "Manager Sign-off", ids[2]),
    ]
    assert [(b.name, b.to_level_id) for b in saved.branches] == [("skip", END)]


async def test_publishing_rechecks_rows_changed_behind_the_editor(sessions, acme) -> None:
    flow = await save(sessions, acme, expense_spec(acme))
    async with transaction(sessions) as session:
        session.add(
            FlowBranch(
                company_id=acme.company_id,
                flow_id=flow.id,
                name="dangling",
                from_level_id=flow.levels[0].id,
                to_level_id="deleted-level",
                conditions=True,
            )
        )

    with pytest.raises(FlowDefinitionInvalid) as failure:
        await in_company(sessions, acme, publish_flow, flow_id=flow.id)

    assert [p.path for p in failure.value.problems] == ["/branches/0/toLevel"]
    async with sessions() as session:
        assert await session.scalar(sa.select(sa.func.count(FlowDefinition.id))) == 0


async def test_level_spec_accepts_role_ids_as_well_as_names(sessions, acme) -> None:
    spec = expense_spec(acme)
    spec.levels[1] = LevelSpec(
        2, "Manager Review", None, [acme.tasks["review"]], [acme.roles["Manager"].id]
    )
    flow = await save(sessions, acme, spec)
    assert [r.name for r in flow.levels[1].roles] == ["Manager"]
