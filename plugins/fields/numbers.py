"""Number and currency fields: JSON numbers within min/max, on a step or to a currency's cents."""

from __future__ import annotations

import math
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

import msgspec

from erp.sdk import FieldDefinition, FieldType, Invalid, Issue, hookimpl


def _number(value: Any) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Invalid("must be a number", "invalid_type")
    if isinstance(value, float) and not math.isfinite(value):
        raise Invalid("must be a finite number", "invalid_type")
    return value


def _parse_number(text: str) -> Any:
    try:
        parsed = Decimal(text.strip().replace(",", ""))
    except InvalidOperation:
        return text  # clean() then says what is wrong
    return int(parsed) if parsed == parsed.to_integral_value() else float(parsed)


def _bounds_issues(definition: FieldDefinition) -> Iterable[Issue]:
    low, high = definition.validation.min, definition.validation.max
    for key, bound in (("min", low), ("max", high)):
        if bound is not None and (isinstance(bound, bool) or not isinstance(bound, int | float)):
            yield Issue(f"validation.{key} must be a number", path=f"validation.{key}")
    if isinstance(low, int | float) and isinstance(high, int | float) and low > high:
        yield Issue("validation.min is above validation.max", path="validation.min")


class NumberSettings(msgspec.Struct, forbid_unknown_fields=True, rename="camel"):
    step: Annotated[
        int | float | None,
        msgspec.Meta(
            title="Step",
            description="Values are the smallest value plus whole steps; 1: whole numbers only.",
        ),
    ] = None
    """Values must be min (or 0) plus a whole number of steps; 1 means integers only."""


class NumberField(FieldType):
    name = "number"
    label = "Number"
    kind = "number"
    Settings = NumberSettings
    validation_keys = frozenset({"min", "max"})

    def check_definition(self, definition: FieldDefinition) -> Iterable[Issue]:
        yield from _bounds_issues(definition)
        step = definition.settings.step if definition.settings else None
        if step is not None and step <= 0:
            yield Issue("settings.step must be above 0", path="settings.step")

    def clean(self, value: Any, definition: FieldDefinition) -> int | float:
        number = self.check_bounds(_number(value), definition)
        step = definition.settings.step if definition.settings else None
        if step is not None:
            origin = definition.validation.min
            base = Decimal(str(origin)) if isinstance(origin, int | float) else Decimal(0)
            if (Decimal(str(number)) - base) % Decimal(str(step)) != 0:
                raise Invalid(f"must be a multiple of {step}", "step_mismatch")
        return number

    def parse_text(self, text: str, definition: FieldDefinition) -> Any:
        return _parse_number(text)


class CurrencySettings(msgspec.Struct, forbid_unknown_fields=True, rename="camel"):
    currency: Annotated[str, msgspec.Meta(title="Currency (ISO 4217 code)")] = "USD"
    """ISO 4217 code shown beside the amount."""
    decimals: Annotated[
        int, msgspec.Meta(title="Decimal places", extra_json_schema={"minimum": 0, "maximum": 4})
    ] = 2
    """Digits after the decimal point that an amount may have (0 for JPY)."""


class CurrencyField(FieldType):
    name = "currency"
    label = "Currency amount"
    kind = "number"
    Settings = CurrencySettings
    validation_keys = frozenset({"min", "max"})

    def check_definition(self, definition: FieldDefinition) -> Iterable[Issue]:
        yield from _bounds_issues(definition)
        settings = definition.settings or CurrencySettings()
        code = settings.currency
        if len(code) != 3 or not code.isascii() or not code.isalpha() or not code.isupper():
            yield Issue(
                "settings.currency must be a 3-letter ISO 4217 code", path="settings.currency"
            )
        if not 0 <= settings.decimals <= 4:
            yield Issue("settings.decimals must be between 0 and 4", path="settings.decimals")

    def clean(self, value: Any, definition: FieldDefinition) -> int | float:
        amount = self.check_bounds(_number(value), definition)
        decimals = (definition.settings or CurrencySettings()).decimals
        exponent = Decimal(str(amount)).as_tuple().exponent
        if isinstance(exponent, int) and -exponent > decimals:
            raise Invalid(f"must have at most {decimals} decimal places", "too_precise")
        return amount

    def parse_text(self, text: str, definition: FieldDefinition) -> Any:
        return _parse_number(text.strip().lstrip("$€£¥₹"))


@hookimpl
def erp_register_field_types() -> list[FieldType]:
    return [NumberField(), CurrencyField()]
