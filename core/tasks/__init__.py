"""Tasks (forms) used on their own: the form a company submits (`task_form`), submitting it
outside any flow (`submit_task`), and reading standalone submissions back
(`list_submissions`, `get_submission`). Defining tasks is the generic entity routes'
(`/tasks`); a task inside a flow is submitted through its instance (core.flows)."""

from core.tasks.errors import TaskNotSubmittable
from core.tasks.submissions import (
    Submission,
    TaskForm,
    get_submission,
    list_submissions,
    submit_task,
    task_form,
)

__all__ = [
    "Submission",
    "TaskForm",
    "TaskNotSubmittable",
    "get_submission",
    "list_submissions",
    "submit_task",
    "task_form",
]
