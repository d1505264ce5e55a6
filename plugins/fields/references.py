"""File, user and record fields: ids of things the company has, confirmed by the registry."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from fnmatch import fnmatch
from typing import Annotated, Any, ClassVar, Literal

import msgspec

from erp.sdk import (
    FieldDefinition,
    FieldType,
    FileInfo,
    Invalid,
    Issue,
    RecordInfo,
    Reference,
    Referenced,
    UserInfo,
    ValueKind,
    hookimpl,
)


class ReferenceField(FieldType):
    """One id, or a list of distinct ids when `settings.multiple` is true."""

    points_at: ClassVar[Literal["file", "user", "record"]]
    noun: ClassVar[str]

    def value_kind(self, definition: FieldDefinition) -> ValueKind:
        return "list" if definition.settings and definition.settings.multiple else "string"

    def ids(self, value: Any) -> list[str]:
        return value if isinstance(value, list) else [value]

    def clean(self, value: Any, definition: FieldDefinition) -> str | list[str]:
        multiple = bool(definition.settings and definition.settings.multiple)
        if multiple:
            if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
                raise Invalid(f"must be a list of {self.noun} ids", "invalid_type")
            if len(set(value)) != len(value):
                raise Invalid(f"lists a {self.noun} twice", "duplicate")
            return value
        if not isinstance(value, str) or not value:
            raise Invalid(f"must be a {self.noun} id", "invalid_type")
        return value

    def references(self, value: Any, definition: FieldDefinition) -> Iterable[Reference]:
        return [Reference(self.points_at, i, self.table(definition)) for i in self.ids(value)]

    def table(self, definition: FieldDefinition) -> str | None:
        return None

    def check_references(
        self, value: Any, definition: FieldDefinition, found: Mapping[Reference, Referenced | None]
    ) -> Iterable[Invalid]:
        for ref in self.references(value, definition):
            thing = found.get(ref)
            if thing is None:
                yield Invalid(f"{self.noun} {ref.id} does not exist", "not_found")
            else:
                yield from self.check_found(thing, definition)

    def check_found(self, thing: Any, definition: FieldDefinition) -> Iterable[Invalid]:
        return ()

    def parse_text(self, text: str, definition: FieldDefinition) -> Any:
        if definition.settings and definition.settings.multiple:
            return [part.strip() for part in text.split(";") if part.strip()]
        return text.strip()

    def format_text(self, value: Any, definition: FieldDefinition) -> str:
        return ";".join(value) if isinstance(value, list) else str(value or "")


class FileSettings(msgspec.Struct, forbid_unknown_fields=True, rename="camel"):
    accept: Annotated[
        list[str], msgspec.Meta(title="Accepted types (application/pdf, image/*, .pdf)")
    ] = msgspec.field(default_factory=list)
    """Allowed media types ("application/pdf", "image/*") or extensions (".pdf"); empty: any."""
    max_size: Annotated[int | None, msgspec.Meta(title="Largest file (bytes)")] = None
    """Largest file in bytes."""
    multiple: Annotated[bool, msgspec.Meta(title="Several files")] = False
    max_files: Annotated[int | None, msgspec.Meta(title="Most files")] = None


class FileField(ReferenceField):
    name = "file"
    label = "File upload"
    Settings = FileSettings
    points_at = "file"
    noun = "file"

    def check_definition(self, definition: FieldDefinition) -> Iterable[Issue]:
        s = definition.settings or FileSettings()
        if s.max_size is not None and s.max_size <= 0:
            yield Issue("settings.maxSize must be above 0 bytes", path="settings.maxSize")
        for pattern in s.accept:
            if not (pattern.startswith(".") or "/" in pattern):
                yield Issue(
                    f"settings.accept: {pattern!r} is neither a media type nor an extension",
                    path="settings.accept",
                )

    def clean(self, value: Any, definition: FieldDefinition) -> str | list[str]:
        cleaned = super().clean(value, definition)
        s = definition.settings or FileSettings()
        if s.max_files is not None and isinstance(cleaned, list) and len(cleaned) > s.max_files:
            raise Invalid(f"at most {s.max_files} files", "too_many")
        return cleaned

    def check_found(self, thing: Any, definition: FieldDefinition) -> Iterable[Invalid]:
        assert isinstance(thing, FileInfo)
        s = definition.settings or FileSettings()
        if s.accept and not any(_accepts(pattern, thing) for pattern in s.accept):
            yield Invalid(
                f"{thing.name} ({thing.mimetype}) is not an accepted type: {', '.join(s.accept)}",
                "file_type_not_accepted",
            )
        if s.max_size is not None and thing.size > s.max_size:
            yield Invalid(
                f"{thing.name} is {thing.size} bytes, more than {s.max_size}", "file_too_large"
            )


def _accepts(pattern: str, file: FileInfo) -> bool:
    if pattern.startswith("."):
        return file.name.lower().endswith(pattern.lower())
    return fnmatch(file.mimetype.lower(), pattern.lower())


class UserSettings(msgspec.Struct, forbid_unknown_fields=True, rename="camel"):
    multiple: Annotated[bool, msgspec.Meta(title="Several users")] = False


class UserField(ReferenceField):
    name = "user"
    label = "User"
    Settings = UserSettings
    points_at = "user"
    noun = "user"

    def check_found(self, thing: Any, definition: FieldDefinition) -> Iterable[Invalid]:
        assert isinstance(thing, UserInfo)
        if not thing.active:
            yield Invalid(f"user {thing.email} is deactivated", "user_inactive")


class RecordSettings(msgspec.Struct, forbid_unknown_fields=True, rename="camel"):
    table: Annotated[str, msgspec.Meta(title="Table (its name)")]
    """Name of the custom table (of the same company) whose rows the field points at."""
    multiple: Annotated[bool, msgspec.Meta(title="Several records")] = False


class RecordField(ReferenceField):
    name = "record"
    label = "Linked record"
    Settings = RecordSettings
    points_at = "record"
    noun = "record"

    def table(self, definition: FieldDefinition) -> str | None:
        return str(definition.settings.table)

    def check_found(self, thing: Any, definition: FieldDefinition) -> Iterable[Invalid]:
        assert isinstance(thing, RecordInfo)
        return ()


@hookimpl
def erp_register_field_types() -> list[FieldType]:
    return [FileField(), UserField(), RecordField()]
