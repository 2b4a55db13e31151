"""The signed-in person's dashboard (/): for each role they hold, what needs their attention.

One call (`GET /api/v1/dashboard/`) gives every section the person's roles give, and only
those, so that the page's first view needs no chain of calls. Each section reads querysets that
start at `visible_to(user)` and within the person's scope, as aggregates and short lists: the
number of queries does not grow with the number of requests, projects or estates.

Sections (a person with several roles gets each of theirs):
- `staff` (community staff): open and overdue requests, next meetings, grades of their estates;
  their projects by stage and money come from `projects/stats/?managed=true`, as before;
- `property` (property-company staff): the company's queue by the time to act, counts by status;
- `committee` (owners' or residents' committee): payments to approve, rating rounds to score;
- `resident`: their latest requests and their estate's projects with progress;
- `area` (street and district admins): communities and property companies compared.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateTimeField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from governance.models import Meeting, PaymentVote, RatingRound, RatingSheet, ResidentRequest
from governance.permissions import roles_of
from governance.serializers.ratings import TrendPointSerializer, period_kind, trend_point
from renovations.models import Project

from .models import Community, Estate, Organisation
from .scope import scope_of
from .serializers import EstateSerializer

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from .models import User

Status = ResidentRequest.Status

SECTIONS = ("staff", "property", "committee", "resident", "area")
ESTATE_LIMIT = 60
OVERDUE_LIMIT = 5
MEETING_LIMIT = 3
QUEUE_LIMIT = 10
PAYMENT_LIMIT = 10
RESIDENT_REQUEST_LIMIT = 5
PROJECT_LIMIT = 12
# Grades of the last year: a line per estate over twelve months (or four quarters).
GRADE_MONTHS = 12
# What the property company's queue holds, as on /requests/queue/: requests waiting to be
# taken, and those its company took and has not resolved yet.
QUEUE_TAKEN_STATUSES = (Status.ACCEPTED, Status.IN_PROGRESS, Status.AWAITING_PAYMENT)


def sections_for(user: User | AnonymousUser) -> list[str]:
    """The dashboard sections the user's roles give, in the page's order."""
    scope = scope_of(user)
    if scope.user_id is None:
        return []
    roles = roles_of(user) if scope.roles & {"property_staff", "committee_member"} else None
    given = {
        "staff": "community_staff" in scope.roles,
        "property": bool(roles and roles.company_estates),
        "committee": bool(roles and roles.committee_estates),
        "resident": bool(scope.household_ids),
        "area": bool(scope.roles & {"street_admin", "district_admin"}),
    }
    return [name for name in SECTIONS if given[name]]


def dashboard_for(user: User, *, now: datetime | None = None) -> dict[str, Any]:
    """Everything the dashboard shows the user, section by section."""
    now = now or timezone.now()
    estates, more = _estates(user)
    body: dict[str, Any] = {"sections": sections_for(user), "estates": estates, "estates_more": more}
    builders = {
        "staff": _staff,
        "property": _property,
        "committee": _committee,
        "resident": _resident,
        "area": _area,
    }
    for name in body["sections"]:
        body[name] = builders[name](user, now)
    return body


# ---------------------------------------------------------------- the person's estates


def _estates(user: User) -> tuple[list[Estate], bool]:
    """The estates the person manages (the first ones, by name) and those they live in or serve."""
    scope = scope_of(user)
    own = scope.member_estate_ids | scope.resident_estate_ids
    estates = Estate.objects.visible_to(user)
    chosen = estates if scope.is_superuser else estates.filter(pk__in=scope.staff_estate_ids | own)
    rows = list(
        chosen.with_counts()
        .select_related("community__street__district")
        .prefetch_related(Prefetch("organisations", queryset=Organisation.objects.order_by("kind", "name")))
        # Their own estates come first, so that the cap never hides the one they live in.
        .annotate(is_own=Case(When(pk__in=own, then=Value(True)), default=Value(False), output_field=BooleanField()))
        .order_by("-is_own", "name", "id")[: ESTATE_LIMIT + 1]
    )
    more = len(rows) > ESTATE_LIMIT
    rows = sorted(rows[:ESTATE_LIMIT], key=lambda estate: (estate.name, estate.pk))
    return rows, more


# ---------------------------------------------------------------- requests, as the lists show them


def _brief(request: ResidentRequest, now: datetime) -> dict[str, Any]:
    return {
        "id": request.pk,
        "estate": request.estate_id,
        "estate_name": request.estate.name,
        "category_name": request.category.name,
        "place_label": request.place_label,
        "status": request.status,
        "status_display": request.get_status_display(),
        "urgency": request.urgency,
        "created_at": request.created_at,
        "due_at": request.due_at,
        "is_overdue": request.is_overdue(now),
    }


def _brief_related(requests: QuerySet[ResidentRequest]) -> QuerySet[ResidentRequest]:
    """What a brief shows (estate, category, place) in the same query."""
    return requests.select_related("estate", "category", "household__unit__building", "unit__building", "building")


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


# ---------------------------------------------------------------- community staff


def _staff(user: User, now: datetime) -> dict[str, Any]:
    scope = scope_of(user)
    requests = ResidentRequest.objects.visible_to(user).filter(estate_id__in=scope.staff_estate_ids)
    # Only the open requests are read (a few among the estates' history, by `request_estate_queue`):
    # the overdue ones are among them.
    counts = (
        requests.open()
        .order_by()
        .aggregate(
            open_count=Count("id"),
            overdue_count=Count("id", filter=Q(status__in=ResidentRequest.DUE_STATUSES, due_at__lt=now)),
        )
    )
    most_overdue = _brief_related(requests.overdue(now)).order_by("due_at", "id")[:OVERDUE_LIMIT]
    meetings = (
        Meeting.objects.visible_to(user)
        .filter(community_id__in=scope.staff_community_ids, status=Meeting.Status.SCHEDULED, ends_at__gte=now)
        .select_related("community", "estate")
        .order_by("starts_at", "id")[:MEETING_LIMIT]
    )
    since = _months_before(timezone.localdate(now), GRADE_MONTHS)
    rounds = (
        RatingRound.objects.visible_to(user)
        .published()
        .filter(estate_id__in=scope.staff_estate_ids, period_start__gte=since, score__isnull=False)
        .select_related("estate")
        .order_by("period_start", "estate__name", "id")
    )
    return {
        **counts,
        "most_overdue": [_brief(r, now) for r in most_overdue],
        "meetings": [
            {
                "id": m.pk,
                "title": m.title,
                "kind": m.kind,
                "kind_display": m.get_kind_display(),
                "starts_at": m.starts_at,
                "place": m.place,
                "community_name": m.community.name,
                "estate_name": m.estate.name if m.estate else "",
            }
            for m in meetings
        ],
        "grades": [trend_point(r) for r in rounds],
    }


def _months_before(today: date, months: int) -> date:
    """The first day of the month `months` months before today's month."""
    index = today.year * 12 + today.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


# ---------------------------------------------------------------- property-company staff


def _act_by() -> Case:
    """The time to act on a request in the queue: the due time once taken; before that, the
    time by which to take it (filed + the category's hours to take it)."""
    hours = ExpressionWrapper(F("category__take_within") * Value(timedelta(hours=1)), output_field=DurationField())
    return Case(
        When(status=Status.SUBMITTED, then=ExpressionWrapper(F("created_at") + hours, output_field=DateTimeField())),
        default=F("due_at"),
        output_field=DateTimeField(),
    )


def _property(user: User, now: datetime) -> dict[str, Any]:
    companies = roles_of(user).company_estates
    served = frozenset().union(*companies.values())
    queue = (
        ResidentRequest.objects.visible_to(user)
        .filter(estate_id__in=served)
        .filter(
            Q(status=Status.SUBMITTED) | Q(status__in=QUEUE_TAKEN_STATUSES, accepted_by_organisation_id__in=companies)
        )
        .alias(act_by=_act_by())
    )
    # Late: not taken in time, or past the due time while the clock runs (it stops while the
    # committee decides a payment).
    late = Q(status=Status.SUBMITTED, act_by__lt=now) | Q(status__in=ResidentRequest.DUE_STATUSES, due_at__lt=now)
    counts = {
        row["status"]: row
        for row in queue.order_by().values("status").annotate(count=Count("id"), late=Count("id", filter=late))
    }
    first = (
        _brief_related(queue)
        .annotate(act_by_at=F("act_by"), is_late=Case(When(late, then=Value(True)), default=Value(False)))
        .order_by("-is_late", F("act_by_at").asc(nulls_last=True), "id")[:QUEUE_LIMIT]
    )
    names = dict(Organisation.objects.filter(pk__in=companies).values_list("id", "name"))
    return {
        "companies": [{"id": pk, "name": names[pk]} for pk in sorted(companies, key=lambda pk: (names[pk], pk))],
        "open_count": sum(row["count"] for row in counts.values()),
        "late_count": sum(row["late"] for row in counts.values()),
        "by_status": [
            {"status": status, "status_display": status.label, "count": counts.get(status, {}).get("count", 0)}
            for status in (Status.SUBMITTED, *QUEUE_TAKEN_STATUSES)
        ],
        "queue": [{**_brief(r, now), "act_by": r.act_by_at, "is_late": r.is_late} for r in first],
    }


# ---------------------------------------------------------------- committee members


def _committee(user: User, now: datetime) -> dict[str, Any]:
    estates = roles_of(user).committee_estates
    voted = PaymentVote.objects.filter(request=OuterRef("pk"), member_id=user.pk)
    payments = (
        ResidentRequest.objects.visible_to(user)
        .filter(
            estate_id__in=estates,
            status=Status.AWAITING_PAYMENT,
            payment_status=ResidentRequest.PaymentStatus.PENDING,
        )
        .exclude(Exists(voted))
    )
    totals = payments.order_by().aggregate(count=Count("id"), total=Sum("quote_amount"))
    first = (
        _brief_related(payments).select_related("accepted_by_organisation").order_by("quoted_at", "id")[:PAYMENT_LIMIT]
    )
    today = timezone.localdate(now)
    scored = RatingSheet.objects.filter(round=OuterRef("pk"), member_id=user.pk)
    rounds = (
        RatingRound.objects.visible_to(user)
        .filter(estate_id__in=estates, status=RatingRound.Status.OPEN, closes_on__gte=today)
        .exclude(Exists(scored))
        .select_related("estate", "company")
        .order_by("closes_on", "estate__name", "id")
    )
    return {
        "payment_count": totals["count"],
        "payment_total": totals["total"] or Decimal("0.00"),
        "payments": [
            {
                **_brief(r, now),
                "quote_amount": r.quote_amount,
                "quote_note": r.quote_note,
                "quoted_at": r.quoted_at,
                "company_name": r.accepted_by_organisation.name if r.accepted_by_organisation else "",
            }
            for r in first
        ],
        "ratings": [
            {
                "id": r.pk,
                "estate": r.estate_id,
                "estate_name": r.estate.name,
                "company_name": r.company.name if r.company else "",
                "period": period_kind(r.period_start, r.period_end),
                "period_start": r.period_start,
                "period_end": r.period_end,
                "closes_on": r.closes_on,
            }
            for r in rounds
        ],
    }


# ---------------------------------------------------------------- residents


def _resident(user: User, now: datetime) -> dict[str, Any]:
    scope = scope_of(user)
    mine = ResidentRequest.objects.visible_to(user).filter(Q(filed_by_id=user.pk) | Q(on_behalf_of_id=user.pk))
    latest = _brief_related(mine).order_by("-created_at", "-id")[:RESIDENT_REQUEST_LIMIT]
    projects = (
        Project.objects.visible_to(user)
        .filter(estate_id__in=scope.resident_estate_ids)
        .exclude(status=Project.Status.CANCELLED)
        .select_related("estate")
        # Works under way first, then those still being prepared, then those in service.
        .annotate(
            stage=Case(
                When(status__in=[Project.Status.CONSTRUCTION, Project.Status.INSPECTION], then=Value(0)),
                When(status=Project.Status.IN_SERVICE, then=Value(2)),
                default=Value(1),
            )
        )
        .order_by("stage", "-updated_at", "-id")[:PROJECT_LIMIT]
    )
    return {
        "request_count": mine.count(),
        "requests": [_brief(r, now) for r in latest],
        "estates": sorted(scope.resident_estate_ids),
        "projects": [
            {
                "id": p.pk,
                "title": p.title,
                "estate": p.estate_id,
                "estate_name": p.estate.name,
                "kind": p.kind,
                "kind_display": p.get_kind_display(),
                "status": p.status,
                "status_display": p.get_status_display(),
                "progress": p.progress,
            }
            for p in projects
        ],
    }


# ---------------------------------------------------------------- street and district admins


def _area(user: User, now: datetime) -> dict[str, Any]:
    area = scope_of(user).staff_community_ids
    communities = list(
        Community.objects.visible_to(user)
        .filter(pk__in=area)
        .annotate(estate_count=Count("estates"))
        .order_by("name", "id")
        .values_list("id", "name", "estate_count")
    )
    served = list(
        Organisation.estates.through.objects.filter(
            organisation__kind=Organisation.Kind.PROPERTY_COMPANY, estate__community_id__in=area
        ).values_list("organisation_id", "organisation__name", "estate_id")
    )
    # The area's estates with their figures: the open and overdue requests counted live (the
    # open ones are few, found by `request_estate_queue`), the residents' ratings of the whole
    # history from the running tally kept as they are given.
    requests = ResidentRequest.objects.visible_to(user).filter(estate_id=OuterRef("pk")).open()
    per_estate = {
        row["id"]: row
        for row in Estate.objects.visible_to(user)
        .filter(community_id__in=area)
        .annotate(
            open=_count(requests),
            overdue=_count(requests.filter(status__in=ResidentRequest.DUE_STATUSES, due_at__lt=now)),
            rated=Coalesce(F("request_tally__rated_count"), 0),
            rating_sum=Coalesce(F("request_tally__rating_sum"), 0),
        )
        .order_by()
        .values("id", "community_id", "open", "overdue", "rated", "rating_sum")
    }
    published = (
        RatingRound.objects.visible_to(user).published().filter(estate__community_id__in=area, score__isnull=False)
    )
    # A community's grade: the latest published score of each of its estates.
    latest = (
        RatingRound.objects.published()
        .filter(estate_id=OuterRef("estate_id"))
        .order_by("-period_start")
        .values("period_start")[:1]
    )
    scores = dict(published.filter(period_start=Subquery(latest)).order_by().values_list("estate_id", "score"))
    # A company's grade, as in the ranking: its own latest published score in each estate.
    latest_of_company = (
        RatingRound.objects.published()
        .filter(company_id=OuterRef("company_id"), estate_id=OuterRef("estate_id"))
        .order_by("-period_start")
        .values("period_start")[:1]
    )
    company_scores: dict[int, dict[int, Decimal]] = {}
    for company_id, estate_id, score in (
        published.filter(company__isnull=False, period_start=Subquery(latest_of_company))
        .order_by()
        .values_list("company_id", "estate_id", "score")
    ):
        company_scores.setdefault(company_id, {})[estate_id] = score
    estates_of_community: dict[int, list[int]] = {}
    for estate_id, row in per_estate.items():
        estates_of_community.setdefault(row["community_id"], []).append(estate_id)
    estates_of_company: dict[int, list[int]] = {}
    company_names: dict[int, str] = {}
    for company_id, name, estate_id in served:
        estates_of_company.setdefault(company_id, []).append(estate_id)
        company_names[company_id] = name
    return {
        "communities": [
            {
                "id": pk,
                "name": name,
                "estate_count": count,
                **_compared(estates_of_community.get(pk, []), per_estate, scores),
            }
            for pk, name, count in communities
        ],
        "companies": [
            {
                "id": pk,
                "name": company_names[pk],
                "estate_count": len(set(estates_of_company[pk])),
                **_compared(estates_of_company[pk], per_estate, company_scores.get(pk, {})),
            }
            for pk in sorted(company_names, key=lambda pk: (company_names[pk], pk))
        ],
    }


def _count(requests: QuerySet[ResidentRequest]) -> Coalesce:
    """How many of the requests, as a subquery correlated on the estate."""
    counted = requests.order_by().values("estate_id").annotate(n=Count("id")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _compared(
    estate_ids: Iterable[int], per_estate: dict[int, dict[str, Any]], scores: dict[int, Decimal]
) -> dict[str, Any]:
    """One row of the comparison: the figures of some estates taken together."""
    estate_ids = set(estate_ids)
    rows = [per_estate[pk] for pk in estate_ids if pk in per_estate]
    open_count = sum(row["open"] for row in rows)
    overdue_count = sum(row["overdue"] for row in rows)
    rated = sum(row["rated"] for row in rows)
    rating_sum = sum(row["rating_sum"] for row in rows)
    latest = [scores[pk] for pk in estate_ids if pk in scores]
    score = (
        (sum(latest, Decimal(0)) / len(latest)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) if latest else None
    )
    grade = RatingRound.grade_for(score)
    return {
        "open_count": open_count,
        "overdue_count": overdue_count,
        "overdue_share": _share(overdue_count, open_count),
        "rated_count": rated,
        "average_rating": round(rating_sum / rated, 2) if rated else None,
        "score": score,
        "grade": grade,
        "grade_display": RatingRound.Grade(grade).label if grade else "",
    }


# ---------------------------------------------------------------- the API's shape


class DashboardRequestSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    estate = serializers.IntegerField()
    estate_name = serializers.CharField()
    category_name = serializers.CharField(help_text=_("In the active language."))
    place_label = serializers.CharField()
    status = serializers.ChoiceField(choices=Status.choices)
    status_display = serializers.CharField()
    urgency = serializers.ChoiceField(choices=ResidentRequest.Urgency.choices)
    created_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField(allow_null=True)
    is_overdue = serializers.BooleanField()


class DashboardQueueItemSerializer(DashboardRequestSerializer):
    act_by = serializers.DateTimeField(
        allow_null=True, help_text=_("The due time once taken; before that, the time by which to take it.")
    )
    is_late = serializers.BooleanField(help_text=_("Not taken in time, or past its due time."))


class DashboardPaymentSerializer(DashboardRequestSerializer):
    quote_amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    quote_note = serializers.CharField()
    quoted_at = serializers.DateTimeField(allow_null=True)
    company_name = serializers.CharField()


class DashboardMeetingSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    kind = serializers.ChoiceField(choices=Meeting.Kind.choices)
    kind_display = serializers.CharField()
    starts_at = serializers.DateTimeField()
    place = serializers.CharField()
    community_name = serializers.CharField()
    estate_name = serializers.CharField(help_text=_("Empty for a meeting of the whole community."))


class DashboardStaffSerializer(serializers.Serializer):
    open_count = serializers.IntegerField(help_text=_("Open requests of the estates the person looks after."))
    overdue_count = serializers.IntegerField(help_text=_("Of those, past their due time."))
    most_overdue = DashboardRequestSerializer(many=True, help_text=_("The most overdue first, at most 5."))
    meetings = DashboardMeetingSerializer(many=True, help_text=_("The next scheduled meetings, at most 3."))
    grades = TrendPointSerializer(many=True, help_text=_("Published grades of the last 12 months, oldest first."))


class DashboardStatusCountSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Status.choices)
    status_display = serializers.CharField()
    count = serializers.IntegerField()


class DashboardCompanySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class DashboardPropertySerializer(serializers.Serializer):
    companies = DashboardCompanySerializer(many=True)
    open_count = serializers.IntegerField(help_text=_("Waiting to be taken, or taken and not resolved."))
    late_count = serializers.IntegerField()
    by_status = DashboardStatusCountSerializer(many=True)
    queue = DashboardQueueItemSerializer(
        many=True, help_text=_("Late ones first, then by the time to act; at most 10.")
    )


class DashboardRatingToScoreSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    estate = serializers.IntegerField()
    estate_name = serializers.CharField()
    company_name = serializers.CharField()
    period = serializers.CharField()
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    closes_on = serializers.DateField()


class DashboardCommitteeSerializer(serializers.Serializer):
    payment_count = serializers.IntegerField(help_text=_("Quotes awaiting the person's decision."))
    payment_total = serializers.DecimalField(max_digits=14, decimal_places=2)
    payments = DashboardPaymentSerializer(many=True, help_text=_("The oldest quotes first, at most 10."))
    ratings = DashboardRatingToScoreSerializer(many=True, help_text=_("Open rounds the person has not scored yet."))


class DashboardProjectSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    estate = serializers.IntegerField()
    estate_name = serializers.CharField()
    kind = serializers.ChoiceField(choices=Project.Kind.choices)
    kind_display = serializers.CharField()
    status = serializers.ChoiceField(choices=Project.Status.choices)
    status_display = serializers.CharField()
    progress = serializers.IntegerField()


class DashboardResidentSerializer(serializers.Serializer):
    request_count = serializers.IntegerField()
    requests = DashboardRequestSerializer(many=True, help_text=_("The person's latest requests, at most 5."))
    estates = serializers.ListField(child=serializers.IntegerField(), help_text=_("The estates the person lives in."))
    projects = DashboardProjectSerializer(
        many=True, help_text=_("Their estates' projects (not cancelled), at most 12.")
    )


class DashboardComparedRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    estate_count = serializers.IntegerField()
    open_count = serializers.IntegerField()
    overdue_count = serializers.IntegerField()
    overdue_share = serializers.FloatField(allow_null=True, help_text=_("Overdue among the open requests, 0–1."))
    rated_count = serializers.IntegerField()
    average_rating = serializers.FloatField(allow_null=True, help_text=_("Residents' ratings, 1–5."))
    score = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        allow_null=True,
        help_text=_("The mean of the latest published score of each estate (a company's own, as in the ranking)."),
    )
    grade = serializers.CharField(help_text=_("The grade of that score; empty without one."))
    grade_display = serializers.CharField()


class DashboardAreaSerializer(serializers.Serializer):
    communities = DashboardComparedRowSerializer(many=True)
    companies = DashboardComparedRowSerializer(
        many=True, help_text=_("Property companies serving estates of the area.")
    )


class DashboardSerializer(serializers.Serializer):
    sections = serializers.ListField(
        child=serializers.ChoiceField(choices=[(name, name) for name in SECTIONS]),
        help_text=_("The sections the person's roles give; each is a key of this object."),
    )
    estates = EstateSerializer(many=True, help_text=_("The estates the person manages, serves or lives in."))
    estates_more = serializers.BooleanField(help_text=_("True when there are more than 60."))
    staff = DashboardStaffSerializer(required=False)
    property = DashboardPropertySerializer(required=False)
    committee = DashboardCommitteeSerializer(required=False)
    resident = DashboardResidentSerializer(required=False)
    area = DashboardAreaSerializer(required=False)
