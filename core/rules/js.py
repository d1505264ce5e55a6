"""JavaScript value semantics that JSONLogic inherits: truthiness, coercion, equality, ordering.

Python values stand for JSON ones: None is null (and undefined), bool, int/float are numbers,
str, list, dict. `bool` is tested before `int` everywhere because it subclasses it.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from typing import Any

NAN = float("nan")
INF = float("inf")
_SAFE_INT = 2**53

# ECMAScript StrWhiteSpaceChar: WhiteSpace and LineTerminator code points.
_WS = (
    "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000\ufeff"
)
_DECIMAL = re.compile(r"[+-]?(?:Infinity|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\Z")
_DECIMAL_PREFIX = re.compile(r"[+-]?(?:Infinity|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)")
_RADIX = re.compile(r"0(?:[xX](?P<x>[0-9a-fA-F]+)|[oO](?P<o>[0-7]+)|[bB](?P<b>[01]+))\Z")


def truthy(value: Any) -> bool:
    """JSONLogic truthiness: JavaScript's, except that an empty array is falsy."""
    t = type(value)
    if t is bool:
        return bool(value)
    if t is list:
        return len(value) > 0
    if t is dict:
        return True
    if t is float:
        return value == value and value != 0.0
    return bool(value)


def js_number(value: int | float) -> int | float:
    """Normalise an arithmetic result: integral values become ints, huge ints become floats."""
    if type(value) is int:
        return value if -_SAFE_INT <= value <= _SAFE_INT else float(value)
    x = float(value)
    if x.is_integer() and -_SAFE_INT <= x <= _SAFE_INT and (x != 0 or math.copysign(1.0, x) > 0):
        return int(x)
    return value


def to_number(value: Any) -> int | float:
    """ECMAScript ToNumber (NaN for what does not convert)."""
    t = type(value)
    if t is int or t is float:
        return value
    if value is None:
        return 0
    if t is bool:
        return 1 if value else 0
    if t is str:
        return string_to_number(value)
    if t is list:
        return string_to_number(to_string(value))
    return NAN


def string_to_number(text: str) -> int | float:
    s = text.strip(_WS)
    if not s:
        return 0
    if _DECIMAL.match(s):
        if s.endswith("Infinity"):
            return -INF if s[0] == "-" else INF
        return js_number(float(s))
    m = _RADIX.match(s)
    if m:
        digits, base = (m["x"], 16) if m["x"] else ((m["o"], 8) if m["o"] else (m["b"], 2))
        return js_number(int(digits, base))
    return NAN


def parse_float(value: Any) -> int | float:
    """JavaScript's global parseFloat: the longest numeric prefix of String(value)."""
    t = type(value)
    if t is int or t is float:
        return value
    m = _DECIMAL_PREFIX.match(to_string(value).lstrip(_WS))
    if not m:
        return NAN
    s = m.group()
    if s.endswith("Infinity"):
        return -INF if s[0] == "-" else INF
    return js_number(float(s))


def number_to_string(value: int | float) -> str:
    """ECMAScript Number::toString(10): shortest round-trip digits, JS exponent thresholds."""
    if type(value) is int and -(10**21) < value < 10**21:
        return str(value)
    x = float(value)
    if x != x:
        return "NaN"
    if x in (INF, -INF):
        return "Infinity" if x > 0 else "-Infinity"
    if x == 0:
        return "0"
    sign = "-" if x < 0 else ""
    tup = Decimal(repr(abs(x))).as_tuple()
    digits = "".join(map(str, tup.digits)).rstrip("0") or "0"
    exp = int(tup.exponent) + len(tup.digits)  # value = 0.digits * 10**exp
    k = len(digits)
    if k <= exp <= 21:
        return sign + digits + "0" * (exp - k)
    if 0 < exp <= 21:
        return sign + digits[:exp] + "." + digits[exp:]
    if -6 < exp <= 0:
        return sign + "0." + "0" * (-exp) + digits
    e = exp - 1
    mantissa = digits if k == 1 else digits[0] + "." + digits[1:]
    return f"{sign}{mantissa}e{'+' if e >= 0 else '-'}{abs(e)}"


def to_string(value: Any) -> str:
    """ECMAScript ToString (String(value)); arrays join their items with ',' (null as '')."""
    t = type(value)
    if t is str:
        return value
    if t is bool:
        return "true" if value else "false"
    if t is int or t is float:
        return number_to_string(value)
    if value is None:
        return "null"
    if t is list:
        return ",".join("" if item is None else to_string(item) for item in value)
    return "[object Object]"


def join_string(value: Any) -> str:
    """How Array.prototype.join renders one item: null becomes ''."""
    return "" if value is None else to_string(value)


def strict_equals(a: Any, b: Any) -> bool:
    """JavaScript ===: same type and value; arrays and objects only equal themselves."""
    ta, tb = type(a), type(b)
    if ta is bool or tb is bool:
        return ta is tb and a == b
    if (ta is int or ta is float) and (tb is int or tb is float):
        return bool(a == b)
    if ta is str:
        return tb is str and a == b
    if a is None:
        return b is None
    return a is b


def loose_equals(a: Any, b: Any) -> bool:
    """JavaScript == (IsLooselyEqual)."""
    ta, tb = type(a), type(b)
    if ta is tb or ((ta is int or ta is float) and (tb is int or tb is float)):
        return strict_equals(a, b)
    if a is None or b is None:
        return False
    if ta is bool:
        return loose_equals(1 if a else 0, b)
    if tb is bool:
        return loose_equals(a, 1 if b else 0)
    a_obj, b_obj = ta is list or ta is dict, tb is list or tb is dict
    if a_obj and b_obj:
        return False
    if a_obj:
        return loose_equals(to_string(a), b)
    if b_obj:
        return loose_equals(a, to_string(b))
    # number against string: compare as numbers
    return bool(to_number(a) == to_number(b))


def _primitives(a: Any, b: Any) -> tuple[Any, Any]:
    ta, tb = type(a), type(b)
    if ta is list or ta is dict:
        a = to_string(a)
    if tb is list or tb is dict:
        b = to_string(b)
    return a, b


def less_than(a: Any, b: Any) -> bool:
    """JavaScript a < b (abstract relational comparison)."""
    a, b = _primitives(a, b)
    if type(a) is str and type(b) is str:
        return bool(a < b)
    return bool(to_number(a) < to_number(b))


def less_or_equal(a: Any, b: Any) -> bool:
    a, b = _primitives(a, b)
    if type(a) is str and type(b) is str:
        return bool(a <= b)
    return bool(to_number(a) <= to_number(b))


def value_kind(value: Any) -> str:
    """The JSON type name of a value, as jsonb_typeof spells it."""
    t = type(value)
    if value is None:
        return "null"
    if t is bool:
        return "boolean"
    if t is int or t is float:
        return "number"
    if t is str:
        return "string"
    if t is list:
        return "array"
    return "object"
