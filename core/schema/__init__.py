"""The schema registry: field definitions checked against the plugins' field types, compiled
once, and used to validate task submissions, table records and dataset fields."""

from core.schema.compiled import CompiledSchema, compile_schema
from core.schema.definitions import check_field_definitions, parse_definitions
from core.schema.registry import field_types
from core.schema.service import clean_many, validate_submission, validate_values

__all__ = [
    "CompiledSchema",
    "check_field_definitions",
    "clean_many",
    "compile_schema",
    "field_types",
    "parse_definitions",
    "validate_submission",
    "validate_values",
]
