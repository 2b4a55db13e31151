"""The demo's service ratings (物业服务评定): owners' representatives grade the property company
every month (DESIGN §1: 服务好不好，居民说了算).

For every demo estate with both a committee and a property company — in the Yangquan report,
蕴园小区 only — the last six monthly rounds are closed and published, and the current month's
round is open: its 主任 has scored, the `committee` login has not, so that login has a rating
to give. Rounds are opened by the system on the 1st (as beat does), scored by the members in the
last days of the month, closed by the system when scoring ends and published by the community's
staff the day after, all through `governance.services`; the demo then moves the stamps the
services set (opened, scored, closed, published) to those days of the story.

The members' scores are invented. The grade of a round also weighs the residents' ratings and
the on-time share of the month's requests (`grade_round`), which depend on the day the demo is
loaded; so each round names the overall score the story wants (mostly 良好 and 优秀, one 合格 in
a summer of slow repairs) and the members' scores are set around the committee score that gives
it, computed from the residents' figures the real service reports. The targets are chosen so that,
whatever the day of loading, that committee score lies within LOWEST–HIGHEST.

An estate that has rating rounds already is left alone, so loading twice changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from estates.models import Estate, Membership, Organisation, User

from . import services
from .models import RatingCriterion, RatingPolicy, RatingRound, RatingSheet


@dataclass(frozen=True)
class RoundData:
    """One month's round: `months_ago` 0 is the current month, left open. `target` is the overall
    score the story wants; `comments` has one entry per committee member (the 主任 first), None
    for a member who did not score that month."""

    months_ago: int
    target: Decimal
    comments: tuple[str | None, ...]


ROUNDS: tuple[RoundData, ...] = (
    RoundData(
        6,
        Decimal("85"),
        (
            "保洁和秩序都不错，维修响应还可以再快一点。",
            "楼道卫生比上个月好，夜间巡逻要坚持。",
        ),
    ),
    RoundData(
        5,
        Decimal("93"),
        (
            "电梯保养计划公示以后居民反映很好，整体满意。",
            None,  # away that month
        ),
    ),
    RoundData(
        4,
        Decimal("72"),
        (
            "汛期屋面渗漏和草坪修剪都拖得比较久，维修和绿化要整改，下月重点看。",
            "几次报修过了好几天才有人来，居民意见比较大。",
        ),
    ),
    RoundData(
        3,
        Decimal("92"),
        (
            "整改很到位，维修比上个月及时多了，给优秀。",
            "绿化修剪跟上了，垃圾清运改成早晚两次，很满意。",
        ),
    ),
    RoundData(
        2,
        Decimal("86"),
        (
            "供暖前的管道检查做得细，服务态度好。",
            "电梯异响修了两次才彻底解决，维修还要更用心。",
        ),
    ),
    RoundData(
        1,
        Decimal("87"),
        (
            "日常保洁到位，地下室杂物清理还没完成，要抓紧。",
            "消防通道管理见效，晚上十点以后还要多巡查。",
        ),
    ),
    RoundData(0, Decimal("88"), ("本月维修响应比较快，树枝修剪报价合理。", None)),
)

# How each member (the 主任 first) leans from the committee's score on each criterion; the
# weighted leanings add up to about nothing, so the sheets average to the score wanted.
LEANINGS: tuple[dict[str, int], ...] = (
    {"cleaning": 2, "order_security": 1, "repair": -3, "greening": 2, "responsiveness": -2, "attitude": 1},
    {"cleaning": -1, "order_security": 2, "repair": 1, "greening": -3, "responsiveness": 1, "attitude": -1},
)
# The committee's score the members' sheets may add up to, whatever the residents' figures.
LOWEST, HIGHEST = Decimal("60"), Decimal("97")


def load_ratings_demo(staff: dict[str, User], *, anchor: datetime) -> int:
    """Grade the property company of every demo estate with a committee, unless the estate has
    rounds already; `staff` maps an estate's name to the staff member who publishes its grades.
    Returns how many rounds were created."""
    created = 0
    for estate in Estate.objects.filter(name__in=staff).order_by("id"):
        has_company = Organisation.objects.filter(kind=Organisation.Kind.PROPERTY_COMPANY, estates=estate).exists()
        members = _members(estate)
        if not has_company or not members or RatingRound.objects.filter(estate=estate).exists():
            continue
        for data in ROUNDS:
            _play(estate, data, members, staff[estate.name], anchor=anchor)
            created += 1
    return created


def _members(estate: Estate) -> list[User]:
    """The committee's active members, the 主任 first."""
    memberships = (
        Membership.objects.active()
        .filter(
            role=Membership.Role.COMMITTEE_MEMBER,
            organisation__kind__in=Organisation.COMMITTEE_KINDS,
            organisation__estates=estate,
        )
        .select_related("user")
        .order_by("id")
    )
    ordered = sorted(memberships, key=lambda membership: (membership.position != "主任", membership.pk))
    return list({membership.user_id: membership.user for membership in ordered}.values())


def _month_start(today: date, months_ago: int) -> date:
    month = today.year * 12 + today.month - 1 - months_ago
    return date(month // 12, month % 12 + 1, 1)


def _at(day: date, clock: time, anchor: datetime) -> datetime:
    """A moment of the story, never later than the loading."""
    return min(timezone.make_aware(datetime.combine(day, clock)), anchor)


def _play(estate: Estate, data: RoundData, members: list[User], publisher: User, *, anchor: datetime) -> RatingRound:
    """Open the month's round, let the members score it and, for a past month, close and publish it."""
    today = timezone.localdate(anchor)
    start = _month_start(today, data.months_ago)
    rating_round = services.open_rating_round(estate, by=None, period_start=start, today=start)
    opened_at = _at(start, time(0, 5), anchor)
    RatingRound.objects.filter(pk=rating_round.pk).update(opened_at=opened_at)
    end = rating_round.period_end
    committee_score = data.target if data.months_ago == 0 else _committee_score_for(rating_round, data.target)
    criteria = list(RatingCriterion.objects.filter(is_active=True).values_list("code", flat=True))
    for position, (member, comment) in enumerate(zip(members, data.comments, strict=False)):
        if comment is None:
            continue
        # The 主任 scores three days before the month ends, the others the day before it ends;
        # in the current month the 主任 scored on the 3rd, if that has come.
        day = start + timedelta(days=2) if data.months_ago == 0 else end - timedelta(days=3 if position == 0 else 1)
        submitted_at = timezone.make_aware(datetime.combine(day, time(20, 30 + position * 10)))
        if submitted_at >= anchor:
            continue
        leaning = LEANINGS[position % len(LEANINGS)]
        scores = {code: _score(committee_score + leaning.get(code, 0)) for code in criteria}
        sheet = services.submit_rating(rating_round, by=member, scores=scores, comment=comment, today=day)
        RatingSheet.objects.filter(pk=sheet.pk).update(submitted_at=submitted_at, updated_at=submitted_at)
    if data.months_ago == 0:
        return rating_round
    services.close_rating_round(rating_round, by=None)
    services.publish_rating_round(rating_round, by=publisher)
    RatingRound.objects.filter(pk=rating_round.pk).update(
        closed_at=_at(end + timedelta(days=1), time(0, 5), anchor),
        published_at=_at(end + timedelta(days=1), time(10, 0), anchor),
    )
    # The round's opening was announced to the committee when it opened, months ago: not now.
    services.cancel_reminders(target=rating_round)
    return rating_round


def _committee_score_for(rating_round: RatingRound, target: Decimal) -> Decimal:
    """The committee's score that, with the residents' figures of the month, gives `target`
    overall (the same weighing as `grade_round`), within LOWEST–HIGHEST."""
    policy = RatingPolicy.objects.filter(estate=rating_round.estate).first() or RatingPolicy()
    figures = services.grade_round(rating_round, policy)["figures"]
    parts = [
        (weight, Decimal(value))
        for weight, value in (
            (policy.rating_weight, figures["rating_score"]),
            (policy.on_time_weight, figures["on_time_score"]),
        )
        if value is not None
    ]
    total = policy.committee_weight + sum((weight for weight, _value in parts), Decimal(0))
    wanted = (target * total - sum((weight * value for weight, value in parts), Decimal(0))) / policy.committee_weight
    return min(max(wanted, LOWEST), HIGHEST)


def _score(value: Decimal) -> int:
    return max(0, min(100, int(value.to_integral_value())))
