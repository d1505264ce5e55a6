"""SQL and in-memory evaluation select exactly the same records (PostgreSQL and SQLite)."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import sqlalchemy as sa
import sqlalchemy.dialects.postgresql
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncEngine

from core.rules import RuleSqlUnsupported, compile_rule
from core.rules.sql import to_sql

records = sa.Table(
    "rule_records",
    sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("data", sa.JSON().with_variant(sa.dialects.postgresql.JSONB(), "postgresql")),
)
KEYS = ["a", "b", "c"]
SCALARS = [
    None,
    True,
    False,
    0,
    1,
    -2,
    2.5,
    10,
    "",
    "0",
    "1",
    "10",
    " 2 ",
    "abc",
    "a",
    "1e1",
    "0x1f",
]
VALUES = [*SCALARS, [], [1], ["2"], [1, 2], ["a", "b"], [None], {}, {"k": 1}]


def _dataset() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for i in range(len(VALUES) * 2):
        row: dict[str, Any] = {}
        for j, key in enumerate(KEYS):
            pick = (i * (j + 3) + j * 7) % (len(VALUES) + 1)
            if pick < len(VALUES):  # otherwise the key is absent
                row[key] = copy.deepcopy(VALUES[pick])  # decoded JSON never shares objects
        row["n"] = {"x": copy.deepcopy(VALUES[(i * 5) % len(VALUES)])}
        rows.append(row)
    return rows


DATA = _dataset()
_LOADED: set[str] = set()

var = st.sampled_from([*KEYS, "n.x", "missing"]).map(lambda k: {"var": k})
literal = st.sampled_from(SCALARS)
operand = st.one_of(var, literal)
arith = st.one_of(
    st.builds(
        lambda op, a, b: {op: [a, b]}, st.sampled_from(["+", "-", "*", "/"]), operand, operand
    ),
    # PostgreSQL takes `%` with a literal integer divisor only (see docs/rules.md)
    st.builds(lambda a, k: {"%": [a, k]}, operand, st.sampled_from([0, 1, 2, 3, -4, 10])),
)
value = st.one_of(operand, operand, arith)
comparison = st.builds(
    lambda op, a, b: {op: [a, b]},
    st.sampled_from(["==", "!=", "===", "!==", "<", "<=", ">", ">="]),
    value,
    value,
)
between = st.builds(
    lambda op, a, b, c: {op: [a, b, c]}, st.sampled_from(["<", "<="]), value, value, value
)
membership = st.one_of(
    st.builds(lambda a, xs: {"in": [a, xs]}, value, st.lists(literal, max_size=3)),
    st.builds(lambda n, v: {"in": [n, v]}, st.sampled_from(["a", "1", 1, "", True]), var),
)
missing = st.builds(
    lambda ks: {"missing": ks}, st.lists(st.sampled_from([*KEYS, "n.x"]), max_size=2)
)
leaf = st.one_of(comparison, between, membership, missing, var)
rules = st.recursive(
    leaf,
    lambda inner: st.one_of(
        st.builds(lambda xs: {"and": xs}, st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda xs: {"or": xs}, st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda x: {"!": x}, inner),
        st.builds(lambda c, a, b: {"if": [c, a, b]}, inner, inner, inner),
    ),
    max_leaves=6,
)


async def _load(engine: AsyncEngine) -> None:
    if engine.url.drivername in _LOADED:
        return
    async with engine.begin() as conn:
        await conn.execute(records.delete())
        await conn.execute(records.insert(), [{"id": i, "data": d} for i, d in enumerate(DATA)])
    _LOADED.add(engine.url.drivername)


async def _selected(engine: AsyncEngine, rule: Any) -> set[int]:
    where = to_sql(rule, records.c.data, engine.dialect.name)
    async with engine.connect() as conn:
        rows = await conn.execute(sa.select(records.c.id).where(where))
        return {r[0] for r in rows}


def _expected(rule: Any) -> set[int]:
    compiled = compile_rule(rule)
    return {i for i, d in enumerate(DATA) if compiled.matches(d)}


SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), database=None
)


async def test_postgres_selects_the_same_records_as_memory(pg_engine: AsyncEngine) -> None:
    await _differential(pg_engine)


async def test_sqlite_selects_the_same_records_as_memory(sqlite_engine: AsyncEngine) -> None:
    await _differential(sqlite_engine)


async def _differential(engine: AsyncEngine, examples: int = 150) -> None:
    await _load(engine)
    failures: list[str] = []

    @settings(SETTINGS, max_examples=examples)
    @given(rules)
    def collect(rule: Any) -> None:
        pending.append(rule)

    pending: list[Any] = []
    collect()
    for rule in pending:
        got, want = await _selected(engine, rule), _expected(rule)
        if got != want:
            failures.append(
                f"{rule}: sql-only {sorted(got - want)} memory-only {sorted(want - got)}"
            )
    assert not failures, "\n".join(failures[:10])


async def test_high_value_alert_filters_records_in_postgres(pg_engine: AsyncEngine) -> None:
    await _load(pg_engine)
    rule = {">": [{"var": "a"}, 5]}
    assert await _selected(pg_engine, rule) == _expected(rule)


def test_operators_without_sql_meaning_are_refused_with_a_path() -> None:
    with pytest.raises(RuleSqlUnsupported) as err:
        to_sql(
            {"and": [{"==": [{"var": "a"}, 1]}, {"some": [{"var": "xs"}, True]}]},
            records.c.data,
            "postgresql",
        )
    assert err.value.path == ("and", 1)
    assert err.value.problems[0].code == "rule.sql_unsupported"


def test_or_used_as_a_value_is_refused() -> None:
    with pytest.raises(RuleSqlUnsupported):
        to_sql({"==": [{"or": [{"var": "a"}, 1]}, 1]}, records.c.data, "sqlite")


def test_unknown_dialect_is_refused() -> None:
    with pytest.raises(RuleSqlUnsupported):
        to_sql({"var": "a"}, records.c.data, "oracle")


def test_remainder_by_a_field_is_refused_on_postgres_only() -> None:
    rule = {"==": [{"%": [{"var": "a"}, {"var": "b"}]}, 1]}
    with pytest.raises(RuleSqlUnsupported) as err:
        to_sql(rule, records.c.data, "postgresql")
    assert err.value.path == ("==", 0)
    to_sql(rule, records.c.data, "sqlite")  # SQLite runs js_remainder itself
