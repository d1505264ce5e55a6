"""Our own table of JSONLogic cases per operator, with the JavaScript coercion corners."""

from __future__ import annotations

import math
from typing import Any

import pytest

from core.rules import evaluate

NAN = float("nan")
INF = float("inf")

CASES: list[tuple[str, Any, Any, Any]] = [
    # var: dotted paths, indexes, defaults, whole data
    ("var reads a key", {"var": "a"}, {"a": 1}, 1),
    ("var walks dotted paths", {"var": "a.b.c"}, {"a": {"b": {"c": "deep"}}}, "deep"),
    ("var indexes arrays", {"var": 1}, ["apple", "banana"], "banana"),
    ("var indexes inside paths", {"var": "x.1.y"}, {"x": [{}, {"y": 7}]}, 7),
    ("var default for a missing key", {"var": ["z", 26]}, {"a": 1}, 26),
    ("var keeps a stored null", {"var": ["a", 5]}, {"a": None}, None),
    ("var empty string is the data", {"var": ""}, {"a": 1}, {"a": 1}),
    ("var with no argument is the data", {"var": []}, 3, 3),
    ("var missing is null", {"var": "nope"}, {}, None),
    ("var path through a scalar is null", {"var": "a.b"}, {"a": 3}, None),
    ("var with a computed key", {"var": {"cat": ["a", ".b"]}}, {"a": {"b": 2}}, 2),
    # missing / missing_some
    ("missing lists absent keys", {"missing": ["a", "b"]}, {"a": 1}, ["b"]),
    ("missing counts empty strings", {"missing": ["a"]}, {"a": ""}, ["a"]),
    ("missing accepts one list", {"missing": [["a", "c.d"]]}, {"c": {"d": 0}}, ["a"]),
    ("missing_some satisfied", {"missing_some": [1, ["a", "b"]]}, {"b": 2}, []),
    ("missing_some short", {"missing_some": [2, ["a", "b", "c"]]}, {"a": 1}, ["b", "c"]),
    # if
    ("if picks then", {"if": [True, "yes", "no"]}, None, "yes"),
    ("if picks else", {"if": [[], "yes", "no"]}, None, "no"),
    ("if chains else-ifs", {"if": [False, 1, {"<": [1, 2]}, 2, 3]}, None, 2),
    ("if without else is null", {"if": [False, 1]}, None, None),
    ("?: is if", {"?:": [0, "a", "b"]}, None, "b"),
    ("if with one argument returns it", {"if": ["x"]}, None, "x"),
    # equality
    ("== coerces strings to numbers", {"==": [1, "1"]}, None, True),
    ("== 0 equals false", {"==": [0, False]}, None, True),
    ("== null only equals null", {"==": [None, 0]}, None, False),
    ("== empty string equals 0", {"==": ["", 0]}, None, True),
    ("== array against string", {"==": [[1, 2], "1,2"]}, None, True),
    ("== arrays are never loosely equal", {"==": [[1], [1]]}, None, False),
    ("== NaN is not equal to itself", {"==": [{"/": [0, 0]}, {"/": [0, 0]}]}, None, False),
    ("== true against '1'", {"==": [True, "1"]}, None, True),
    ("=== distinguishes types", {"===": [1, "1"]}, None, False),
    ("=== ints and floats are one type", {"===": [1, 1.0]}, None, True),
    ("=== true is not 1", {"===": [True, 1]}, None, False),
    ("!= negates ==", {"!=": ["1", 1]}, None, False),
    ("!== negates ===", {"!==": ["1", 1]}, None, True),
    # truthiness
    ("! of empty array is true", {"!": [[]]}, None, True),
    ("! of '0' is false", {"!": ["0"]}, None, False),
    ("!! of '0' is true", {"!!": ["0"]}, None, True),
    ("!! of 0 is false", {"!!": [0]}, None, False),
    ("!! of an object is true", {"!!": [{"var": "o"}]}, {"o": {}}, True),
    ("! takes a bare argument", {"!": True}, None, False),
    # or / and
    ("or returns the first truthy", {"or": [0, "", "x", "y"]}, None, "x"),
    ("or returns the last when none", {"or": [0, []]}, None, []),
    ("and returns the first falsy", {"and": [1, 0, 2]}, None, 0),
    ("and returns the last when all", {"and": [1, "a"]}, None, "a"),
    ("and short-circuits", {"and": [False, {"var": "a.b.c"}]}, None, False),
    # ordering
    ("> numbers", {">": [2, 1]}, None, True),
    ("> number against numeric string", {">": ["10", 9]}, None, True),
    ("< two strings compare as text", {"<": ["10", "9"]}, None, True),
    ("< number and text that is not numeric", {"<": [1, "abc"]}, None, False),
    ("<= null counts as 0", {"<=": [None, 0]}, None, True),
    ("< between exclusive", {"<": [1, 2, 3]}, None, True),
    ("< between excludes the edge", {"<": [1, 1, 3]}, None, False),
    ("<= between inclusive", {"<=": [1, 1, 3]}, None, True),
    (">= against true", {">=": [1, True]}, None, True),
    ("< arrays compare through their text", {"<": [[2], [10]]}, None, False),
    # arithmetic
    ("+ adds", {"+": [1, 2, 3]}, None, 6),
    ("+ parses strings", {"+": ["3.5", 1]}, None, 4.5),
    ("+ takes a numeric prefix like parseFloat", {"+": ["3 apples", 1]}, None, 4),
    ("+ of one string casts it", {"+": "3.14"}, None, 3.14),
    ("+ of nothing is 0", {"+": []}, None, 0),
    ("+ of true is NaN", {"+": [True, 1]}, None, NAN),
    ("- subtracts with ToNumber", {"-": ["5", 2]}, None, 3),
    ("- negates", {"-": [2]}, None, -2),
    ("- of a blank string counts 0", {"-": [" ", 1]}, None, -1),
    ("* multiplies", {"*": [2, "3", 4]}, None, 24),
    ("* of one argument returns it unchanged", {"*": ["2"]}, None, "2"),
    ("/ divides", {"/": [4, 2]}, None, 2),
    ("/ by zero is Infinity", {"/": [1, 0]}, None, INF),
    ("/ negative by zero", {"/": [-1, 0]}, None, -INF),
    ("% keeps the dividend's sign", {"%": [-7, 3]}, None, -1),
    ("% of floats", {"%": [5.5, 2]}, None, 1.5),
    ("% by zero is NaN", {"%": [1, 0]}, None, NAN),
    ("max of numbers", {"max": [1, "3", 2]}, None, 3),
    ("min with NaN is NaN", {"min": [1, "x"]}, None, NAN),
    ("max of nothing", {"max": []}, None, -INF),
    ("hex strings are numbers", {"==": ["0x10", 16]}, None, True),
    ("Infinity string is a number", {">": ["Infinity", 1e308]}, None, True),
    # arrays
    ("map doubles", {"map": [{"var": "xs"}, {"*": [{"var": ""}, 2]}]}, {"xs": [1, 2]}, [2, 4]),
    ("map of a non-array is empty", {"map": [{"var": "xs"}, 1]}, {"xs": 5}, []),
    ("filter keeps truthy", {"filter": [[1, 0, 2, []], {"var": ""}]}, None, [1, 2]),
    (
        "reduce sums with accumulator",
        {"reduce": [[1, 2, 3], {"+": [{"var": "accumulator"}, {"var": "current"}]}, 10]},
        None,
        16,
    ),
    ("reduce of a non-array returns the initial", {"reduce": [5, 1, "init"]}, None, "init"),
    ("all of empty is false", {"all": [[], True]}, None, False),
    ("all checks every item", {"all": [[1, 2], {">": [{"var": ""}, 0]}]}, None, True),
    ("some finds one", {"some": [[0, 0, 3], {"var": ""}]}, None, True),
    ("none of empty is true", {"none": [[], True]}, None, True),
    ("none finds none", {"none": [[1, 2], {">": [{"var": ""}, 5]}]}, None, True),
    # merge / in / cat / substr / log
    ("merge flattens one level", {"merge": [[1, 2], 3, [[4]]]}, None, [1, 2, 3, [4]]),
    ("merge of nothing", {"merge": []}, None, []),
    ("in finds a substring", {"in": ["Spring", "Springfield"]}, None, True),
    ("in coerces the needle", {"in": [1, "a1"]}, None, True),
    ("in finds an array item strictly", {"in": ["1", [1, 2]]}, None, False),
    ("in of an empty string haystack is false", {"in": ["", ""]}, None, False),
    ("in of a non-container is false", {"in": [1, 1]}, None, False),
    ("cat joins", {"cat": ["I love", " pie"]}, None, "I love pie"),
    ("cat renders numbers like JS", {"cat": [1.0, 0.5, 1e21, None, True]}, None, "10.51e+21true"),
    ("cat renders arrays", {"cat": [[1, [2, None]]]}, None, "1,2,"),
    ("substr from a start", {"substr": ["jsonlogic", 4]}, None, "logic"),
    ("substr from the end", {"substr": ["jsonlogic", -5]}, None, "logic"),
    ("substr with a length", {"substr": ["jsonlogic", 1, 3]}, None, "son"),
    ("substr with a negative end", {"substr": ["jsonlogic", 0, -5]}, None, "json"),
    ("substr of a number", {"substr": [12345, 1, 2]}, None, "23"),
    ("log returns its value", {"log": "apple"}, None, "apple"),
    # literals
    ("a literal is itself", "hello", None, "hello"),
    ("arrays evaluate their items", [{"var": "a"}, 2], {"a": 1}, [1, 2]),
    ("an empty object is a literal", {}, None, {}),
]


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and math.isnan(a):
        return isinstance(b, float) and math.isnan(b)
    return type(a) is type(b) and a == b if not isinstance(a, int | float) else a == b


@pytest.mark.parametrize(
    ("rule", "data", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_operator_case(rule: Any, data: Any, expected: Any) -> None:
    got = evaluate(rule, data)
    assert _same(expected, got), f"{rule} on {data!r}: expected {expected!r}, got {got!r}"


def test_evaluation_never_mutates_the_data() -> None:
    data = {"xs": [3, 1, 2], "o": {"a": [1]}}
    snapshot = repr(data)
    rule = {
        "and": [
            {"merge": [{"var": "xs"}, {"var": "o.a"}]},
            {"map": [{"var": "xs"}, {"+": [{"var": ""}, 1]}]},
            {
                "reduce": [
                    {"var": "xs"},
                    {"merge": [{"var": "accumulator"}, {"var": "current"}]},
                    [],
                ]
            },
        ]
    }
    evaluate(rule, data)
    assert repr(data) == snapshot
