"""Differential conformance: our engine and panzi-json-logic, an independent implementation,
agree on generated rules over the ground where both follow JavaScript.

panzi-json-logic departs from the JavaScript reference in a few corners, so the generators
keep to values and shapes where it does not (each exclusion names the corner):

- its ToNumber is Python's float(): "" and whitespace are NaN (JS: 0), "0x1f" is NaN (JS: 31),
  "infinity" is a number (JS: NaN). Strings are non-empty decimals or plain words.
- `+` and `*` use that ToNumber, not parseFloat: true is 1 (JS: NaN), "3 apples" is NaN
  (JS: 3), and a lone `*` argument becomes a number (JS: returned untouched). No booleans or
  number-prefixed words in arithmetic, no one-argument `*`.
- `===` is Python's ==, so true === 1 and [1] === [1] hold. Strict operands are numbers,
  strings and null.
- `<` of null against a string compares "null" as text (JS: null is 0), and `==` turns null
  into 0 against a number or boolean (JS: null equals only null). No null is ordered or
  loosely compared (strict comparisons with null are generated).
- `-` with a null second operand negates the first. Arithmetic operands are never null.
- `/` by zero raises and `%` takes the divisor's sign. Divisors are non-zero literals; no `%`.
- `min`/`max` of nothing are NaN (JS: Infinity/-Infinity). They get at least one operand.
- `var` returns the default for a stored null and indexes into strings; `cat` renders null as
  "null", booleans as "True"/"False" and floats with %.15g; `reduce` does not evaluate its
  initial value; `in` of a list uses Python ==. So: defaults only for absent keys, no paths
  through strings, no null, booleans or computed numbers in `cat`, literal initial values,
  no booleans in membership lists.
- `log` writes to stdout: not generated.
"""

from __future__ import annotations

import math
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from json_logic import jsonLogic  # panzi-json-logic

from core.rules import compile_rule

NUMBERS = [0, 1, -2, 3, 10, 2.5, -0.5]
NUMERIC_TEXT = ["0", "1", "10", "2.5", "1e1", "-3"]
WORDS = ["abc", "a", "DE", "b"]
KEYS = ["n", "m", "s", "t", "b", "xs", "ws", "o", "z"]

data = st.fixed_dictionaries(
    {
        "n": st.sampled_from(NUMBERS),
        "m": st.sampled_from(NUMBERS),
        "s": st.sampled_from(WORDS),
        "t": st.sampled_from(NUMERIC_TEXT),
        "b": st.booleans(),
        "xs": st.lists(st.sampled_from(NUMBERS), max_size=4),
        "ws": st.lists(st.sampled_from(WORDS), max_size=3),
        "o": st.fixed_dictionaries({"k": st.sampled_from(NUMBERS), "w": st.sampled_from(WORDS)}),
        "z": st.none(),
    }
)


def var(*keys: str) -> st.SearchStrategy[Any]:
    return st.sampled_from([{"var": k} for k in keys])


number_literal = st.sampled_from(NUMBERS)
text_literal = st.sampled_from(WORDS + NUMERIC_TEXT)
num_leaf = st.one_of(number_literal, var("n", "m", "t", "o.k"), st.just({"var": ["absent", 4]}))
text_leaf = st.one_of(text_literal, var("s", "t", "o.w"))
bool_leaf = st.one_of(st.booleans(), var("b"))
list_leaf = st.one_of(var("xs", "ws"), st.lists(st.sampled_from(NUMBERS + WORDS), max_size=3))
loose_leaf = st.one_of(num_leaf, text_leaf, bool_leaf, list_leaf, var("o"))
strict_leaf = st.one_of(num_leaf, text_leaf, st.none(), var("z"))
item = st.one_of(st.just({"var": ""}), number_literal)


def _op(name: str | st.SearchStrategy[str], *args: st.SearchStrategy[Any]) -> Any:
    names = st.just(name) if isinstance(name, str) else name
    return st.builds(lambda op, *xs: {op: list(xs)}, names, *args)


def _arith(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.builds(lambda xs: {"+": xs}, st.lists(inner, max_size=3)),
        _op(st.sampled_from(["-", "*"]), inner, inner),
        _op("-", inner),
        _op("/", inner, st.sampled_from([1, 2, 4, 2.5, -0.5])),
        st.builds(
            lambda op, xs: {op: xs},
            st.sampled_from(["max", "min"]),
            st.lists(inner, min_size=1, max_size=3),
        ),
        st.builds(
            lambda init: {
                "reduce": [{"var": "xs"}, {"+": [{"var": "accumulator"}, {"var": "current"}]}, init]
            },
            number_literal,
        ),
    )


numbers = st.recursive(num_leaf, _arith, max_leaves=5)
texts = st.one_of(
    text_leaf,
    st.builds(
        lambda xs: {"cat": xs},
        st.lists(st.one_of(text_leaf, st.sampled_from([1, 10, -2, 2.5])), max_size=3),
    ),
    _op("substr", text_leaf, st.integers(-4, 4)),
    _op("substr", text_leaf, st.integers(-4, 4), st.integers(-4, 4)),
)
# cat and substr may give "", which panzi's ToNumber makes NaN: only leaves are compared.
ordered = st.one_of(numbers, text_leaf, bool_leaf)
item_test = _op(st.sampled_from(["<", "<=", ">", ">=", "==", "!="]), item, number_literal)
comparisons = st.one_of(
    _op(st.sampled_from(["<", "<=", ">", ">="]), ordered, ordered),
    _op(st.sampled_from(["<", "<="]), ordered, ordered, ordered),
    _op(
        st.sampled_from(["==", "!="]),
        st.one_of(loose_leaf, numbers, text_leaf),
        st.one_of(loose_leaf, numbers, text_leaf),
    ),
    _op(
        st.sampled_from(["===", "!=="]),
        st.one_of(strict_leaf, numbers),
        st.one_of(strict_leaf, numbers),
    ),
    _op("in", text_leaf, texts),
    _op(
        "in",
        st.one_of(num_leaf, text_leaf),
        st.one_of(
            var("xs", "ws"), st.lists(st.sampled_from(NUMBERS + WORDS), min_size=1, max_size=3)
        ),
    ),
    _op(st.sampled_from(["some", "all", "none"]), st.one_of(var("xs"), st.just([1, 2])), item_test),
    st.builds(
        lambda ks: {"missing": ks}, st.lists(st.sampled_from([*KEYS, "o.k", "absent"]), max_size=3)
    ),
    st.builds(
        lambda n, ks: {"missing_some": [n, ks]},
        st.integers(0, 2),
        st.lists(st.sampled_from([*KEYS, "absent"]), max_size=3),
    ),
)
values = st.one_of(
    numbers,
    texts,
    comparisons,
    _op(
        "map",
        var("xs"),
        st.one_of(item, _op(st.sampled_from(["+", "*", "-"]), item, number_literal)),
    ),
    _op("filter", var("xs"), item_test),
    st.builds(
        lambda xs: {"merge": xs}, st.lists(st.one_of(list_leaf, num_leaf, text_leaf), max_size=3)
    ),
)


def _logic(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.builds(
            lambda op, xs: {op: xs},
            st.sampled_from(["and", "or"]),
            st.lists(inner, min_size=1, max_size=3),
        ),
        st.builds(lambda xs: {"if": xs}, st.lists(inner, min_size=1, max_size=5)),
        _op(st.sampled_from(["!", "!!"]), inner),
    )


rules = st.recursive(values, _logic, max_leaves=6)


def _same(ours: Any, theirs: Any) -> bool:
    """Equal as JSON values; numbers by value (panzi returns floats where we return ints)."""
    numeric = (int, float)
    if type(ours) is bool or type(theirs) is bool:
        return type(ours) is type(theirs) and ours == theirs
    if isinstance(ours, numeric) and isinstance(theirs, numeric):
        return (math.isnan(ours) and math.isnan(theirs)) or ours == theirs
    if type(ours) is list and type(theirs) is list:
        return len(ours) == len(theirs) and all(map(_same, ours, theirs))
    return type(ours) is type(theirs) and ours == theirs


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(rules, data)
def test_we_agree_with_an_independent_implementation(rule: Any, row: dict[str, Any]) -> None:
    ours, theirs = compile_rule(rule)(row), jsonLogic(rule, row)
    assert _same(ours, theirs), f"{rule} on {row}: ours {ours!r}, panzi-json-logic {theirs!r}"
