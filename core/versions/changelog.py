"""The structured difference between two snapshots: fields, levels, branches, conditions and
triggers added, removed or changed, each with the version bump it calls for."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from core.versions.semver import Impact, highest

Entry = dict[str, Any]

# Field attributes whose change breaks data already collected or forms already filled in.
_BREAKING_FIELD_KEYS = frozenset({"type", "id", "name"})
# Field attributes that only change what people read.
_COSMETIC_FIELD_KEYS = frozenset({"label", "description", "placeholder", "helpText", "hint"})
_CHANGE_ORDER = {"removed": 0, "added": 1, "changed": 2}
_COSMETIC_PROPERTIES = frozenset({"name", "description", "displayName", "category"})


def diff_snapshots(before: dict[str, Any] | None, after: dict[str, Any]) -> list[Entry]:
    """Every difference from `before` (None for the first version) to `after`."""
    if before is None:
        return [_entry("entity", "added", after.get("entityId"), after.get("name"), "", "minor")]
    entries = _diff_properties(before, after)
    entries += _diff_fields(before.get("fields", []), after.get("fields", []), "/fields")
    entries += _diff_named(
        "section",
        before.get("sections", []),
        after.get("sections", []),
        key=lambda s: s.get("id") or s.get("title") or s.get("name"),
        removed_impact="major",
        ignore={"fields"},
    )
    definition_before = before.get("definition") or {}
    definition_after = after.get("definition") or {}
    entries += _diff_levels(definition_before.get("levels", []), definition_after.get("levels", []))
    entries += _diff_branches(
        definition_before.get("branches", []), definition_after.get("branches", [])
    )
    entries += _diff_triggers(before.get("triggers", []), after.get("triggers", []))
    return entries


def proposed_impact(entries: list[Entry]) -> Impact:
    return highest([entry["impact"] for entry in entries])


def summary(entries: list[Entry]) -> str:
    """One line such as "2 fields added, 1 level removed"."""
    if not entries:
        return "No changes."
    counts = Counter((entry["kind"], entry["change"]) for entry in entries)
    ordered = sorted(counts.items(), key=lambda item: _CHANGE_ORDER[item[0][1]])
    parts = [f"{n} {kind}{'' if n == 1 else 's'} {change}" for (kind, change), n in ordered]
    return ", ".join(parts) + "."


def _entry(
    kind: str,
    change: str,
    key: Any,
    name: Any,
    path: str,
    impact: Impact,
    changes: dict[str, Any] | None = None,
) -> Entry:
    entry: Entry = {
        "kind": kind,
        "change": change,
        "key": key,
        "name": name,
        "path": path,
        "impact": impact,
    }
    if changes:
        entry["changes"] = changes
    return entry


def _changed_keys(
    before: dict[str, Any], after: dict[str, Any], ignore: Iterable[str] = ()
) -> dict[str, dict[str, Any]]:
    skipped = set(ignore)
    return {
        key: {"before": before.get(key), "after": after.get(key)}
        for key in dict.fromkeys([*before, *after])
        if key not in skipped and before.get(key) != after.get(key)
    }


def _diff_properties(before: dict[str, Any], after: dict[str, Any]) -> list[Entry]:
    props_before = {"name": before.get("name"), "description": before.get("description")}
    props_after = {"name": after.get("name"), "description": after.get("description")}
    props_before.update(before.get("attributes", {}))
    props_after.update(after.get("attributes", {}))
    return [
        _entry(
            "property",
            "changed",
            key,
            key,
            f"/{key}",
            "patch" if key in _COSMETIC_PROPERTIES else "minor",
            {key: change},
        )
        for key, change in _changed_keys(props_before, props_after).items()
    ]


def _field_key(field: dict[str, Any]) -> Any:
    return field.get("id") or field.get("name") or field.get("label")


def _diff_fields(before: list[Any], after: list[Any], path: str) -> list[Entry]:
    old = {_field_key(f): f for f in before if isinstance(f, dict)}
    new = {_field_key(f): f for f in after if isinstance(f, dict)}
    entries = []
    for key, field in old.items():
        if key not in new:
            entries.append(_entry("field", "removed", key, field.get("label"), path, "major"))
    for key, field in new.items():
        label = field.get("label") or field.get("name")
        if key not in old:
            impact: Impact = "major" if field.get("required") is True else "minor"
            entries.append(_entry("field", "added", key, label, path, impact))
            continue
        changes = _changed_keys(old[key], field)
        if not changes:
            continue
        entries.append(
            _entry("field", "changed", key, label, path, _field_impact(changes), changes)
        )
    return entries


def _field_impact(changes: dict[str, dict[str, Any]]) -> Impact:
    if any(key in _BREAKING_FIELD_KEYS for key in changes):
        return "major"
    required = changes.get("required")
    if required is not None and required["after"] is True:
        return "major"
    if all(key in _COSMETIC_FIELD_KEYS for key in changes):
        return "patch"
    return "minor"


def _diff_named(
    kind: str,
    before: list[Any],
    after: list[Any],
    *,
    key: Callable[[dict[str, Any]], Any],
    removed_impact: Impact = "minor",
    ignore: Iterable[str] = (),
    path: str = "",
) -> list[Entry]:
    old = {key(item): item for item in before if isinstance(item, dict)}
    new = {key(item): item for item in after if isinstance(item, dict)}
    entries = []
    for name, item in old.items():
        if name not in new:
            entries.append(
                _entry(kind, "removed", name, item.get("name"), path or f"/{kind}s", removed_impact)
            )
    for name, item in new.items():
        if name not in old:
            entries.append(
                _entry(kind, "added", name, item.get("name"), path or f"/{kind}s", "minor")
            )
        elif changes := _changed_keys(old[name], item, ignore):
            entries.append(
                _entry(
                    kind, "changed", name, item.get("name"), path or f"/{kind}s", "minor", changes
                )
            )
    return entries


def _level_key(level: dict[str, Any]) -> str:
    # Levels are known by name: saving a flow renumbers levels and reuses rows by order, so
    # neither order nor id follows a level when another one is removed.
    return str(level.get("name", "")).casefold()


def _level_view(level: dict[str, Any]) -> dict[str, Any]:
    """What an author changes on a level, without ids that saving regenerates."""
    return {
        "order": level.get("order"),
        "description": level.get("description"),
        "tasks": [task.get("id") for task in level.get("tasks", [])],
        "roles": sorted(str(role.get("name")) for role in level.get("roles", [])),
        "completion": level.get("completion"),
        "deadlineHours": level.get("deadlineHours"),
        "onReject": level.get("onReject"),
        "decision": level.get("decision"),
    }


def _diff_levels(before: list[Any], after: list[Any]) -> list[Entry]:
    old = {_level_key(level): level for level in before}
    new = {_level_key(level): level for level in after}
    entries = []
    for key, level in old.items():
        if key not in new:
            entries.append(_entry("level", "removed", key, level.get("name"), "/levels", "major"))
    for key, level in new.items():
        if key not in old:
            entries.append(_entry("level", "added", key, level.get("name"), "/levels", "minor"))
            continue
        changes = _changed_keys(_level_view(old[key]), _level_view(level))
        if changes:
            entries.append(
                _entry("level", "changed", key, level.get("name"), "/levels", "minor", changes)
            )
        old_tasks = {task.get("id"): task for task in old[key].get("tasks", [])}
        for task in level.get("tasks", []):
            if task.get("id") in old_tasks:
                entries += _diff_fields(
                    old_tasks[task["id"]].get("fields", []),
                    task.get("fields", []),
                    f"/levels/{level.get('name')}/tasks/{task.get('name')}/fields",
                )
    return entries


def _branch_view(branch: dict[str, Any], level_names: dict[Any, str]) -> dict[str, Any]:
    target = branch.get("toLevel")
    return {
        "fromLevel": level_names.get(branch.get("fromLevel"), branch.get("fromLevel")),
        "toLevel": "END" if target is None else level_names.get(target, target),
        "priority": branch.get("priority"),
        "conditions": branch.get("conditions"),
    }


def _diff_branches(before: list[Any], after: list[Any]) -> list[Entry]:
    old = {str(b.get("name", "")).casefold(): b for b in before}
    new = {str(b.get("name", "")).casefold(): b for b in after}
    entries = []
    for key, branch in old.items():
        if key not in new:
            entries.append(
                _entry("branch", "removed", key, branch.get("name"), "/branches", "minor")
            )
    for key, branch in new.items():
        if key not in old:
            entries.append(_entry("branch", "added", key, branch.get("name"), "/branches", "minor"))
            continue
        changes = _changed_keys(_branch_view(old[key], {}), _branch_view(branch, {}))
        condition = changes.pop("conditions", None)
        if condition is not None:
            entries.append(
                _entry(
                    "condition",
                    "changed",
                    key,
                    branch.get("name"),
                    f"/branches/{branch.get('name')}/conditions",
                    "minor",
                    {"conditions": condition},
                )
            )
        if changes:
            entries.append(
                _entry("branch", "changed", key, branch.get("name"), "/branches", "minor", changes)
            )
    return entries


def _diff_triggers(before: list[Any], after: list[Any]) -> list[Entry]:
    old = {t.get("id"): t for t in before}
    new = {t.get("id"): t for t in after}
    entries = []
    for key, trigger in old.items():
        if key not in new:
            entries.append(
                _entry("trigger", "removed", key, trigger.get("name"), "/triggers", "minor")
            )
    for key, trigger in new.items():
        if key not in old:
            entries.append(
                _entry("trigger", "added", key, trigger.get("name"), "/triggers", "minor")
            )
            continue
        changes = _changed_keys(old[key], trigger)
        condition = changes.pop("conditions", None)
        if condition is not None:
            entries.append(
                _entry(
                    "condition",
                    "changed",
                    key,
                    trigger.get("name"),
                    f"/triggers/{trigger.get('name')}/conditions",
                    "minor",
                    {"conditions": condition},
                )
            )
        if changes:
            entries.append(
                _entry(
                    "trigger", "changed", key, trigger.get("name"), "/triggers", "minor", changes
                )
            )
    return entries
