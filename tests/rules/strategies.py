"""Hypothesis strategies for JSONLogic rules and data, shared by the differential tests."""

from __future__ import annotations

import math
from typing import Any

from hypothesis import strategies as st

KEYS = ["a", "b", "c", "n.x", "n.y", "xs", "xs.0", "xs.1", "n"]
SCALARS: list[Any] = [
    None,
    True,
    False,
    0,
    1,
    -2,
    2.5,
    -0.0,
    10,
    1e21,
    "",
    "0",
    "1",
    "10",
    " 2 ",
    "abc",
    "a",
    "1e1",
    "0x1f",
    "3 apples",
    "Infinity",
]
VALUES: list[Any] = [*SCALARS, [], [1], ["2"], [1, 2], ["a", None], [[3]], {}, {"k": 1}]

scalar = st.sampled_from(SCALARS)
value = st.sampled_from(VALUES)
data = st.fixed_dictionaries(
    {},
    optional={
        "a": value,
        "b": value,
        "c": value,
        "n": st.one_of(value, st.fixed_dictionaries({}, optional={"x": value, "y": value})),
        "xs": st.one_of(value, st.lists(value, max_size=4)),
    },
)

# Mostly records, sometimes a bare value or array (rules may run on any JSON).
row = st.one_of(data, data, data, value, st.lists(value, max_size=3))

var = st.one_of(
    st.sampled_from(KEYS).map(lambda k: {"var": k}),
    st.builds(lambda k, d: {"var": [k, d]}, st.sampled_from(KEYS), scalar),
    st.just({"var": ""}),
)
item_var = st.sampled_from(
    [{"var": ""}, {"var": "k"}, {"var": "0"}, {"var": "current"}, {"var": "accumulator"}]
)


def _ops(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    two = st.tuples(inner, inner).map(list)
    some = st.lists(inner, min_size=0, max_size=3)
    return st.one_of(
        st.builds(lambda op, xs: {op: xs}, st.sampled_from(["==", "!=", "===", "!=="]), two),
        st.builds(lambda op, xs: {op: xs}, st.sampled_from(["<", "<=", ">", ">="]), two),
        st.builds(
            lambda op, a, b, c: {op: [a, b, c]}, st.sampled_from(["<", "<="]), inner, inner, inner
        ),
        st.builds(
            lambda op, xs: {op: xs}, st.sampled_from(["and", "or", "if", "+", "merge", "cat"]), some
        ),
        st.builds(
            lambda op, xs: {op: xs}, st.sampled_from(["-", "*", "/", "%", "max", "min"]), two
        ),
        st.builds(lambda op, x: {op: [x]}, st.sampled_from(["!", "!!", "-", "*"]), inner),
        st.builds(lambda a, b: {"in": [a, b]}, inner, inner),
        st.builds(lambda a, xs: {"in": [a, xs]}, inner, st.lists(scalar, min_size=1, max_size=3)),
        st.builds(lambda xs: {"substr": xs}, st.lists(inner, min_size=2, max_size=3)),
        st.builds(
            lambda op, src, body: {op: [src, body]},
            st.sampled_from(["map", "filter", "all", "some", "none"]),
            st.one_of(inner, st.just({"var": "xs"})),
            st.one_of(item_var, inner),
        ),
        st.builds(
            lambda src, body, init: {"reduce": [src, body, init]},
            st.one_of(inner, st.just({"var": "xs"})),
            st.one_of(
                item_var,
                st.just({"+": [{"var": "accumulator"}, {"var": "current"}]}),
                st.just({"cat": [{"var": "accumulator"}, {"var": "current.k"}]}),
            ),
            inner,
        ),
        st.builds(lambda k: {"missing": k}, st.lists(st.sampled_from(KEYS), max_size=2)),
        st.builds(lambda k, d: {"var": [k, d]}, inner, inner),
    )


rules = st.recursive(st.one_of(var, scalar, st.just([1, "2"])), _ops, max_leaves=8)


def same(a: Any, b: Any) -> bool:
    """Equal JSON results: NaN equals NaN, 1 and 1.0 differ, -0.0 and 0.0 differ."""
    if type(a) is not type(b):
        return False
    if type(a) is float:
        if math.isnan(a):
            return math.isnan(b)
        return a == b and math.copysign(1, a) == math.copysign(1, b)
    if type(a) is list:
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if type(a) is dict:
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return bool(a == b)
