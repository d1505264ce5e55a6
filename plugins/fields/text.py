"""Text and textarea fields: free text with the seed's length and pattern rules."""

from __future__ import annotations

from typing import Any, ClassVar

from erp.sdk import FieldDefinition, FieldType, Invalid, hookimpl


class TextField(FieldType):
    name = "text"
    label = "Text"
    validation_keys = frozenset({"minLength", "maxLength", "pattern"})
    limit: ClassVar[int] = 1_000
    """Longest text accepted when the definition sets no maxLength (keeps rows small)."""

    def clean(self, value: Any, definition: FieldDefinition) -> str:
        if not isinstance(value, str):
            raise Invalid("must be text", "invalid_type")
        if definition.validation.maxLength is None and len(value) > self.limit:
            raise Invalid(f"must be at most {self.limit} characters", "too_long")
        return self.check_text_rules(value, definition)


class TextareaField(TextField):
    name = "textarea"
    label = "Long text"
    limit = 100_000


@hookimpl
def erp_register_field_types() -> list[FieldType]:
    return [TextField(), TextareaField()]
