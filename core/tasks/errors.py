"""Errors of standalone task submissions, each with a stable code."""

from __future__ import annotations

from core.errors import Conflict


class TaskNotSubmittable(Conflict):
    """The task takes no submissions: archived or deprecated, or a draft submitted by
    someone who does not edit tasks."""

    code = "task_not_submittable"
