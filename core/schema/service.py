"""What the rest of the platform calls to check definitions and validate submissions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import FieldProblem, ValidationFailed
from core.schema.compiled import CompiledSchema, compile_schema
from core.schema.references import resolve_references


async def validate_submission(
    session: AsyncSession,
    *,
    company_id: str,
    fields: list[dict[str, Any]],
    logic: dict[str, Any],
    data: dict[str, Any],
    previous: dict[str, Any] | None = None,
    validations: list[Any] | None = None,
) -> dict[str, Any]:
    """The cleaned data of a task submission (hidden fields dropped, values normalised), or
    ValidationFailed listing every offending field. `previous` is the data already stored,
    when `data` is a partial update of it."""
    schema = compile_schema(fields, logic, validations)
    [cleaned] = await clean_many(
        session, company_id=company_id, schema=schema, items=[(data, previous)]
    )
    return cleaned


async def validate_values(
    session: AsyncSession,
    *,
    company_id: str,
    fields: list[dict[str, Any]],
    data: dict[str, Any],
) -> dict[str, Any]:
    """Values that pre-fill some fields of a form, each checked as a submission checks it
    (type, options, validation rules, the files, users and records it names), cleaned; or
    ValidationFailed listing every offending field. Required fields, logic and cross-field
    validations wait for the submission of the form."""
    schema = compile_schema(fields)
    result = schema.clean_values(data)
    problems = list(result.problems)
    references = schema.references(result.values)
    if references:
        found = await resolve_references(session, company_id, references)
        problems.extend(schema.check_references(result.values, found))
    if problems:
        raise ValidationFailed(problems)
    return result.values


async def clean_many(
    session: AsyncSession,
    *,
    company_id: str,
    schema: CompiledSchema,
    items: Sequence[tuple[Any, Mapping[str, Any] | None]],
    prefixes: Sequence[str] | None = None,
) -> list[dict[str, Any]]:
    """Clean many (data, previous) pairs against one schema, confirming every reference in
    one query per kind; ValidationFailed lists the problems of all of them (each path prefixed
    by `prefixes[i]`, for example "records[3].")."""
    prefixes = prefixes or [""] * len(items)
    problems: list[FieldProblem] = []
    results = []
    for (data, previous), prefix in zip(items, prefixes, strict=True):
        result = schema.clean(data, previous, prefix=prefix)
        problems.extend(result.problems)
        results.append(result.values)
    references = [ref for values in results for ref in schema.references(values)]
    if references:
        found = await resolve_references(session, company_id, references)
        for values, prefix in zip(results, prefixes, strict=True):
            problems.extend(schema.check_references(values, found, prefix=prefix))
    if problems:
        raise ValidationFailed(problems)
    return results
