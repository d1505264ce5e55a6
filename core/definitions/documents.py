"""The files of definitions as code: one document shape per kind (camelCase keys as in the
API, rows named by their names, never by their ids), checked listing every problem, and the
canonical form two installations' exports are compared in."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union, get_args, get_origin

import msgspec

from core.errors import FieldProblem
from core.models import DatasetStatus, EventType, FlowStatus, IntegrationType, TaskStatus

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
NamedList = list[Name]


class Document(msgspec.Struct, rename="camel", forbid_unknown_fields=True, kw_only=True):
    """Base of every document: camelCase keys, unknown keys refused."""


class TriggerDoc(Document, kw_only=True):
    """A trigger inside the file of the task, flow or table it is attached to (its name is
    its key there)."""

    description: str | None = None
    is_active: bool = True
    event_type: EventType
    event_config: dict[str, Any] = {}
    conditions: Any = None
    actions: list[Any] = []
    settings: dict[str, Any] = {}


class StandaloneTriggerDoc(Document, kw_only=True):
    """A trigger attached to nothing (scheduled, webhook): a file of its own."""

    name: Name
    description: str | None = None
    is_active: bool = True
    event_type: EventType
    event_config: dict[str, Any] = {}
    conditions: Any = None
    actions: list[Any] = []
    settings: dict[str, Any] = {}


class DepartmentDoc(Document, kw_only=True):
    name: Name
    description: str | None = None
    parent: Name | None = None
    """The parent department's name."""


class RoleDoc(Document, kw_only=True):
    name: Name
    description: str | None = None
    department: Name | None = None
    """The department's name."""
    permissions: dict[str, bool] = {}


class EmailTemplateDoc(Document, kw_only=True):
    name: Name
    type: str
    is_active: bool = True
    subject: str
    body: str
    variables: list[str] = []


class WorkflowDoc(Document, kw_only=True):
    """An integration workflow inside its integration's file (its name is its key there);
    `actionConfig.integrationId` names an integration by its name."""

    is_active: bool = True
    trigger_config: dict[str, Any]
    action_config: dict[str, Any]


class IntegrationDoc(Document, kw_only=True):
    """An integration; a secret setting is `{"$secret": "<reference>"}`, never its value."""

    name: Name
    type: IntegrationType
    is_active: bool = True
    config: dict[str, Any] = {}
    workflows: dict[Name, WorkflowDoc] = {}


class TableDoc(Document, kw_only=True):
    name: Name
    display_name: str
    description: str | None = None
    schema: list[Any]
    relations: list[Any] = []
    settings: dict[str, Any] = {}
    permissions: dict[str, Any] = {}
    triggers: dict[Name, TriggerDoc] = {}


class VisibilityDoc(Document, kw_only=True):
    roles: NamedList = []
    departments: NamedList = []


class DatasetDoc(Document, kw_only=True):
    name: Name
    description: str | None = None
    category: str | None = None
    status: DatasetStatus = DatasetStatus.DRAFT
    sections: list[Any]
    visibility: VisibilityDoc = msgspec.field(default_factory=VisibilityDoc)


class TaskDoc(Document, kw_only=True):
    name: Name
    description: str | None = None
    status: TaskStatus = TaskStatus.DRAFT
    fields: list[Any]
    logic: dict[str, Any] = {}
    validations: list[Any] = []
    triggers: dict[Name, TriggerDoc] = {}


class LevelDoc(Document, kw_only=True):
    order: int
    name: Name
    description: str | None = None
    tasks: NamedList = []
    """The tasks' names, in order."""
    roles: NamedList = []
    """The company roles' names."""
    config: dict[str, Any] = {}
    """As the API takes it; `onDeadline.userId` names the user by e-mail."""


class BranchDoc(Document, kw_only=True):
    name: Name
    from_level: int
    to_level: int | Literal["END"]
    priority: int = 0
    conditions: Any


class FlowDoc(Document, kw_only=True):
    name: Name
    description: str | None = None
    status: FlowStatus = FlowStatus.DRAFT
    config: dict[str, Any] = {}
    levels: list[LevelDoc]
    branches: list[BranchDoc] = []
    triggers: dict[Name, TriggerDoc] = {}


def canonical(value: Any, *, sort_sets: bool = False) -> Any:
    """The document as plain data in its one canonical form: a document's keys in the order
    its shape declares them, every other mapping's keys sorted (JSON columns come back from
    PostgreSQL in an order of their own), the name-keyed children by name; with `sort_sets`
    (the company's rows, whose order the database does not keep) the lists that are sets
    (a level's roles, a dataset's visibility) sorted too. A file's own order of them is kept,
    for problems to point at the item it wrote; a plan compares them as sets."""
    if isinstance(value, msgspec.Struct):
        out: dict[str, Any] = {}
        for field in msgspec.structs.fields(value):
            item = getattr(value, field.name)
            if sort_sets and field.name in SETS and isinstance(item, list):
                item = sorted(item)
            out[field.encode_name] = canonical(item, sort_sets=sort_sets)
        return out
    if isinstance(value, dict):
        return {key: canonical(value[key], sort_sets=sort_sets) for key in sorted(value)}
    if isinstance(value, list | tuple):
        return [canonical(item, sort_sets=sort_sets) for item in value]
    return msgspec.to_builtins(value)


SETS = frozenset({"roles", "departments"})
"""Keys of the documents whose lists are sets."""


def problems_of(value: Any, shape: Any, path: str = "") -> list[FieldProblem]:
    """Every problem of `value` against `shape` (a document type, or any type), each at its
    JSON pointer: msgspec stops at the first, a person fixing a file wants them all."""
    struct = _struct_type(shape)
    if struct is not None and isinstance(value, dict):
        return _object_problems(value, struct, path)
    origin, args = get_origin(shape), get_args(shape)
    if origin is list and isinstance(value, list) and _struct_type(args[0]) is not None:
        return [
            p for i, item in enumerate(value) for p in problems_of(item, args[0], f"{path}/{i}")
        ]
    if origin is dict and isinstance(value, dict) and _struct_type(args[1]) is not None:
        return [
            p
            for key, item in value.items()
            for p in (
                problems_of(item, args[1], f"{path}/{pointer_token(key)}")
                if isinstance(key, str)
                else [FieldProblem(path, "Keys must be text.", "invalid_type")]
            )
        ]
    try:
        msgspec.convert(value, shape, strict=True)
    except msgspec.ValidationError as exc:
        return [FieldProblem(path, _message(str(exc)), "invalid")]
    return []


def _object_problems(
    value: dict[str, Any], struct: type[msgspec.Struct], path: str
) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    fields = msgspec.structs.fields(struct)
    for field in fields:
        where = f"{path}/{field.encode_name}"
        if field.encode_name not in value:
            if field.required:
                problems.append(FieldProblem(where, "This key is required.", "required"))
            continue
        problems += problems_of(value[field.encode_name], field.type, where)
    known = {field.encode_name for field in fields}
    problems += [
        FieldProblem(f"{path}/{pointer_token(str(key))}", "Unknown key.", "unknown_field")
        for key in value
        if key not in known
    ]
    return problems


def _struct_type(shape: Any) -> type[msgspec.Struct] | None:
    if isinstance(shape, type) and issubclass(shape, msgspec.Struct):
        return shape
    if get_origin(shape) in (Union, type(int | None)):
        structs = [a for a in get_args(shape) if _struct_type(a) is not None]
        if len(structs) == 1 and len(get_args(shape)) == 2 and type(None) in get_args(shape):
            return structs[0]
    return None


def _message(text: str) -> str:
    """msgspec's message without its `- at `$...`` suffix (the path says where)."""
    head, _, _ = text.partition(" - at `$")
    return head.rstrip(".") + "."


def pointer_token(key: str) -> str:
    """A key as one token of a JSON pointer (RFC 6901)."""
    return key.replace("~", "~0").replace("/", "~1")


FOLDERS: dict[str, type[Document]] = {
    "departments": DepartmentDoc,
    "roles": RoleDoc,
    "email-templates": EmailTemplateDoc,
    "integrations": IntegrationDoc,
    "tables": TableDoc,
    "datasets": DatasetDoc,
    "tasks": TaskDoc,
    "flows": FlowDoc,
    "triggers": StandaloneTriggerDoc,
}
"""The folder of each kind of file, in the order they are applied: a kind may name the rows
of the kinds before it (a role its department, a flow its tasks, a trigger anything)."""
