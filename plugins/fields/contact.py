"""Email, phone and URL fields: checked by email-validator, phonenumbers and urllib."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any
from urllib.parse import urlsplit

import msgspec
import phonenumbers
from email_validator import EmailNotValidError, validate_email

from erp.sdk import FieldDefinition, FieldType, Invalid, Issue, hookimpl

TEXT_RULES = frozenset({"minLength", "maxLength", "pattern"})


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise Invalid(f"must be {what} in text", "invalid_type")
    return value.strip()


class EmailField(FieldType):
    name = "email"
    label = "Email address"
    validation_keys = TEXT_RULES

    def clean(self, value: Any, definition: FieldDefinition) -> str:
        try:
            address = validate_email(_text(value, "an email address"), check_deliverability=False)
        except EmailNotValidError as exc:
            raise Invalid(f"is not a valid email address: {exc}", "invalid_format") from None
        return self.check_text_rules(address.normalized, definition)


class PhoneSettings(msgspec.Struct, forbid_unknown_fields=True, rename="camel"):
    default_region: Annotated[
        str | None, msgspec.Meta(title="Default country (ISO 3166, e.g. IN, US)")
    ] = None
    """Two-letter country (ISO 3166) assumed for numbers written without +country code."""


class PhoneField(FieldType):
    name = "phone"
    label = "Phone number"
    Settings = PhoneSettings
    validation_keys = TEXT_RULES

    def check_definition(self, definition: FieldDefinition) -> Iterable[Issue]:
        region = definition.settings.default_region if definition.settings else None
        if region is not None and region not in phonenumbers.SUPPORTED_REGIONS:
            yield Issue(
                f"settings.defaultRegion {region!r} is not a known region",
                path="settings.defaultRegion",
            )

    def clean(self, value: Any, definition: FieldDefinition) -> str:
        region = definition.settings.default_region if definition.settings else None
        try:
            number = phonenumbers.parse(_text(value, "a phone number"), region)
        except phonenumbers.NumberParseException:
            raise Invalid(
                "is not a phone number (write +country code first)", "invalid_format"
            ) from None
        if not phonenumbers.is_valid_number(number):
            raise Invalid("is not a valid phone number", "invalid_format")
        stored = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        return self.check_text_rules(stored, definition)


class UrlSettings(msgspec.Struct, forbid_unknown_fields=True, rename="camel"):
    schemes: Annotated[list[str], msgspec.Meta(title="Allowed schemes")] = msgspec.field(
        default_factory=lambda: ["https", "http"]
    )


class UrlField(FieldType):
    name = "url"
    label = "Web address"
    Settings = UrlSettings
    validation_keys = TEXT_RULES

    def clean(self, value: Any, definition: FieldDefinition) -> str:
        text = _text(value, "a web address")
        schemes = (definition.settings or UrlSettings()).schemes
        try:
            parts = urlsplit(text)
        except ValueError:
            raise Invalid("is not a valid web address", "invalid_format") from None
        if parts.scheme.lower() not in schemes or not parts.netloc or " " in text:
            raise Invalid(f"must be a {' or '.join(schemes)} address with a host", "invalid_format")
        return self.check_text_rules(text, definition)


@hookimpl
def erp_register_field_types() -> list[FieldType]:
    return [EmailField(), PhoneField(), UrlField()]
