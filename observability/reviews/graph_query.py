"""What to ask Prometheus for an alert's graph: the query, its threshold, the window and the step.

An alert expression `lhs > 0.05` only returns series while the condition holds; the graph draws
`lhs` over the whole window with the threshold as a line, which is what the responder needs to see.
Expressions without a top-level comparison against a number are drawn as they are.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

import promql_parser

_COMPARISONS = {">", ">=", "<", "<=", "==", "!="}
# The same comparison with its operands swapped (`0.05 < lhs` is `lhs > 0.05`).
_MIRRORED = {">": "<", ">=": "<=", "<": ">", "<=": ">=", "==": "==", "!=": "!="}
# About this many points per series: enough to see the shape, few enough to stay a small PNG.
TARGET_POINTS = 240
MIN_STEP_SECONDS = 1


@dataclass(frozen=True)
class GraphQuery:
    """The query drawn, the threshold it is compared with (if any) and the range asked for."""

    expr: str  # the alert's expression as in generatorURL
    query: str  # what is queried: the compared side, or the whole expression
    threshold: float | None
    comparison: str  # ">", "<", ... ("" without a threshold)
    start: datetime
    end: datetime
    step_seconds: int


class UnparsableExpression(ValueError):
    """The generatorURL's expression is not PromQL."""


def split_threshold(expr: str) -> tuple[str, float | None, str]:
    """(query, threshold, comparison) of `expr`; (expr, None, "") when it compares with no number."""
    try:
        tree = promql_parser.parse(expr)
    except ValueError as exc:
        raise UnparsableExpression(f"the expression does not parse as PromQL: {exc}") from None
    while isinstance(tree, promql_parser.ParenExpr):
        tree = tree.expr
    if not isinstance(tree, promql_parser.BinaryExpr):
        return expr, None, ""
    op = str(tree.op)
    returns_bool = tree.modifier is not None and bool(getattr(tree.modifier, "return_bool", False))
    if op not in _COMPARISONS or returns_bool:
        return expr, None, ""
    lhs, rhs = tree.lhs, tree.rhs
    if isinstance(rhs, promql_parser.NumberLiteral) and not isinstance(lhs, promql_parser.NumberLiteral):
        return lhs.prettify(), float(rhs.val), op
    if isinstance(lhs, promql_parser.NumberLiteral) and not isinstance(rhs, promql_parser.NumberLiteral):
        return rhs.prettify(), float(lhs.val), _MIRRORED[op]
    return expr, None, ""


def graph_query(expr: str, *, start: datetime, end: datetime) -> GraphQuery:
    """The query for `expr` over [start, end] with a step giving about TARGET_POINTS points."""
    query, threshold, comparison = split_threshold(expr)
    span = max((end - start).total_seconds(), 1.0)
    step = max(MIN_STEP_SECONDS, math.ceil(span / TARGET_POINTS))
    return GraphQuery(
        expr=expr,
        query=query,
        threshold=threshold if threshold is not None and math.isfinite(threshold) else None,
        comparison=comparison,
        start=start,
        end=max(end, start + timedelta(seconds=step)),
        step_seconds=step,
    )
