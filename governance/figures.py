"""Figures on resident requests, per estate or per property company, computed in SQL.

The service grades (物业服务评定) reuse `request_figures`; the estate's money overview
shows `approved_request_costs`. The residents' ratings of an estate's whole history are kept
as a running tally (`RequestTally`): `count_rating` adds one as it is given,
`recount_request_tallies` rebuilds them all after a bulk load.
"""

from __future__ import annotations

from decimal import Decimal
from statistics import median
from typing import Any, TypedDict

from django.db import connections, transaction
from django.db.models import (
    Aggregate,
    Avg,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import Coalesce

from .models import RequestTally, ResidentRequest

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


def count_rating(estate_id: int, rating: int) -> None:
    """Add a resident's rating to their estate's tally. Called inside the transaction of the
    service that records the rating, so that the two change together."""
    RequestTally.objects.get_or_create(estate_id=estate_id)
    # One UPDATE: the row lock orders concurrent confirmations in the same estate.
    RequestTally.objects.filter(estate_id=estate_id).update(
        rated_count=F("rated_count") + 1, rating_sum=F("rating_sum") + rating
    )


@transaction.atomic
def recount_request_tallies() -> int:
    """Rebuild every estate's tally from its requests, after requests were written in bulk
    without the services (the generated city). Returns how many estates have ratings."""
    connection = connections[RequestTally.objects.db]
    if connection.vendor == "postgresql":
        # A confirmation running meanwhile waits before it adds its rating, and then adds it to
        # the recounted row (which is updated in place, never deleted and made again).
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {connection.ops.quote_name(RequestTally._meta.db_table)} IN EXCLUSIVE MODE")
    rows = (
        ResidentRequest.objects.filter(rating__isnull=False)
        .order_by()
        .values("estate_id")
        .annotate(rated_count=Count("id"), rating_sum=Sum("rating"))
    )
    tallies = RequestTally.objects.bulk_create(
        [RequestTally(**row) for row in rows],
        update_conflicts=True,
        unique_fields=["estate"],
        update_fields=["rated_count", "rating_sum"],
    )
    rated = ResidentRequest.objects.filter(estate_id=OuterRef("estate_id"), rating__isnull=False)
    RequestTally.objects.exclude(Exists(rated)).delete()
    return len(tallies)
