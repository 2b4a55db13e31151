"""Figures on resident requests, per estate or per property company, computed in SQL.

The service grades (物业服务评定) reuse `request_figures`; the estate's money overview
shows `approved_request_costs`.
"""

from __future__ import annotations

from decimal import Decimal
from statistics import median
from typing import Any, TypedDict

from django.db import connections
from django.db.models import (
    Aggregate,
    Avg,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    FloatField,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import Coalesce

from .models import ResidentRequest

Status = ResidentRequest.Status


class RequestFigures(TypedDict):
    count: int
    taken_count: int
    median_hours_to_take: float | None
    resolved_count: int
    on_time_count: int
    on_time_share: float | None
    rated_count: int
    average_rating: float | None
    reopened_count: int
    reopen_share: float | None
    escalated_count: int


class RequestCosts(TypedDict):
    total: Decimal
    count: int


class _MedianHours(Aggregate):
    """PostgreSQL's exact median of an interval, in hours."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM %(expressions)s) / 3600.0)"
    output_field = FloatField()


def _time_to_take() -> ExpressionWrapper:
    # Taken: by the company (accepted) or, where no company takes it, by the community (routed).
    return ExpressionWrapper(Coalesce("accepted_at", "routed_at") - F("created_at"), output_field=DurationField())


def _median_in_sql(alias: str) -> bool:
    """PostgreSQL computes the median itself; elsewhere (SQLite in a checkout) Python does."""
    return connections[alias].vendor == "postgresql"


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def request_figures(queryset: QuerySet[ResidentRequest]) -> RequestFigures:
    """Count; median hours from filing to being taken; on-time share (resolved at or before the
    due time, among resolved and closed requests that had one); average rating; reopen share
    (reopened at least once, among resolved and closed); how many were escalated."""
    queryset = queryset.order_by()
    done = Q(status__in=[Status.RESOLVED, Status.CLOSED], resolved_at__isnull=False)
    aggregates: dict[str, Any] = {
        "count": Count("id"),
        "taken_count": Count("id", filter=Q(accepted_at__isnull=False) | Q(routed_at__isnull=False)),
        "resolved_count": Count("id", filter=done),
        "due_count": Count("id", filter=done & Q(due_at__isnull=False)),
        "on_time_count": Count("id", filter=done & Q(due_at__isnull=False, resolved_at__lte=F("due_at"))),
        "rated_count": Count("rating"),
        "average_rating": Avg("rating"),
        "reopened_count": Count("id", filter=done & Q(reopen_count__gte=1)),
        "escalated_count": Count("id", filter=Q(escalated_at__isnull=False)),
    }
    in_sql = _median_in_sql(queryset.db)
    if in_sql:
        aggregates["median_hours_to_take"] = _MedianHours(_time_to_take())
    row = queryset.aggregate(**aggregates)
    if in_sql:
        median_hours = row["median_hours_to_take"]
    else:
        hours = [
            delta.total_seconds() / 3600
            for delta in queryset.annotate(taken_after=_time_to_take())
            .filter(taken_after__isnull=False)
            .values_list("taken_after", flat=True)
        ]
        median_hours = median(hours) if hours else None
    average = row["average_rating"]
    return {
        "count": row["count"],
        "taken_count": row["taken_count"],
        "median_hours_to_take": round(float(median_hours), 2) if median_hours is not None else None,
        "resolved_count": row["resolved_count"],
        "on_time_count": row["on_time_count"],
        "on_time_share": _share(row["on_time_count"], row["due_count"]),
        "rated_count": row["rated_count"],
        "average_rating": round(float(average), 2) if average is not None else None,
        "reopened_count": row["reopened_count"],
        "reopen_share": _share(row["reopened_count"], row["resolved_count"]),
        "escalated_count": row["escalated_count"],
    }


def approved_request_costs(estate_id: int) -> RequestCosts:
    """What the estate's committee has approved to pay for requests (买单): the total and how
    many requests. A request withdrawn after approval is not counted."""
    row = (
        ResidentRequest.objects.filter(estate_id=estate_id, payment_status=ResidentRequest.PaymentStatus.APPROVED)
        .exclude(status=Status.WITHDRAWN)
        .order_by()
        .aggregate(total=Sum("quote_amount"), count=Count("id"))
    )
    return {"total": row["total"] or Decimal("0.00"), "count": row["count"]}
