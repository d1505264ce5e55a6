"""Record filters in SQL agree with the rule engine evaluating the same rule in memory, for
typed comparisons (served by indexes) and for everything else alike."""

from __future__ import annotations

from typing import Any

import pytest

from core.errors import ValidationFailed
from core.records import bulk_create_records, create_table, list_records
from core.records.query import typed_clause
from core.rules import evaluate, truthy
from core.rules.service import prepare_rule
from tests.world.tenants import Tenant

SCHEMA = [
    {"id": "n", "type": "number", "label": "N", "indexed": True},
    {"id": "s", "type": "text", "label": "S", "indexed": True},
    {"id": "d", "type": "date", "label": "D"},
    {"id": "b", "type": "checkbox", "label": "B"},
    {"id": "tags", "type": "multi-select", "label": "Tags", "options": ["x", "y"]},
]
ROWS: list[dict[str, Any]] = [
    {},
    {"n": 0},
    {"n": -3.5, "s": "", "b": False},
    {"n": 5, "s": "five", "d": "2024-01-05", "b": True, "tags": ["x"]},
    {"n": 10, "s": "ten", "d": "2024-02-10", "tags": ["x", "y"]},
    {"n": 10.25, "s": "Ten", "d": "2023-12-31", "b": True},
    {"s": "10", "d": "2024-02-10"},
]
TYPED = [
    {">": [{"var": "n"}, 0]},
    {"<": [{"var": "n"}, 6]},
    {"<=": [{"var": "n"}, 0]},
    {">=": [{"var": "n"}, -3.5]},
    {"<": [{"var": "n"}, -10]},
    {"==": [{"var": "n"}, 10]},
    {"!=": [{"var": "n"}, 10]},
    {"===": [{"var": "n"}, 0]},
    {"<": [3, {"var": "n"}]},
    {"==": [{"var": "s"}, "ten"]},
    {"!==": [{"var": "s"}, "ten"]},
    {"in": [{"var": "s"}, ["five", "Ten", "nope"]]},
    {"<": [{"var": "d"}, "2024-02-01"]},
    {">=": [{"var": "d"}, "2024-02-10"]},
    {"==": [{"var": "b"}, True]},
    {"!=": [{"var": "b"}, True]},
    {"!": {"var": "b"}},
    {"!!": [{"var": "b"}]},
    {"and": [{">": [{"var": "n"}, 1]}, {"<": [{"var": "n"}, 10.5]}]},
    {"or": [{"==": [{"var": "s"}, "five"]}, {"!": [{"<": [{"var": "n"}, 10]}]}]},
    {"!": [{"or": [{"==": [{"var": "n"}, 5]}, {"==": [{"var": "b"}, True]}]}]},
    {"!": [{">=": [{"var": "d"}, "2024-02-10"]}]},
    {"!": [{"in": [{"var": "s"}, ["five"]]}]},
    {"!": [{"and": [{">": [{"var": "n"}, 1]}, {"<": [{"var": "n"}, 10.5]}]}]},
    {"!": [{"!": [{"<": [{"var": "n"}, 6]}]}]},
    {"!": [{"!=": [{"var": "b"}, False]}]},
]
UNTYPED = [
    {"in": ["x", {"var": "tags"}]},
    {"<": [{"var": "s"}, "m"]},
    {"<": [{"+": [{"var": "n"}, 1]}, 5]},
    {"==": [{"var": "n"}, {"var": "n"}]},
    {"and": [{">": [{"var": "n"}, 1]}, {"in": ["y", {"var": "tags"}]}]},
    {"!": {"var": "n"}},
]


@pytest.fixture
async def table(acme: Tenant) -> dict[str, Any]:
    t = await acme.run(create_table, name="mixed", display_name="Mixed", schema=SCHEMA)
    created = await acme.run(bulk_create_records, table_id=t.id, rows=ROWS)
    return {"id": t.id, "stored": {r.id: r.data for r in created}}


def kinds() -> dict[str, str]:
    return {"n": "number", "s": "string", "d": "date", "b": "boolean", "tags": "list"}


async def test_sql_filters_match_in_memory_evaluation(acme: Tenant, table: dict[str, Any]) -> None:
    # One table for every rule: the rules are the cases, the records stay the same.
    mismatches = []
    for rule in TYPED + UNTYPED:
        logic = prepare_rule(rule, SCHEMA)
        # Compared with what was stored: empty values ("") are left out of records.
        expected = {rid for rid, data in table["stored"].items() if truthy(evaluate(logic, data))}
        page = await acme.run(list_records, table_id=table["id"], where=rule, limit=100)
        if {r.id for r in page.items} != expected or page.total != len(expected):
            mismatches.append(rule)
    assert mismatches == []


@pytest.mark.parametrize("rule", TYPED, ids=lambda r: str(r)[:60])
def test_typed_rules_become_plain_typed_sql(rule: Any) -> None:
    assert typed_clause(prepare_rule(rule, SCHEMA), kinds(), "postgresql") is not None


@pytest.mark.parametrize("rule", UNTYPED, ids=lambda r: str(r)[:60])
def test_other_rules_keep_the_exact_translation(rule: Any) -> None:
    assert typed_clause(prepare_rule(rule, SCHEMA), kinds(), "postgresql") is None


async def test_a_filter_that_sql_cannot_express_is_refused_not_guessed(
    acme: Tenant, table: dict[str, Any]
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        await acme.run(
            list_records, table_id=table["id"], where={"==": [{"var": "s"}, {"cat": ["t", "en"]}]}
        )
    assert caught.value.problems[0].path.startswith("where")
