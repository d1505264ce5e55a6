"""The sandbox that renders `{{variables}}`: known template-injection payloads reach no Python
internals (they fail, or render nothing of them), the event's data renders as given, a
setting that is one expression keeps the expression's type, and no template gets past the
worker's time and memory budget or stalls the event loop."""

from __future__ import annotations

import asyncio

import pytest

from core.templating import (
    MEMORY_MB,
    TIME_BUDGET_SECONDS,
    TemplateFailed,
    collecting_warnings,
    render_text,
    render_value,
)

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
async def test_injection_payloads_reach_no_python_internals(payload: str) -> None:
    try:
        out = await render_text(payload, VARIABLES)
    except TemplateFailed:
        return
    for leak in ("<class", "subclasses", "module", "function", "uid=", "__"):
        assert leak not in out, out
    assert VARIABLES["data"] == {"items": [{"sku": "A-1"}]}  # nothing was changed


async def test_event_values_render_with_their_types_where_a_value_is_one_variable() -> None:
    assert await render_text("{{ employee_name }} spent ${{ amount }}", VARIABLES) == (
        "Jane spent $12000"
    )
    rendered = await render_value({"n": "{{ amount }}", "sku": "{{ data.items.0.sku }}"}, VARIABLES)
    assert rendered == {"n": 12000, "sku": "A-1"}
    assert await render_text("{{ missing }}", VARIABLES) == ""


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
    # Concatenation, which the sandbox does not intercept by itself: 8,000,000 characters.
    "{% set s = 'x' * 999999 %}{{ (s ~ s ~ s ~ s ~ s ~ s ~ s ~ s)|length }}",
    "{% set s = 'x' * 999999 %}{{ (s + s + s + s + s + s + s + s)|length }}",
    "{% set s = 'x' * 999999 %}{{ (s|replace('x', 'xxxxxxxx'))|length }}",
    "{% set s = 'x' * 999999 %}{{ ([s, s, s, s, s, s, s, s]|join)|length }}",
    "{% for i in range(9000) %}{% for j in range(9000) %}x{% endfor %}{% endfor %}",
]


@pytest.mark.parametrize("template", HUGE)
async def test_a_template_cannot_build_a_huge_value(template: str) -> None:
    # Each would take gigabytes or minutes if it ran; refused before it builds anything.
    with pytest.raises(TemplateFailed, match="not allowed"):
        await render_text(template, VARIABLES)


async def test_bounded_operators_still_work_in_reasonable_sizes() -> None:
    out = await render_text(
        "{{ amount * 2 }} {{ 2 ** 10 }} {{ '%08.1f' % amount }} {{ 'ab' * 2 }} "
        "{{ 'x'|center(5) }}|{{ '%s-%s'|format(1, 2) }} {{ range(3)|list }}",
        VARIABLES,
    )
    assert out == "24000 1024 012000.0 abab   x  |1-2 [0, 1, 2]"


async def test_one_expression_keeps_its_type_and_text_around_it_stays_text() -> None:
    values = {"hours": 10, "rate": 120.5, "amount": 12.3456, "items": [1, 2, 3], "ok": True}
    settings = {
        "total": "{{ hours * rate }}",
        "rounded": "{{ amount | round(2) }}",
        "count": "{{ items | length }}",
        "approved": "{{ ok and hours > 5 }}",
        "list": "{{ items | map('string') | list }}",
        "object": "{{ {'n': hours, 'items': items} }}",
        "null": "{{ none }}",
        "text": "{{ hours * rate }} EUR",
        "padded": " {{ hours }}",
        "two": "{{ hours }}{{ rate }}",
        "nested": [{"deep": "{{ hours + 1 }}"}],
    }
    assert await render_value(settings, values) == {
        "total": 1205.0,
        "rounded": 12.35,
        "count": 3,
        "approved": True,
        "list": ["1", "2", "3"],
        "object": {"n": 10, "items": [1, 2, 3]},
        "null": None,
        "text": "1205.0 EUR",
        "padded": " 10",
        "two": "10120.5",
        "nested": [{"deep": 11}],
    }


async def test_an_absent_value_renders_empty_and_is_warned_of() -> None:
    with collecting_warnings() as warnings:
        rendered = await render_value(
            {"to": "{{ missing }}", "body": "Hi {{ nobody }}, {{ data.nothing | upper }}!"},
            VARIABLES,
            path="actions[0].config",
        )
    assert rendered == {"to": None, "body": "Hi , !"}
    assert warnings == [
        "actions[0].config.to: {{ missing }} has no value; rendered empty",
        "actions[0].config.body: {{ nobody }} has no value; rendered empty",
        "actions[0].config.body: {{ nothing }} has no value; rendered empty",
    ]
    # A template that asks whether the value is there is answered without a warning.
    with collecting_warnings() as quiet:
        text = await render_text("{{ missing | default('n/a') }}", VARIABLES)
    assert (text, quiet) == ("n/a", [])


async def test_a_template_running_past_its_budget_is_stopped_while_the_loop_serves_others() -> None:
    ticks = 0
    stop = asyncio.Event()

    async def other_requests() -> None:
        nonlocal ticks
        while not stop.is_set():
            ticks += 1
            await asyncio.sleep(0.01)

    serving = asyncio.create_task(other_requests())
    await render_text("{{ 1 }}{% if x %}{% endif %}", VARIABLES)  # the worker is up
    ticks_before = ticks
    # Three nested ranges of 10,000 would run for hours.
    hours = (
        "{% for i in range(10000) %}{% for j in range(10000) %}{% for k in range(10000) %}"
        "{% endfor %}{% endfor %}{% endfor %}"
    )
    with pytest.raises(TemplateFailed, match=f"ran longer than {TIME_BUDGET_SECONDS:g} s"):
        await render_text(hours, VARIABLES)
    stop.set()
    await serving
    # The event loop kept running other work while the template ran (it renders elsewhere).
    assert ticks > ticks_before
    # And the worker that was stopped is replaced: the next template renders.
    assert await render_text("{{ amount + 1 }}", VARIABLES) == "12001"


async def test_a_template_needing_too_much_memory_is_stopped() -> None:
    # 999 references to a 999,999-character string, rendered as text: about 1 GB.
    huge = "{% set s = 'x' * 999999 %}{{ [s] * 999 }}"
    with pytest.raises(TemplateFailed, match=f"more than {MEMORY_MB} MB"):
        await render_text(huge, VARIABLES)
    assert await render_text("{{ amount * 2 }}", VARIABLES) == "24000"
