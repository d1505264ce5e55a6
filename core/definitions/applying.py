"""Carry out a plan's steps through the kinds (their areas' use cases), each in a savepoint so
that one refused write does not hide the next one's problems: every problem of every step is
collected, at its path in the files."""

from __future__ import annotations

import dataclasses

from core.definitions.kinds import BY_KIND
from core.definitions.planning import Plan, Step
from core.definitions.state import Context
from core.errors import ErpError, FieldProblem, ValidationFailed


async def carry_out(ctx: Context, plan: Plan) -> list[FieldProblem]:
    """Write the plan's steps in order; the problems of those refused (nothing else is
    undone: the caller rolls the whole transaction back when there are any)."""
    problems: list[FieldProblem] = []
    kind = None
    for step in plan.steps:
        if step.kind is not kind:
            problems += await _run_deferred(ctx)
            kind = step.kind
        problems += await _run(ctx, step)
    problems += await _run_deferred(ctx)
    return problems


async def _run(ctx: Context, step: Step) -> list[FieldProblem]:
    subject = step.subject
    try:
        async with ctx.session.begin_nested():
            if step.action == "create":
                assert step.item is not None
                new_id = await step.kind.create(ctx, step.item)
            elif step.action == "change":
                assert step.current is not None and step.item is not None
                await step.kind.update(ctx, step.current, step.item, set(step.changed))
            else:
                assert step.current is not None
                await step.kind.delete(ctx, step.current)
    except ErpError as exc:
        return located(exc, step)
    entity = step.kind.entity
    if entity is not None and step.action == "create":
        ctx.names.add(entity, new_id, subject.name)
    elif entity is not None and step.action == "delete" and subject.id is not None:
        ctx.names.drop(entity, subject.id)
    return []


async def _run_deferred(ctx: Context) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    waiting, ctx.deferred = ctx.deferred, []
    for item, write in waiting:
        try:
            async with ctx.session.begin_nested():
                await write()
        except ErpError as exc:
            problems += located(exc, Step("change", BY_KIND[item.kind], None, item))
    return problems


def located(exc: ErpError, step: Step) -> list[FieldProblem]:
    """The error's problems at their paths in the files (`<file>#<pointer>`)."""
    where = step.subject.where
    if isinstance(exc, ValidationFailed) and exc.problems:
        return [
            dataclasses.replace(problem, path=where + step.kind.pointer(problem.path))
            for problem in exc.problems
        ]
    return [FieldProblem(where, exc.message, exc.code)]
