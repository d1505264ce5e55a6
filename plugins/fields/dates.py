"""Date and datetime fields, stored as ISO 8601 text that sorts in time order."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

from erp.sdk import FieldDefinition, FieldType, Invalid, Issue, hookimpl


class DateField(FieldType):
    name = "date"
    label = "Date"
    kind = "date"
    validation_keys = frozenset({"min", "max"})

    def normalise(self, text: str) -> str:
        return date.fromisoformat(text).isoformat()

    def check_definition(self, definition: FieldDefinition) -> Iterable[Issue]:
        raw = {"min": definition.validation.min, "max": definition.validation.max}
        bounds: dict[str, str | None] = {}
        for key, bound in raw.items():
            bounds[key] = None
            if bound is None:
                continue
            try:
                bounds[key] = self.normalise(str(bound))
            except ValueError:
                yield Issue(
                    f"validation.{key} must be an ISO 8601 {self.name}", path=f"validation.{key}"
                )
                bounds[key] = None
        if bounds["min"] and bounds["max"] and bounds["min"] > bounds["max"]:
            yield Issue("validation.min is after validation.max", path="validation.min")

    def clean(self, value: Any, definition: FieldDefinition) -> str:
        if not isinstance(value, str):
            raise Invalid(f"must be an ISO 8601 {self.name} in text", "invalid_type")
        try:
            text = self.normalise(value)
        except ValueError:
            raise Invalid(f"is not a valid ISO 8601 {self.name}", "invalid_format") from None
        low, high = definition.validation.min, definition.validation.max
        if low is not None and text < self.normalise(str(low)):
            raise Invalid(f"must be on or after {low}", "below_minimum")
        if high is not None and text > self.normalise(str(high)):
            raise Invalid(f"must be on or before {high}", "above_maximum")
        return text


class DatetimeField(DateField):
    name = "datetime"
    label = "Date and time"

    def validation_schema(self) -> dict[str, Any] | None:
        schema = super().validation_schema()
        for bound in (schema or {}).get("properties", {}).values():
            bound["format"] = "date-time"
        return schema

    def normalise(self, text: str) -> str:
        moment = datetime.fromisoformat(text)
        if moment.tzinfo is None:
            raise ValueError("no time zone")
        # Fixed width in UTC, so that text order is time order (filters, sorting, indexes).
        return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + (
            f"{moment.microsecond // 1000:03d}Z"
        )

    def clean(self, value: Any, definition: FieldDefinition) -> str:
        if isinstance(value, str):
            try:
                if datetime.fromisoformat(value).tzinfo is None:
                    raise Invalid("must state its time zone (Z or +hh:mm)", "missing_timezone")
            except ValueError:
                pass
        return super().clean(value, definition)


@hookimpl
def erp_register_field_types() -> list[FieldType]:
    return [DateField(), DatetimeField()]
