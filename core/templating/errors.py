"""The error of a template that cannot be compiled or rendered."""

from __future__ import annotations

from core.errors import ErpError


class TemplateFailed(ErpError):
    """A `{{ }}` template could not be compiled or rendered in the sandbox."""

    code = "template.failed"
    status = 422
