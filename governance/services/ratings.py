"""Every write to rating rounds (物业服务评定): one function each, checked, in one transaction.

A round grades one estate's property company for one period (a month, or a quarter, by the
estate's `RatingPolicy`). Community staff open it (or the system, on the 1st: see
`open_due_rating_rounds`); each member of the estate's committee scores it once, on a sheet
they may change until the round closes; staff close it (or the system, once its last day of
scoring has passed), which computes the grade; staff publish it once enough members scored.

How the grade is computed (`grade_round`, the API's description repeats this):

1. The committee's score: for each sheet, Σ(weight × score) / Σ weight over the active criteria
   the sheet scores (0–100 each; the weights are set in the admin); then the mean over the sheets.
2. The residents' figures (`governance.figures.request_figures`) for the estate's requests
   resolved in the round's period (resolved or closed now): the average rating, 1–5 stars,
   becomes (rating − 1) / 4 × 100; the on-time share (resolved by the due time) becomes × 100.
3. The overall score = (committee_weight × committee + rating_weight × rating + on_time_weight ×
   on-time) / (the sum of the weights of the parts that exist): a part with no data (no sheet,
   no rated request, no resolved request with a due time) drops out and the others are
   renormalised, so that with no closed requests only the committee's score counts.
   The residents' score shown beside it is the same sum over the rating and on-time parts only.
4. Each part is rounded to two decimals (ROUND_HALF_UP) before it is combined, and so is the
   result; the grade is 优秀 at ≥ 90, 良好 at ≥ 80, 合格 at ≥ 60, else 不合格.

The figures the grade was computed from are stored on the round when it closes (`figures`),
so a published grade can always be explained.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, TypedDict

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from estates.errors import Conflict, Invalid, NotAllowed
from estates.models import Estate, Membership, Organisation

from .. import permissions
from ..figures import request_figures
from ..models import (
    RatingCriterion,
    RatingPolicy,
    RatingRound,
    RatingScore,
    RatingSheet,
    Reminder,
    ResidentRequest,
)
from .notifications import (
    REQUEST_REMINDER_LOOKBACK,
    active_members,
    community_staff_by_community,
    days_with_moment_in,
    reminder_drafts,
    schedule_reminders,
)
from .requests import committee_size

__all__ = [
    "GradeResult",
    "close_due_rating_rounds",
    "close_rating_round",
    "combine_scores",
    "grade_round",
    "open_due_rating_rounds",
    "open_rating_round",
    "period_of",
    "publish_rating_round",
    "reopen_rating_round",
    "schedule_rating_reminders",
    "sheet_score",
    "submit_rating",
]

Person = Any  # User or AnonymousUser
RoundStatus = RatingRound.Status

CENT = Decimal("0.01")
HUNDRED = Decimal("100")
MAX_COMMENT = 2000
# A round opened for a period that has already ended leaves this many days to score it.
LATE_SCORING_DAYS = 7
# How far ahead the last day of scoring may be set.
MAX_SCORING_AHEAD = timedelta(days=92)
QUARTER_MONTHS = (1, 4, 7, 10)


def _round2(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


# ---------------------------------------------------------------- periods


def _month_end(day: date) -> date:
    following = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return following - timedelta(days=1)


def period_of(period: str, day: date) -> tuple[date, date]:
    """The first and last day of the month (or quarter) that contains `day`."""
    if period == RatingPolicy.Period.QUARTER:
        start = date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
        return start, _month_end(date(start.year, start.month + 2, 1))
    start = day.replace(day=1)
    return start, _month_end(start)


def _policy_of(estate_id: int) -> RatingPolicy:
    """The estate's rating policy, or the defaults (not saved) when it has none."""
    return RatingPolicy.objects.filter(estate_id=estate_id).first() or RatingPolicy(estate_id=estate_id)


def _company_of(estate: Estate) -> Organisation | None:
    """The property company that serves the estate (the first registered, if several)."""
    return Organisation.objects.filter(kind=Organisation.Kind.PROPERTY_COMPANY, estates=estate).order_by("id").first()


# ---------------------------------------------------------------- the grade


class GradeResult(TypedDict):
    committee_score: Decimal | None
    residents_score: Decimal | None
    score: Decimal | None
    grade: str
    figures: dict[str, Any]


def sheet_score(scores: Iterable[tuple[Decimal, int]]) -> Decimal | None:
    """One sheet's weighted score, unrounded: Σ(weight × score) / Σ weight over (weight, score) pairs."""
    pairs = list(scores)
    total_weight = sum((weight for weight, _score in pairs), Decimal(0))
    if total_weight <= 0:
        return None
    return sum((weight * score for weight, score in pairs), Decimal(0)) / total_weight


def combine_scores(parts: Iterable[tuple[Decimal, Decimal | None]]) -> Decimal | None:
    """Σ(weight × part) / Σ weight over the parts that exist (not None), rounded to two decimals
    (ROUND_HALF_UP). None when no part exists or their weights add up to nothing."""
    present = [(weight, part) for weight, part in parts if part is not None]
    total_weight = sum((weight for weight, _part in present), Decimal(0))
    if total_weight <= 0:
        return None
    return _round2(sum((weight * part for weight, part in present), Decimal(0)) / total_weight)


def _committee_score(rating_round: RatingRound) -> tuple[Decimal | None, int]:
    """The mean of the sheets' weighted scores over the active criteria (rounded), and how many sheets."""
    weights = dict(RatingCriterion.objects.filter(is_active=True).values_list("id", "weight"))
    per_sheet: list[Decimal] = []
    sheets: dict[int, list[tuple[Decimal, int]]] = {}
    for sheet_id, criterion_id, score in RatingScore.objects.filter(sheet__round=rating_round).values_list(
        "sheet_id", "criterion_id", "score"
    ):
        if criterion_id in weights:
            sheets.setdefault(sheet_id, []).append((weights[criterion_id], score))
    sheet_count = RatingSheet.objects.filter(round=rating_round).count()
    for pairs in sheets.values():
        value = sheet_score(pairs)
        if value is not None:
            per_sheet.append(value)
    if not per_sheet:
        return None, sheet_count
    return _round2(sum(per_sheet, Decimal(0)) / len(per_sheet)), sheet_count


def _requests_of(rating_round: RatingRound) -> Any:
    """The estate's requests resolved in the round's period that are resolved or closed now."""
    return ResidentRequest.objects.filter(
        estate_id=rating_round.estate_id,
        status__in=[ResidentRequest.Status.RESOLVED, ResidentRequest.Status.CLOSED],
        resolved_at__date__gte=rating_round.period_start,
        resolved_at__date__lte=rating_round.period_end,
    )


def _decimal(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def grade_round(rating_round: RatingRound, policy: RatingPolicy | None = None) -> GradeResult:
    """The round's grade from its sheets and the residents' figures (see the module's docstring)."""
    policy = policy or _policy_of(rating_round.estate_id)
    committee, sheet_count = _committee_score(rating_round)
    figures = request_figures(_requests_of(rating_round))
    average = _decimal(figures["average_rating"])
    share = _decimal(figures["on_time_share"])
    rating = None if average is None else _round2((average - 1) / 4 * HUNDRED)
    on_time = None if share is None else _round2(share * HUNDRED)
    residents = combine_scores([(policy.rating_weight, rating), (policy.on_time_weight, on_time)])
    score = combine_scores(
        [(policy.committee_weight, committee), (policy.rating_weight, rating), (policy.on_time_weight, on_time)]
    )
    return {
        "committee_score": committee,
        "residents_score": residents,
        "score": score,
        "grade": RatingRound.grade_for(score),
        "figures": {
            "period_start": rating_round.period_start.isoformat(),
            "period_end": rating_round.period_end.isoformat(),
            "sheet_count": sheet_count,
            "requests": dict(figures),
            "rating_score": _text(rating),
            "on_time_score": _text(on_time),
            "weights": {
                "committee": str(policy.committee_weight),
                "rating": str(policy.rating_weight),
                "on_time": str(policy.on_time_weight),
            },
        },
    }


# ---------------------------------------------------------------- opening


def _lock(rating_round: RatingRound) -> RatingRound:
    return RatingRound.objects.select_for_update(of=("self",)).select_related("estate").get(pk=rating_round.pk)


def _require_move(rating_round: RatingRound, to: str) -> None:
    if not rating_round.can_move_to(to):
        raise Conflict(
            _("A rating round that is “%(status)s” cannot become “%(to)s”.")
            % {"status": rating_round.get_status_display(), "to": RoundStatus(to).label}
        )


def _closes_on(closes_on: date | None, *, period_start: date, period_end: date, today: date) -> date:
    if closes_on is None:
        return max(period_end, today + timedelta(days=LATE_SCORING_DAYS))
    if closes_on < today:
        raise Invalid(_("The last day of scoring cannot be in the past."), field="closes_on")
    if closes_on < period_start:
        raise Invalid(_("The last day of scoring cannot come before the period begins."), field="closes_on")
    if closes_on > today + MAX_SCORING_AHEAD:
        raise Invalid(_("The last day of scoring must be within three months from today."), field="closes_on")
    return closes_on


@transaction.atomic
def open_rating_round(
    estate: Estate,
    *,
    by: Person | None = None,
    period_start: date,
    closes_on: date | None = None,
    today: date | None = None,
) -> RatingRound:
    """Open the rating round of the estate's property company for the period that begins on
    `period_start` (the 1st of a month, or of a quarter, by the estate's policy). Community staff
    open rounds; `by=None` is the system. Members score until `closes_on` (by default the period's
    last day, but at least a week from today). One round per period: a round
    overlapping another of the estate is refused (409), and so is an estate without a committee."""
    if by is not None and not permissions.can_open_round(by, estate.pk):
        raise NotAllowed(_("Only the community's staff can open a rating round for this estate."))
    today = today or timezone.localdate()
    policy = _policy_of(estate.pk)
    if not isinstance(period_start, date):
        raise Invalid(_("Give the first day of the period."), field="period_start")
    start, end = period_of(policy.period, period_start)
    if period_start != start:
        message = (
            _("A quarterly round begins on the first day of a quarter (1 January, 1 April, 1 July or 1 October).")
            if policy.period == RatingPolicy.Period.QUARTER
            else _("A monthly round begins on the first day of a month.")
        )
        raise Invalid(message, field="period_start")
    if start > today:
        raise Invalid(_("A period can be graded once it has begun."), field="period_start")
    closes_on = _closes_on(closes_on, period_start=start, period_end=end, today=today)
    # The estate's row lock makes two openings of the same period wait for each other.
    estate = Estate.objects.select_for_update().get(pk=estate.pk)
    if RatingRound.objects.filter(estate=estate, period_start__lte=end, period_end__gte=start).exists():
        raise Conflict(_("This estate already has a rating round for this period."))
    members = committee_size(estate.pk)
    if members == 0:
        raise Conflict(_("This estate has no committee members to score the property company."))
    rating_round = RatingRound.objects.create(
        estate=estate,
        company=_company_of(estate),
        period_start=start,
        period_end=end,
        closes_on=closes_on,
        member_count=members,
    )
    _tell_committee_round_open(rating_round)
    return rating_round


def _estates_to_grade() -> Any:
    """Estates with committee members to score and a property company to be graded (a
    self-managed estate without a company has nobody to grade)."""
    members = Membership.objects.active().filter(
        role=Membership.Role.COMMITTEE_MEMBER,
        organisation__kind__in=Organisation.COMMITTEE_KINDS,
        organisation__estates=OuterRef("pk"),
    )
    companies = Organisation.objects.filter(kind=Organisation.Kind.PROPERTY_COMPANY, estates=OuterRef("pk"))
    return Estate.objects.filter(Exists(members), Exists(companies))


def open_due_rating_rounds(today: date | None = None) -> int:
    """The system's sweep (run on the 1st): open the current period's round for every estate
    with committee members and a property company that has none yet. Safe to run again, any day: it opens only what is
    missing. Each estate is opened in its own transaction. Returns how many rounds were opened."""
    today = today or timezone.localdate()
    periods = dict(RatingPolicy.objects.values_list("estate_id", "period"))
    opened = 0
    for estate in _estates_to_grade().order_by("id"):
        start, end = period_of(periods.get(estate.pk, RatingPolicy.Period.MONTH), today)
        if RatingRound.objects.filter(estate=estate, period_start__lte=end, period_end__gte=start).exists():
            continue
        try:
            open_rating_round(estate, by=None, period_start=start, today=today)
        except (Conflict, IntegrityError):
            continue  # opened meanwhile by someone else, or the committee is gone
        opened += 1
    return opened


# ---------------------------------------------------------------- scoring


def _clean_scores(scores: Any) -> dict[RatingCriterion, int]:
    criteria = list(RatingCriterion.objects.filter(is_active=True).order_by("position", "id"))
    if not criteria:
        raise Conflict(_("No rating criteria are in use; ask the administrator to set them."))
    if not isinstance(scores, Mapping):
        raise Invalid(_("Give a score for each criterion."), field="scores")
    by_code = {criterion.code: criterion for criterion in criteria}
    unknown = sorted(str(code) for code in scores if code not in by_code)
    if unknown:
        raise Invalid(_("Unknown criteria: %(codes)s.") % {"codes": ", ".join(unknown)}, field="scores")
    missing = [criterion.name for criterion in criteria if criterion.code not in scores]
    if missing:
        raise Invalid(_("Score every criterion; missing: %(names)s.") % {"names": "、".join(missing)}, field="scores")
    cleaned: dict[RatingCriterion, int] = {}
    for code, value in scores.items():
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
            raise Invalid(
                _("Each score is a whole number from 0 to 100 (%(name)s).") % {"name": by_code[code].name},
                field="scores",
            )
        cleaned[by_code[code]] = value
    return cleaned


@transaction.atomic
def submit_rating(
    rating_round: RatingRound,
    *,
    by: Person,
    scores: Mapping[str, int],
    comment: str = "",
    today: date | None = None,
) -> RatingSheet:
    """A committee member scores the round: `scores` maps every active criterion's code to a
    whole number 0–100. A member has one sheet per round: scoring again changes that sheet
    (scores and comment), until the round closes or its last day of scoring has passed (409)."""
    rating_round = _lock(rating_round)
    if not permissions.can_score(by, rating_round):
        raise NotAllowed(_("Only members of the estate's committee score the property company."))
    if rating_round.status != RoundStatus.OPEN:
        raise Conflict(_("This rating round is closed; scores can no longer be changed."))
    if not permissions.is_scoring_open(rating_round, today or timezone.localdate()):
        raise Conflict(
            _("Scoring closed on %(day)s; scores can no longer be changed.")
            % {"day": rating_round.closes_on.isoformat()}
        )
    cleaned = _clean_scores(scores)
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise Invalid(_("At most %(limit)s characters.") % {"limit": MAX_COMMENT}, field="comment")

    sheet = RatingSheet.objects.filter(round=rating_round, member=by).first()
    if sheet is None:
        sheet = RatingSheet.objects.create(round=rating_round, member=by, comment=comment)
    else:
        sheet.comment = comment
        sheet.save(update_fields=["comment", "updated_at"])
    existing = {score.criterion_id: score for score in sheet.scores.all()}
    changed, added = [], []
    for criterion, value in cleaned.items():
        score = existing.pop(criterion.pk, None)
        if score is None:
            added.append(RatingScore(sheet=sheet, criterion=criterion, score=value))
        elif score.score != value:
            score.score = value
            changed.append(score)
    RatingScore.objects.bulk_create(added)
    RatingScore.objects.bulk_update(changed, ["score"])
    if existing:  # scores of criteria no longer in use
        RatingScore.objects.filter(pk__in=[score.pk for score in existing.values()]).delete()
    return sheet


# ---------------------------------------------------------------- closing, publishing, reopening


def _close(rating_round: RatingRound) -> RatingRound:
    """Count the committee, compute the grade and store it with its figures."""
    _require_move(rating_round, RoundStatus.CLOSED)
    result = grade_round(rating_round)
    rating_round.status = RoundStatus.CLOSED
    rating_round.closed_at = timezone.now()
    rating_round.member_count = committee_size(rating_round.estate_id)
    rating_round.scorer_count = result["figures"]["sheet_count"]
    rating_round.committee_score = result["committee_score"]
    rating_round.residents_score = result["residents_score"]
    rating_round.score = result["score"]
    rating_round.grade = result["grade"]
    rating_round.figures = result["figures"]
    rating_round.save(
        update_fields=[
            "status",
            "closed_at",
            "member_count",
            "scorer_count",
            "committee_score",
            "residents_score",
            "score",
            "grade",
            "figures",
        ]
    )
    return rating_round


@transaction.atomic
def close_rating_round(rating_round: RatingRound, *, by: Person | None = None) -> RatingRound:
    """Close scoring and compute the grade (community staff; `by=None` is the system, at the
    end of `closes_on`). The committee's members are counted now, for the quorum."""
    rating_round = _lock(rating_round)
    if by is not None and not permissions.can_run_round(by, rating_round):
        raise NotAllowed(_("Only the community's staff can close this rating round."))
    return _close(rating_round)


def close_due_rating_rounds(today: date | None = None) -> int:
    """The system's sweep: close every open round whose last day of scoring is over. Safe to run
    again; each round closes in its own transaction. Returns how many were closed."""
    today = today or timezone.localdate()
    closed = 0
    for pk in RatingRound.objects.filter(status=RoundStatus.OPEN, closes_on__lt=today).values_list("pk", flat=True):
        with transaction.atomic():
            rating_round = (
                RatingRound.objects.select_for_update(of=("self",), skip_locked=True)
                .filter(pk=pk, status=RoundStatus.OPEN, closes_on__lt=today)
                .first()
            )
            if rating_round is None:
                continue  # closed meanwhile, or being changed right now: the next run sees it
            _close(rating_round)
            _tell_staff_round_closed(rating_round)
            closed += 1
    return closed


@transaction.atomic
def publish_rating_round(rating_round: RatingRound, *, by: Person) -> RatingRound:
    """Publish a closed round's grade (community staff). Needs the quorum: the members who
    scored (counted at closing) ≥ the policy's quorum × the committee's active members then."""
    rating_round = _lock(rating_round)
    if not permissions.can_run_round(by, rating_round):
        raise NotAllowed(_("Only the community's staff can publish this rating round."))
    _require_move(rating_round, RoundStatus.PUBLISHED)
    policy = _policy_of(rating_round.estate_id)
    needed = RatingPolicy.scorers_needed(policy.quorum, rating_round.member_count)
    if rating_round.member_count == 0 or rating_round.scorer_count < needed:
        raise Conflict(
            _(
                "Only %(scored)s of the committee's %(members)s members scored; %(needed)s are needed to publish. "
                "Reopen the round to let more members score."
            )
            % {"scored": rating_round.scorer_count, "members": rating_round.member_count, "needed": needed}
        )
    if rating_round.score is None:
        raise Conflict(_("This round has no score to publish."))
    rating_round.status = RoundStatus.PUBLISHED
    rating_round.published_at = timezone.now()
    rating_round.published_by = by
    rating_round.save(update_fields=["status", "published_at", "published_by"])
    return rating_round


@transaction.atomic
def reopen_rating_round(
    rating_round: RatingRound, *, by: Person, closes_on: date | None = None, today: date | None = None
) -> RatingRound:
    """Open a closed, unpublished round again for scoring (community staff), until `closes_on`
    (by default a week from today). The grade is computed again when it closes."""
    rating_round = _lock(rating_round)
    if not permissions.can_run_round(by, rating_round):
        raise NotAllowed(_("Only the community's staff can reopen this rating round."))
    _require_move(rating_round, RoundStatus.OPEN)
    today = today or timezone.localdate()
    rating_round.closes_on = _closes_on(
        closes_on, period_start=rating_round.period_start, period_end=rating_round.period_end, today=today
    )
    rating_round.status = RoundStatus.OPEN
    rating_round.closed_at = None
    rating_round.committee_score = None
    rating_round.residents_score = None
    rating_round.score = None
    rating_round.grade = ""
    rating_round.figures = {}
    rating_round.save(
        update_fields=[
            "status",
            "closes_on",
            "closed_at",
            "committee_score",
            "residents_score",
            "score",
            "grade",
            "figures",
        ]
    )
    return rating_round


# ---------------------------------------------------------------- reminders

# Members who have not scored are reminded (at 9:00) this many days before the last day of
# scoring, so that they still have three days, that one included.
NOT_SCORED_REMINDER_DAYS = 2


def _round_url(rating_round: RatingRound) -> str:
    return reverse("governance:rating-home")


def _period_text(rating_round: RatingRound) -> str:
    if rating_round.period_start.month == rating_round.period_end.month:
        return formats.date_format(rating_round.period_start, "YEAR_MONTH_FORMAT")
    start = formats.date_format(rating_round.period_start, "YEAR_MONTH_FORMAT")
    return f"{start} – {formats.date_format(rating_round.period_end, 'YEAR_MONTH_FORMAT')}"


def _committee_members(estate_ids: set[int]) -> dict[int, set[int]]:
    """The active members of each estate's committee."""
    found: dict[int, set[int]] = {estate_id: set() for estate_id in estate_ids}
    for estate_id, user_id in active_members(
        Membership.Role.COMMITTEE_MEMBER,
        organisation__kind__in=Organisation.COMMITTEE_KINDS,
        organisation__estates__in=estate_ids,
    ).values_list("organisation__estates", "user_id"):
        found.setdefault(estate_id, set()).add(user_id)
    return found


def _render_round_open(rating_round: RatingRound, due: datetime, language: str) -> tuple[str, str]:
    title = _("Rate the property service of %(estate)s for %(period)s") % {
        "estate": rating_round.estate.name,
        "period": _period_text(rating_round),
    }
    body = _("The rating round is open; score each criterion by %(closes)s.") % {
        "closes": formats.date_format(rating_round.closes_on, "DATE_FORMAT")
    }
    return title, body


def _render_not_scored(rating_round: RatingRound, due: datetime, language: str) -> tuple[str, str]:
    title = _("Three days left to rate %(estate)s for %(period)s") % {
        "estate": rating_round.estate.name,
        "period": _period_text(rating_round),
    }
    body = _("You have not scored the property service yet; scoring closes at the end of %(closes)s.") % {
        "closes": formats.date_format(rating_round.closes_on, "DATE_FORMAT")
    }
    return title, body


def _render_round_closed(rating_round: RatingRound, due: datetime, language: str) -> tuple[str, str]:
    title = _("Rating round closed: %(estate)s, %(period)s") % {
        "estate": rating_round.estate.name,
        "period": _period_text(rating_round),
    }
    grade = RatingRound.Grade(rating_round.grade).label if rating_round.grade else _("no grade")
    body = _("%(scorers)s of %(members)s members scored; the grade is %(grade)s. Check it and publish it.") % {
        "scorers": rating_round.scorer_count,
        "members": rating_round.member_count,
        "grade": grade,
    }
    return title, body


def _tell_committee_round_open(rating_round: RatingRound) -> None:
    """Tell the committee's members, in the opening's transaction, that they can score."""
    members = _committee_members({rating_round.estate_id})[rating_round.estate_id]
    schedule_reminders(
        reminder_drafts(
            [(rating_round, timezone.now(), members)],
            Reminder.Kind.RATING_ROUND_OPEN,
            _render_round_open,
            _round_url,
        )
    )


def _tell_staff_round_closed(rating_round: RatingRound) -> None:
    """Tell the community's staff that a round closed by itself and waits to be published."""
    community_id = Estate.objects.values_list("community_id", flat=True).get(pk=rating_round.estate_id)
    staff = community_staff_by_community({community_id}).get(community_id, set())
    assert rating_round.closed_at is not None
    schedule_reminders(
        reminder_drafts(
            [(rating_round, rating_round.closed_at, staff)],
            Reminder.Kind.RATING_ROUND_CLOSED,
            _render_round_closed,
            _round_url,
        )
    )


def schedule_rating_reminders(now: datetime | None = None) -> int:
    """The rating rounds' reminder producer (a periodic task): members of the committee who have
    not scored an open round, at 9:00 two days before its last day of scoring (three days left).
    Moments of the last day are caught up after downtime. Returns how many reminders were new."""
    now = now or timezone.now()
    window_start = now - REQUEST_REMINDER_LOOKBACK
    due = days_with_moment_in(window_start, now, -NOT_SCORED_REMINDER_DAYS)
    rounds = list(
        RatingRound.objects.filter(status=RoundStatus.OPEN, closes_on__in=list(due))
        .select_related("estate")
        .order_by("id")
    )
    if not rounds:
        return 0
    members = _committee_members({r.estate_id for r in rounds})
    scored: dict[int, set[int]] = {r.pk: set() for r in rounds}
    for round_id, member_id in RatingSheet.objects.filter(round__in=rounds).values_list("round_id", "member_id"):
        scored[round_id].add(member_id)
    items = [(r, due[r.closes_on], members.get(r.estate_id, set()) - scored[r.pk]) for r in rounds]
    return schedule_reminders(reminder_drafts(items, Reminder.Kind.RATING_NOT_SCORED, _render_not_scored, _round_url))
