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


HUGE = [
    "{{ 'x' * 10**9 }}",
    "{{ 10**9 * 'x' }}",
    "{{ [0] * 999999999 }}",
    "{{ 7 ** 100000000 }}",
    "{{ '%999999999d' % 1 }}",
    "{{ '%.99999f' % 1 }}",
    "{{ '%*d'|format(999999999, 1) }}",
    "{{ 'a'|center(999999999) }}",
    "{{ 'a\nb'|indent(999999999) }}",
    "{% for i in range(10**8) %}{% endfor %}",
]


@pytest.mark.parametrize("template", HUGE)
def test_a_template_cannot_build_a_huge_value(template: str) -> None:
    # Each would take gigabytes or minutes if it ran; refused before it builds anything.
    with pytest.raises(TemplateFailed, match="not allowed"):
        render_text(template, VARIABLES)


def test_bounded_operators_still_work_in_reasonable_sizes() -> None:
    out = render_text(
        "{{ amount * 2 }} {{ 2 ** 10 }} {{ '%08.1f' % amount }} {{ 'ab' * 2 }} "
        "{{ 'x'|center(5) }}|{{ '%s-%s'|format(1, 2) }} {{ range(3)|list }}",
        VARIABLES,
    )
    assert out == "24000 1024 012000.0 abab   x  |1-2 [0, 1, 2]"
