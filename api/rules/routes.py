"""Routes of the rule engine: a rule evaluated on sample data, with its explanation."""

from __future__ import annotations

from litestar import Router, post
from litestar.params import JSONBody

from api.guards import requires
from api.rules.schemas import RuleTest, RuleTestResult
from core.rules.service import evaluate_with_trace


@post(
    "/rules/evaluate",
    guards=[requires("rules.evaluate")],
    status_code=200,
    opt={"platform": True},
    summary="Evaluate a rule on sample data, with its explanation",
)
async def evaluate_rule(data: JSONBody[RuleTest]) -> RuleTestResult:
    result, trace = evaluate_with_trace(data.rule, data.data)
    return RuleTestResult(result=result, trace=trace)


router = Router(path="/", tags=["rules"], route_handlers=[evaluate_rule])
