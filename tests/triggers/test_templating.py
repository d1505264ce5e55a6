"""The sandbox that renders `{{variables}}`: known template-injection payloads reach no Python
internals (they fail, or render nothing of them), and the event's data renders as given."""

from __future__ import annotations

import pytest

from core.triggers.errors import TemplateFailed
from core.triggers.templating import render_text, render_value

VARIABLES = {
    "employee_name": "Jane",
    "amount": 12000,
    "data": {"items": [{"sku": "A-1"}]},
    "text": "{0.__class__.__mro__}",
}

PAYLOADS = [
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ amount.__class__.__base__.__subclasses__() }}",
    "{{ lipsum.__globals__['os'].popen('id').read() }}",
    "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    "{{ joiner.__init__.__globals__ }}",
    "{{ namespace.__init__.__globals__ }}",
    "{{ self._TemplateReference__context }}",
    "{{ range.__self__ }}",
    "{{ text.format(amount) }}",
    "{{ '{0.__class__.__mro__}'.format(amount) }}",
    "{{ data|attr('__class__') }}",
    "{{ (data|attr('__class__')).__subclasses__() }}",
    "{% set x = data.items.append(1) %}{{ data }}",
    "{{ data.update({'a': 1}) }}",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_injection_payloads_reach_no_python_internals(payload: str) -> None:
    try:
        out = render_text(payload, VARIABLES)
    except TemplateFailed:
        return
    for leak in ("<class", "subclasses", "module", "function", "uid=", "__"):
        assert leak not in out, out
    assert VARIABLES["data"] == {"items": [{"sku": "A-1"}]}  # nothing was changed


def test_event_values_render_with_their_types_where_a_value_is_one_variable() -> None:
    assert render_text("{{ employee_name }} spent ${{ amount }}", VARIABLES) == (
        "Jane spent $12000"
    )
    assert render_value({"n": "{{ amount }}", "sku": "{{ data.items.0.sku }}"}, VARIABLES) == {
        "n": 12000,
        "sku": "A-1",
    }
    assert render_text("{{ missing }}", VARIABLES) == ""
