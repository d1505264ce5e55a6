"""The checks a flow passes on save and on publish, turning a draft into a runnable snapshot:
levels numbered without gaps, valid level config, branch targets that exist, conditions valid
against the fields of the tasks before them, every level reachable, no cycle without an exit."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

from core.errors import FieldProblem
from core.flows.definition import END
from core.flows.errors import FlowDefinitionInvalid
from core.rules import RuleError, truthy
from core.rules.service import prepare_rule

DEFAULT_REJECT_VALUES = ["Rejected"]
MAX_DEADLINE_HOURS = 24 * 366 * 10
MAX_PRIORITY = 1_000_000


def compile_definition(draft: dict[str, Any]) -> dict[str, Any]:
    """The snapshot of a draft: `draft` (see `core.flows.authoring`) with each level's config
    normalised and each branch's condition turned into checked JSONLogic. Raises
    FlowDefinitionInvalid listing every problem, with paths into the draft."""
    snapshot = copy.deepcopy(draft)
    problems: list[FieldProblem] = []
    levels: list[dict[str, Any]] = snapshot["levels"]
    orders = _check_numbering(levels, problems)
    names = {str(level.get("name", "")).casefold(): level["order"] for level in levels}
    for index, level in enumerate(levels):
        _normalise_level(level, f"/levels/{index}", orders, names, problems)
    for index, branch in enumerate(snapshot["branches"]):
        _normalise_branch(branch, f"/branches/{index}", levels, orders, problems)
    if not problems:
        problems.extend(_check_graph(levels, snapshot["branches"]))
    if problems:
        raise FlowDefinitionInvalid(problems, "The flow cannot run as defined.")
    levels.sort(key=lambda level: level["order"])
    return snapshot


def _check_numbering(levels: list[dict[str, Any]], problems: list[FieldProblem]) -> set[int]:
    if not levels:
        problems.append(FieldProblem("/levels", "A flow needs at least one level.", "required"))
        return set()
    seen: set[int] = set()
    misnumbered = False
    for index, level in enumerate(levels):
        order = level.get("order")
        if type(order) is not int or order < 1:
            misnumbered = True
            problems.append(
                FieldProblem(f"/levels/{index}/order", "must be a whole number from 1", "invalid")
            )
        elif order in seen:
            misnumbered = True
            problems.append(
                FieldProblem(f"/levels/{index}/order", f"level {order} appears twice", "duplicate")
            )
        else:
            seen.add(order)
        if not str(level.get("name") or "").strip():
            problems.append(
                FieldProblem(f"/levels/{index}/name", "A level needs a name.", "required")
            )
    missing = sorted(set(range(1, len(levels) + 1)) - seen)
    if missing and not misnumbered:
        # On the levels numbered past the end: those are the ones to renumber.
        message = (
            f"Levels must be numbered 1 to {len(levels)} without gaps; "
            f"missing {', '.join(map(str, missing))}."
        )
        problems.extend(
            FieldProblem(f"/levels/{index}/order", message, "level_gap")
            for index, level in enumerate(levels)
            if level["order"] > len(levels)
        )
    return seen


def _normalise_level(
    level: dict[str, Any],
    path: str,
    orders: set[int],
    names: dict[str, int],
    problems: list[FieldProblem],
) -> None:
    config = level.get("config") or {}
    if not isinstance(config, dict):
        problems.append(FieldProblem(f"{path}/config", "must be an object", "invalid_type"))
        config = {}
    level["completion"] = _completion(config.get("completion", "any"), f"{path}/config", problems)
    hours = config.get("deadlineHours")
    if hours is not None and (
        type(hours) not in (int, float) or not 0 < hours <= MAX_DEADLINE_HOURS
    ):
        problems.append(
            FieldProblem(
                f"{path}/config/deadlineHours",
                f"must be a number of hours above 0, at most {MAX_DEADLINE_HOURS}",
                "invalid",
            )
        )
        hours = None
    level["deadlineHours"] = hours
    level["onDeadline"] = _on_deadline(config, hours, path, problems)
    level["onReject"] = _on_reject(config.get("onReject", "fail"), path, orders, names, problems)
    level["decision"] = _decision(config.get("decision"), level, path, problems)


def _completion(value: Any, path: str, problems: list[FieldProblem]) -> dict[str, Any]:
    if value in ("any", "all"):
        return {"mode": value}
    if type(value) is int and value >= 1:
        return {"mode": "count", "count": value} if value > 1 else {"mode": "any"}
    problems.append(
        FieldProblem(
            f"{path}/completion",
            'must be "any" (one person), "all" (everyone asked) or a number of people',
            "invalid",
        )
    )
    return {"mode": "any"}


DEADLINE_ACTIONS = ("notify", "escalate", "reject")


def _on_deadline(
    config: dict[str, Any], hours: Any, path: str, problems: list[FieldProblem]
) -> dict[str, Any] | None:
    """What happens once a level's deadline passes: notify (the default), escalate to a
    user, or reject. None for a level without a deadline."""
    where = f"{path}/config/onDeadline"
    value = config.get("onDeadline")
    if value is None:
        return {"action": "notify"} if hours is not None else None
    if "deadlineHours" not in config:
        problems.append(
            FieldProblem(
                where, "needs deadlineHours: a level without a deadline never passes it", "invalid"
            )
        )
        return None
    action = value.get("action") if isinstance(value, dict) else None
    if action not in DEADLINE_ACTIONS:
        problems.append(
            FieldProblem(
                f"{where}/action" if isinstance(value, dict) else where,
                'must be {"action": "notify"}, {"action": "escalate", "userId": "<user id>"} '
                'or {"action": "reject"}',
                "invalid",
            )
        )
        return None
    allowed = {"action", "userId"} if action == "escalate" else {"action"}
    for key in sorted(set(value) - allowed):
        problems.append(FieldProblem(f"{where}/{key}", f"is not an option of {action}", "unknown"))
    if action != "escalate":
        return {"action": action}
    user_id = value.get("userId")
    if not isinstance(user_id, str) or not user_id.strip():
        problems.append(
            FieldProblem(f"{where}/userId", "must name the user (id) the task goes to", "required")
        )
        return None
    return {"action": action, "userId": user_id}


def _on_reject(
    value: Any, path: str, orders: set[int], names: dict[str, int], problems: list[FieldProblem]
) -> dict[str, Any]:
    if value == "fail":
        return {"action": "fail"}
    target = value.get("sendBackTo") if isinstance(value, dict) else None
    if isinstance(target, str) and target.casefold() in names:
        target = names[target.casefold()]
    if type(target) is int and target in orders:
        return {"action": "sendBack", "sendBackTo": target}
    problems.append(
        FieldProblem(
            f"{path}/config/onReject",
            'must be "fail" or {"sendBackTo": <order or name of an existing level>}',
            "invalid",
        )
    )
    return {"action": "fail"}


def _decision(
    value: Any, level: dict[str, Any], path: str, problems: list[FieldProblem]
) -> dict[str, Any] | None:
    if value is None:
        return None
    where = f"{path}/config/decision"
    name = value.get("field") if isinstance(value, dict) else None
    reject = value.get("rejectValues", DEFAULT_REJECT_VALUES) if isinstance(value, dict) else None
    field = _find_field(level.get("tasks", []), name) if isinstance(name, str) else None
    if field is None:
        problems.append(
            FieldProblem(
                f"{where}/field", "must name a field (id or label) of this level's tasks", "invalid"
            )
        )
        return None
    if not isinstance(reject, list) or not reject:
        problems.append(
            FieldProblem(f"{where}/rejectValues", "must be a non-empty list", "invalid")
        )
        return None
    return {"fieldId": str(field["id"]), "rejectValues": reject}


def _find_field(tasks: Iterable[dict[str, Any]], name: str) -> dict[str, Any] | None:
    fields = [f for task in tasks for f in task.get("fields", []) if isinstance(f, dict)]
    by_id = next((f for f in fields if f.get("id") == name), None)
    return by_id or next(
        (f for f in fields if str(f.get("label", "")).casefold() == name.casefold()), None
    )


def _normalise_branch(
    branch: dict[str, Any],
    path: str,
    levels: list[dict[str, Any]],
    orders: set[int],
    problems: list[FieldProblem],
) -> None:
    source, target = branch.get("fromLevel"), branch.get("toLevel")
    if source not in orders:
        problems.append(
            FieldProblem(f"{path}/fromLevel", f"level {source!r} does not exist", "unknown_level")
        )
    if target == END:
        branch["toLevel"] = None
    elif target not in orders:
        problems.append(
            FieldProblem(
                f"{path}/toLevel",
                f"level {target!r} does not exist (use a level's order, or {END!r})",
                "unknown_level",
            )
        )
    priority = branch.get("priority")
    if type(priority) is not int or abs(priority) > MAX_PRIORITY:
        problems.append(
            FieldProblem(
                f"{path}/priority", f"must be a whole number within ±{MAX_PRIORITY}", "invalid"
            )
        )
    if not str(branch.get("name") or "").strip():
        problems.append(FieldProblem(f"{path}/name", "A branch needs a name.", "required"))
    if source not in orders:
        return
    # A branch is taken after its level completes: it may read what that level and the
    # levels before it asked for.
    fields = [
        f
        for level in levels
        if type(level.get("order")) is int and level["order"] <= source
        for task in level.get("tasks", [])
        for f in task.get("fields", [])
        if isinstance(f, dict)
    ]
    try:
        branch["rule"] = prepare_rule(branch.get("conditions"), fields)
    except RuleError as exc:
        for p in exc.problems:
            suffix = "".join(f"/{part}" for part in p.path)
            problems.append(FieldProblem(f"{path}/conditions{suffix}", p.message, p.code))


def _constant(rule: Any) -> bool:
    return not (isinstance(rule, dict) and rule) and not isinstance(rule, list)


def _always_true(rule: Any) -> bool:
    """A condition without an operation is a constant; a true one hides what comes after it."""
    return _constant(rule) and truthy(rule)


def _check_graph(
    levels: list[dict[str, Any]], branches: list[dict[str, Any]]
) -> list[FieldProblem]:
    """Every level reachable from level 1, and the end reachable from every level."""
    orders = sorted(level["order"] for level in levels)
    edges: dict[int, set[int | None]] = {order: set() for order in orders}
    by_level: dict[int, list[dict[str, Any]]] = {}
    for branch in branches:
        by_level.setdefault(branch["fromLevel"], []).append(branch)
    for position, order in enumerate(orders):
        falls_through = True
        for branch in sorted(by_level.get(order, []), key=lambda b: b["priority"]):
            rule = branch["rule"]
            if _constant(rule) and not truthy(rule):
                continue  # a constant false condition never routes anywhere
            edges[order].add(branch["toLevel"])
            if _always_true(rule):
                falls_through = False
                break
        if falls_through:
            edges[order].add(orders[position + 1] if position + 1 < len(orders) else None)
    for level in levels:
        send_back = level["onReject"].get("sendBackTo")
        if send_back is not None:
            edges[level["order"]].add(send_back)

    reached = _walk(orders[0], edges)
    problems = [
        FieldProblem(
            f"/levels/{index}",
            f"Level {level['order']} ({level['name']}) can never be reached.",
            "unreachable_level",
        )
        for index, level in enumerate(levels)
        if level["order"] not in reached
    ]
    stuck = sorted(o for o in reached if o is not None and None not in _walk(o, edges))
    if stuck:
        # On every level of the loop and every branch that keeps the instance inside it.
        message = f"Levels {', '.join(map(str, stuck))} loop with no way to complete the flow."
        problems.extend(
            FieldProblem(f"/levels/{index}", message, "cycle_without_exit")
            for index, level in enumerate(levels)
            if level["order"] in stuck
        )
        problems.extend(
            FieldProblem(f"/branches/{index}", message, "cycle_without_exit")
            for index, branch in enumerate(branches)
            if branch["fromLevel"] in stuck and branch["toLevel"] in stuck
        )
    return problems


def _walk(start: int, edges: dict[int, set[int | None]]) -> set[int | None]:
    seen: set[int | None] = {start}
    todo: list[int | None] = [start]
    while todo:
        node = todo.pop()
        if node is None:
            continue
        for nxt in edges.get(node, set()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen
