"""Rating rounds (物业服务评定) through their services: the grade from known inputs, every grade
boundary, the quorum, one sheet per member per round, changing it until the round closes,
opening and closing by the system, and who may do what.

Fixtures here (`criteria`, `open_round`, `score`) are shared by the other test_ratings_* modules.
"""

from __future__ import annotations

import importlib
import threading
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation

from estates.errors import Conflict, Invalid, NotAllowed
from estates.models import Membership, Organisation, User
from governance import permissions, services
from governance.models import (
    RatingCriterion,
    RatingPolicy,
    RatingRound,
    RatingScore,
    RatingSheet,
    ResidentRequest,
)
from tests.conftest import World
from tests.governance.conftest import SHANGHAI, T0, client_as, committee_member, fresh

SEED = importlib.import_module("governance.migrations.0005_seed_rating_criteria").CRITERIA
MARCH = date(2025, 3, 1)
TODAY = date(2025, 3, 3)  # T0's day
CODES = [code for code, *_rest in SEED]
# Weights 20, 20, 20, 10, 15, 15 (they add up to 100).
SHEET_B = {"cleaning": 80, "order_security": 70, "repair": 60, "greening": 100, "responsiveness": 50, "attitude": 90}

OpenRound = Callable[..., RatingRound]
Score = Callable[..., RatingSheet]


@pytest.fixture(autouse=True)
def _english() -> Any:
    """Messages are matched in English (the Chinese catalogue is made later)."""
    with translation.override("en"):
        yield


def all_scores(value: int) -> dict[str, int]:
    return dict.fromkeys(CODES, value)


@pytest.fixture
def criteria(db: Any) -> list[RatingCriterion]:
    """The six seeded criteria with their seeded weights (a transactional test empties the table)."""
    made = []
    for code, name_zh, name_en, weight, position in SEED:
        criterion, _created = RatingCriterion.objects.update_or_create(
            code=code,
            defaults={
                "name_zh": name_zh,
                "name_en": name_en,
                "weight": weight,
                "position": position,
                "is_active": True,
            },
        )
        made.append(criterion)
    return made


@pytest.fixture
def open_round(world: World, staff: User, committee: User, criteria: list[RatingCriterion]) -> OpenRound:
    """open_round(**overrides) -> 蕴园小区's round for March 2025, opened by the staff on 3 March."""

    def _open(**overrides: Any) -> RatingRound:
        fields: dict[str, Any] = {"by": fresh(staff), "period_start": MARCH, "today": TODAY}
        fields.update(overrides)
        estate = fields.pop("estate", world.estate)
        return services.open_rating_round(estate, **fields)

    return _open


@pytest.fixture
def score() -> Score:
    """score(round, member, scores=…, comment=…) -> the member's sheet, submitted on 3 March."""

    def _score(
        rating_round: RatingRound, member: User, scores: dict[str, int] | None = None, **extra: Any
    ) -> RatingSheet:
        return services.submit_rating(
            rating_round, by=fresh(member), scores=scores or all_scores(90), today=TODAY, **extra
        )

    return _score


def at(moment: datetime) -> Any:
    return time_machine.travel(moment, tick=False)


# ---------------------------------------------------------------- the grade


@pytest.fixture
def march_requests(
    world: World, file_request: Callable[..., ResidentRequest], resident: User, property_staff: User
) -> None:
    """Resolved in March: one on time rated 5, one late rated 4. Resolved in February (rated 1)
    and in April (rated 1): outside the period."""
    company, person = fresh(property_staff), fresh(resident)

    def handle(filed_at: datetime, *, due_after: float, resolve_after: float, rating: int) -> None:
        with at(filed_at):
            request = file_request()
            services.accept_request(request, by=company, due_at=filed_at + timedelta(hours=due_after))
            services.start_request(request, by=company)
        with at(filed_at + timedelta(hours=resolve_after)):
            services.resolve_request(request, by=company)
            services.confirm_request(request, by=person, rating=rating)

    handle(datetime(2025, 2, 10, 9, tzinfo=SHANGHAI), due_after=48, resolve_after=10, rating=1)
    handle(T0, due_after=48, resolve_after=10, rating=5)
    handle(T0, due_after=5, resolve_after=20, rating=4)
    handle(datetime(2025, 3, 31, 20, tzinfo=SHANGHAI), due_after=48, resolve_after=10, rating=1)


def test_grade_from_known_inputs(
    world: World,
    open_round: OpenRound,
    score: Score,
    committee: User,
    director: User,
    staff: User,
    march_requests: None,
) -> None:
    rating_round = open_round()
    score(rating_round, committee, all_scores(90))
    score(rating_round, director, SHEET_B)  # (1600 + 1400 + 1200 + 1000 + 750 + 1350) / 100 = 73
    closed = services.close_rating_round(rating_round, by=fresh(staff))
    # committee (90 + 73) / 2 = 81.50; rating (4.5 − 1) / 4 × 100 = 87.50; on time 1 of 2 = 50.00
    # overall 0.7 × 81.50 + 0.2 × 87.50 + 0.1 × 50.00 = 57.05 + 17.50 + 5.00 = 79.55 → 合格
    # residents (0.2 × 87.50 + 0.1 × 50.00) / 0.3 = 75.00
    assert (closed.committee_score, closed.residents_score, closed.score, closed.grade) == (
        Decimal("81.50"),
        Decimal("75.00"),
        Decimal("79.55"),
        "pass",
    )
    assert (closed.status, closed.member_count, closed.scorer_count) == ("closed", 2, 2)
    assert closed.figures == {
        "period_start": "2025-03-01",
        "period_end": "2025-03-31",
        "sheet_count": 2,
        "requests": {
            "count": 2,
            "taken_count": 2,
            "median_hours_to_take": 0.0,
            "resolved_count": 2,
            "on_time_count": 1,
            "on_time_share": 0.5,
            "rated_count": 2,
            "average_rating": 4.5,
            "reopened_count": 0,
            "reopen_share": 0.0,
            "escalated_count": 0,
        },
        "rating_score": "87.50",
        "on_time_score": "50.00",
        "weights": {"committee": "0.70", "rating": "0.20", "on_time": "0.10"},
    }
    stored = RatingRound.objects.get(pk=rating_round.pk)
    assert (stored.score, stored.grade) == (Decimal("79.55"), "pass")


def test_estate_weights_change_the_grade(
    world: World, open_round: OpenRound, score: Score, committee: User, staff: User, march_requests: None
) -> None:
    RatingPolicy.objects.create(
        estate=world.estate,
        committee_weight=Decimal("0.50"),
        rating_weight=Decimal("0.50"),
        on_time_weight=Decimal("0"),
    )
    rating_round = open_round()
    score(rating_round, committee, all_scores(90))
    closed = services.close_rating_round(rating_round, by=fresh(staff))
    # (0.5 × 90 + 0.5 × 87.5) / 1.0 = 88.75; the on-time part weighs nothing
    assert (closed.score, closed.grade, closed.residents_score) == (Decimal("88.75"), "good", Decimal("87.50"))


def test_without_closed_requests_only_the_committee_counts(
    open_round: OpenRound, score: Score, committee: User, director: User, staff: User
) -> None:
    rating_round = open_round()
    score(rating_round, committee, all_scores(90))
    score(rating_round, director, SHEET_B)
    closed = services.close_rating_round(rating_round, by=fresh(staff))
    assert (closed.committee_score, closed.residents_score, closed.score, closed.grade) == (
        Decimal("81.50"),
        None,
        Decimal("81.50"),
        "good",
    )
    assert (closed.figures["rating_score"], closed.figures["on_time_score"]) == (None, None)


def test_a_round_nobody_scored_has_no_grade(open_round: OpenRound, staff: User) -> None:
    closed = services.close_rating_round(open_round(), by=fresh(staff))
    assert (closed.committee_score, closed.score, closed.grade, closed.scorer_count) == (None, None, "", 0)


def test_inactive_criteria_do_not_count(
    open_round: OpenRound, score: Score, committee: User, staff: User, criteria: list[RatingCriterion]
) -> None:
    rating_round = open_round()
    score(rating_round, committee, SHEET_B)
    RatingCriterion.objects.filter(code="greening").update(is_active=False)
    closed = services.close_rating_round(rating_round, by=fresh(staff))
    # (1600 + 1400 + 1200 + 750 + 1350) / 90 = 70
    assert closed.score == Decimal("70.00")


@pytest.mark.parametrize(
    ("score", "grade"),
    [
        (Decimal("100.00"), "excellent"),
        (Decimal("90.00"), "excellent"),
        (Decimal("89.99"), "good"),
        (Decimal("80.00"), "good"),
        (Decimal("79.99"), "pass"),
        (Decimal("60.00"), "pass"),
        (Decimal("59.99"), "fail"),
        (Decimal("0.00"), "fail"),
        (None, ""),
    ],
)
def test_every_grade_boundary(score: Decimal | None, grade: str) -> None:
    assert RatingRound.grade_for(score) == grade


@pytest.mark.parametrize(("value", "grade"), [(90, "excellent"), (80, "good"), (60, "pass"), (59, "fail")])
def test_grade_boundaries_through_a_round(
    open_round: OpenRound, score: Score, committee: User, staff: User, value: int, grade: str
) -> None:
    rating_round = open_round()
    score(rating_round, committee, all_scores(value))
    closed = services.close_rating_round(rating_round, by=fresh(staff))
    assert (closed.score, closed.grade) == (Decimal(value).quantize(Decimal("0.01")), grade)


@pytest.mark.parametrize(("second", "expected", "grade"), [(89, "89.50", "good"), (90, "90.00", "excellent")])
def test_just_below_the_boundary_is_the_grade_below(
    open_round: OpenRound,
    score: Score,
    committee: User,
    director: User,
    staff: User,
    second: int,
    expected: str,
    grade: str,
) -> None:
    rating_round = open_round()
    score(rating_round, committee, all_scores(90))
    score(rating_round, director, all_scores(second))
    closed = services.close_rating_round(rating_round, by=fresh(staff))
    assert (closed.score, closed.grade) == (Decimal(expected), grade)


def test_parts_are_combined_renormalised_and_rounded_half_up() -> None:
    # 0.5 × 89.98 + 0.5 × 89.99 = 89.985: half up → 89.99 (half even would give 89.98)
    assert services.combine_scores([(Decimal("0.5"), Decimal("89.98")), (Decimal("0.5"), Decimal("89.99"))]) == (
        Decimal("89.99")
    )
    # the missing part drops out: (0.7 × 80 + 0.1 × 100) / 0.8 = 82.50
    parts = [(Decimal("0.7"), Decimal("80")), (Decimal("0.2"), None), (Decimal("0.1"), Decimal("100"))]
    assert services.combine_scores(parts) == Decimal("82.50")
    assert services.combine_scores([(Decimal("0.7"), None)]) is None
    assert services.combine_scores([(Decimal("0"), Decimal("80"))]) is None


def test_a_sheet_is_weighted_by_its_criteria() -> None:
    assert services.sheet_score([(Decimal("20"), 80), (Decimal("10"), 50)]) == Decimal("70")
    assert services.sheet_score([]) is None


# ---------------------------------------------------------------- quorum


def test_exactly_the_quorum_publishes(
    open_round: OpenRound,
    score: Score,
    committee: User,
    director: User,
    member2: User,
    member3: User,
    staff: User,
) -> None:
    rating_round = open_round()
    score(rating_round, committee)
    score(rating_round, director)  # 2 of 4 members, the default quorum of one half
    services.close_rating_round(rating_round, by=fresh(staff))
    published = services.publish_rating_round(rating_round, by=fresh(staff))
    assert (published.status, published.member_count, published.scorer_count) == ("published", 4, 2)
    assert published.published_by == staff
    assert published.published_at is not None


def test_one_fewer_than_the_quorum_is_refused(
    open_round: OpenRound, score: Score, committee: User, director: User, member2: User, member3: User, staff: User
) -> None:
    rating_round = open_round()
    score(rating_round, committee)
    services.close_rating_round(rating_round, by=fresh(staff))
    with pytest.raises(Conflict, match="Only 1 of the committee's 4 members scored; 2 are needed"):
        services.publish_rating_round(rating_round, by=fresh(staff))
    assert RatingRound.objects.get(pk=rating_round.pk).status == "closed"


def test_quorum_rounds_up_and_follows_the_estate_policy(
    world: World, open_round: OpenRound, score: Score, committee: User, director: User, member2: User, staff: User
) -> None:
    RatingPolicy.objects.create(estate=world.estate, quorum=Decimal("0.60"))
    rating_round = open_round()
    score(rating_round, committee)
    services.close_rating_round(rating_round, by=fresh(staff))
    with pytest.raises(Conflict, match="2 are needed"):  # 0.6 × 3 = 1.8 → 2
        services.publish_rating_round(rating_round, by=fresh(staff))
    services.reopen_rating_round(rating_round, by=fresh(staff), today=TODAY)
    score(rating_round, director)
    services.close_rating_round(rating_round, by=fresh(staff))
    assert services.publish_rating_round(rating_round, by=fresh(staff)).status == "published"


def test_members_are_counted_when_the_round_closes(
    world: World, open_round: OpenRound, score: Score, committee: User, staff: User
) -> None:
    rating_round = open_round()
    assert rating_round.member_count == 1
    score(rating_round, committee)
    committee_member(world, "late-joiner")
    closed = services.close_rating_round(rating_round, by=fresh(staff))
    assert (closed.member_count, closed.scorer_count) == (2, 1)
    assert services.publish_rating_round(closed, by=fresh(staff)).status == "published"  # 1 ≥ 0.5 × 2


# ---------------------------------------------------------------- one sheet per member


def test_the_database_refuses_a_second_sheet(open_round: OpenRound, score: Score, committee: User) -> None:
    rating_round = open_round()
    score(rating_round, committee)
    with pytest.raises(IntegrityError), transaction.atomic():
        RatingSheet.objects.create(round=rating_round, member=committee)
    assert RatingSheet.objects.filter(round=rating_round).count() == 1


def test_the_database_refuses_a_second_score_for_a_criterion(
    open_round: OpenRound, score: Score, committee: User, criteria: list[RatingCriterion]
) -> None:
    sheet = score(open_round(), committee)
    with pytest.raises(IntegrityError), transaction.atomic():
        RatingScore.objects.create(sheet=sheet, criterion=criteria[0], score=50)


def test_scoring_again_changes_the_one_sheet(open_round: OpenRound, score: Score, committee: User) -> None:
    rating_round = open_round()
    first = score(rating_round, committee, all_scores(60), comment="一般")
    second = score(rating_round, committee, SHEET_B, comment="保洁有进步")
    assert second.pk == first.pk
    assert RatingSheet.objects.filter(round=rating_round).count() == 1
    stored = RatingSheet.objects.get(pk=first.pk)
    assert stored.comment == "保洁有进步"
    assert dict(stored.scores.values_list("criterion__code", "score")) == SHEET_B


def test_changing_is_refused_once_the_round_closes(
    open_round: OpenRound, score: Score, committee: User, staff: User
) -> None:
    rating_round = open_round()
    score(rating_round, committee, all_scores(60))
    services.close_rating_round(rating_round, by=fresh(staff))
    with pytest.raises(Conflict, match="closed"):
        score(rating_round, committee, all_scores(100))
    sheet = RatingSheet.objects.get(round=rating_round)
    assert set(sheet.scores.values_list("score", flat=True)) == {60}


def test_changing_is_refused_after_the_last_day_of_scoring(
    open_round: OpenRound, committee: User, criteria: list[RatingCriterion]
) -> None:
    rating_round = open_round(closes_on=date(2025, 3, 10))
    services.submit_rating(rating_round, by=fresh(committee), scores=all_scores(80), today=date(2025, 3, 10))
    with pytest.raises(Conflict, match="Scoring closed on 2025-03-10"):
        services.submit_rating(rating_round, by=fresh(committee), scores=all_scores(90), today=date(2025, 3, 11))


def test_a_reopened_round_can_be_scored_again_and_is_graded_again(
    open_round: OpenRound, score: Score, committee: User, staff: User
) -> None:
    rating_round = open_round()
    score(rating_round, committee, all_scores(70))
    assert services.close_rating_round(rating_round, by=fresh(staff)).score == Decimal("70.00")
    reopened = services.reopen_rating_round(rating_round, by=fresh(staff), today=date(2025, 4, 2))
    assert (reopened.status, reopened.score, reopened.grade, reopened.closes_on) == ("open", None, "", date(2025, 4, 9))
    services.submit_rating(rating_round, by=fresh(committee), scores=all_scores(95), today=date(2025, 4, 3))
    assert services.close_rating_round(rating_round, by=fresh(staff)).grade == "excellent"


@pytest.mark.parametrize(
    ("scores", "message"),
    [
        ({**all_scores(90), "cleaning": 101}, "whole number from 0 to 100"),
        ({**all_scores(90), "cleaning": -1}, "whole number from 0 to 100"),
        ({**all_scores(90), "cleaning": 9.5}, "whole number from 0 to 100"),
        ({**all_scores(90), "cleaning": True}, "whole number from 0 to 100"),
        ({**all_scores(90), "parking": 90}, "Unknown criteria: parking"),
        ({code: 90 for code in CODES if code != "attitude"}, "Score every criterion; missing: Attitude"),
        ([90] * 6, "Give a score for each criterion"),
    ],
)
def test_bad_scores_are_refused(open_round: OpenRound, committee: User, scores: Any, message: str) -> None:
    with pytest.raises(Invalid, match=message) as refused:
        services.submit_rating(open_round(), by=fresh(committee), scores=scores, today=TODAY)
    assert refused.value.field == "scores"
    assert not RatingSheet.objects.exists()


def test_an_inactive_criterion_is_not_asked_for(
    open_round: OpenRound, committee: User, criteria: list[RatingCriterion]
) -> None:
    RatingCriterion.objects.filter(code="greening").update(is_active=False)
    scores = {code: 80 for code in CODES if code != "greening"}
    sheet = services.submit_rating(open_round(), by=fresh(committee), scores=scores, today=TODAY)
    assert sheet.scores.count() == 5


def test_a_long_comment_is_refused(open_round: OpenRound, committee: User) -> None:
    with pytest.raises(Invalid, match="At most 2000 characters") as refused:
        services.submit_rating(
            open_round(), by=fresh(committee), scores=all_scores(90), comment="好" * 2001, today=TODAY
        )
    assert refused.value.field == "comment"


# ---------------------------------------------------------------- opening


def test_staff_open_a_round_for_the_month(open_round: OpenRound, world: World) -> None:
    rating_round = open_round()
    assert (rating_round.estate, rating_round.company, rating_round.status) == (
        world.estate,
        world.property_org,
        "open",
    )
    assert (rating_round.period_start, rating_round.period_end, rating_round.closes_on) == (
        MARCH,
        date(2025, 3, 31),
        date(2025, 3, 31),
    )


def test_a_past_period_gets_a_week_to_score(open_round: OpenRound) -> None:
    rating_round = open_round(period_start=date(2025, 2, 1))
    assert (rating_round.period_end, rating_round.closes_on) == (date(2025, 2, 28), date(2025, 3, 10))


def test_a_quarterly_estate_grades_quarters(world: World, open_round: OpenRound) -> None:
    RatingPolicy.objects.create(estate=world.estate, period=RatingPolicy.Period.QUARTER)
    with pytest.raises(Invalid, match="first day of a quarter"):
        open_round(period_start=MARCH)
    rating_round = open_round(period_start=date(2025, 1, 1))
    assert (rating_round.period_end, rating_round.closes_on) == (date(2025, 3, 31), date(2025, 3, 31))


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"period_start": date(2025, 3, 2)}, "period_start", "first day of a month"),
        ({"period_start": date(2025, 4, 1)}, "period_start", "once it has begun"),
        ({"closes_on": date(2025, 3, 2)}, "closes_on", "cannot be in the past"),
        ({"closes_on": date(2025, 9, 1)}, "closes_on", "within three months"),
        ({"period_start": date(2025, 1, 1), "closes_on": date(2024, 12, 31)}, "closes_on", "in the past"),
    ],
)
def test_bad_periods_are_refused(open_round: OpenRound, overrides: dict[str, Any], field: str, message: str) -> None:
    with pytest.raises(Invalid, match=message) as refused:
        open_round(**overrides)
    assert refused.value.field == field


def test_one_round_per_period(open_round: OpenRound) -> None:
    open_round()
    with pytest.raises(Conflict, match="already has a rating round"):
        open_round()


def test_an_estate_without_committee_members_gets_no_round(world: World, outsider: User, open_round: OpenRound) -> None:
    with pytest.raises(Conflict, match="no committee members"):
        open_round(estate=world.other_estate, by=fresh(outsider))


@pytest.mark.parametrize("name", ["outsider", "committee", "property_staff", "resident", "mediator"])
def test_only_the_estates_staff_open_a_round(request: Any, open_round: OpenRound, name: str) -> None:
    with pytest.raises(NotAllowed):
        open_round(by=fresh(request.getfixturevalue(name)))
    assert not RatingRound.objects.exists()


def test_the_street_admin_may_open_a_round(open_round: OpenRound, street_admin: User) -> None:
    assert open_round(by=fresh(street_admin)).status == "open"


def test_the_system_opens_the_current_period_for_every_estate_with_a_committee_and_a_company(
    world: World, committee: User, criteria: list[RatingCriterion]
) -> None:
    # 体委小区's committee has no members yet: it gets no round.
    assert services.open_due_rating_rounds(date(2025, 4, 1)) == 1
    assert services.open_due_rating_rounds(date(2025, 4, 1)) == 0
    assert services.open_due_rating_rounds(date(2025, 4, 15)) == 0
    rating_round = RatingRound.objects.get()
    assert (rating_round.estate, rating_round.period_start, rating_round.closes_on) == (
        world.estate,
        date(2025, 4, 1),
        date(2025, 4, 30),
    )
    other = make_other_committee_member(world)
    assert other.pk
    # A committee but no property company: nobody to grade.
    assert services.open_due_rating_rounds(date(2025, 4, 15)) == 0
    company = Organisation.objects.create(kind="property_company", name="体委物业", community=world.other_community)
    company.estates.add(world.other_estate)
    assert services.open_due_rating_rounds(date(2025, 4, 15)) == 1
    assert RatingRound.objects.filter(estate=world.other_estate, period_start=date(2025, 4, 1)).exists()


def make_other_committee_member(world: World) -> User:
    user = User.objects.create_user(username="tiwei-member", password="pw")
    Membership.objects.create(user=user, role="committee_member", organisation=world.other_committee_org)
    return user


def test_a_former_member_does_not_make_a_committee(world: World, criteria: list[RatingCriterion]) -> None:
    user = User.objects.create_user(username="former", password="pw")
    Membership.objects.create(
        user=user, role="committee_member", organisation=world.committee_org, ended_on=date(2024, 12, 31)
    )
    assert services.open_due_rating_rounds(date(2025, 4, 1)) == 0


def test_the_system_closes_rounds_after_their_last_day(open_round: OpenRound, score: Score, committee: User) -> None:
    rating_round = open_round(closes_on=date(2025, 3, 31))
    score(rating_round, committee, all_scores(85))
    assert services.close_due_rating_rounds(date(2025, 3, 31)) == 0
    assert services.close_due_rating_rounds(date(2025, 4, 1)) == 1
    assert services.close_due_rating_rounds(date(2025, 4, 1)) == 0
    closed = RatingRound.objects.get(pk=rating_round.pk)
    assert (closed.status, closed.score, closed.grade) == ("closed", Decimal("85.00"), "good")


def test_the_tasks_call_the_sweeps(world: World, committee: User, criteria: list[RatingCriterion]) -> None:
    from governance import tasks

    with at(datetime(2025, 5, 1, 0, 5, tzinfo=SHANGHAI)):
        assert tasks.open_rating_rounds.delay().get() == 1
    with at(datetime(2025, 6, 1, 0, 5, tzinfo=SHANGHAI)):
        assert tasks.close_rating_rounds.delay().get() == 1
    assert RatingRound.objects.get().status == "closed"


# ---------------------------------------------------------------- who may move a round


@pytest.mark.parametrize("name", ["committee", "property_staff", "outsider", "resident"])
def test_only_staff_close_publish_and_reopen(
    request: Any, open_round: OpenRound, score: Score, committee: User, staff: User, name: str
) -> None:
    user = fresh(request.getfixturevalue(name))
    rating_round = open_round()
    score(rating_round, committee)
    with pytest.raises(NotAllowed):
        services.close_rating_round(rating_round, by=user)
    services.close_rating_round(rating_round, by=fresh(staff))
    with pytest.raises(NotAllowed):
        services.publish_rating_round(rating_round, by=user)
    with pytest.raises(NotAllowed):
        services.reopen_rating_round(rating_round, by=user)


@pytest.mark.parametrize("name", ["staff", "property_staff", "outsider", "resident", "street_admin"])
def test_only_committee_members_score(request: Any, open_round: OpenRound, name: str) -> None:
    with pytest.raises(NotAllowed):
        services.submit_rating(
            open_round(), by=fresh(request.getfixturevalue(name)), scores=all_scores(90), today=TODAY
        )


def test_a_member_of_another_estates_committee_may_not_score(world: World, open_round: OpenRound) -> None:
    other = make_other_committee_member(world)
    with pytest.raises(NotAllowed):
        services.submit_rating(open_round(), by=other, scores=all_scores(90), today=TODAY)


def test_illegal_moves_are_conflicts(open_round: OpenRound, score: Score, committee: User, staff: User) -> None:
    rating_round = open_round()
    with pytest.raises(Conflict, match="cannot become"):
        services.publish_rating_round(rating_round, by=fresh(staff))
    with pytest.raises(Conflict, match="cannot become"):
        services.reopen_rating_round(rating_round, by=fresh(staff))
    score(rating_round, committee)
    services.close_rating_round(rating_round, by=fresh(staff))
    with pytest.raises(Conflict, match="cannot become"):
        services.close_rating_round(rating_round, by=fresh(staff))
    services.publish_rating_round(rating_round, by=fresh(staff))
    for move in (services.close_rating_round, services.reopen_rating_round, services.publish_rating_round):
        with pytest.raises(Conflict, match="cannot become"):
            move(rating_round, by=fresh(staff))


# ---------------------------------------------------------------- who sees a round


@pytest.mark.parametrize(
    ("name", "sees_open"),
    [
        ("staff", True),
        ("street_admin", True),
        ("committee", True),
        ("property_staff", True),
        ("superuser", True),
        ("mediator", False),
        ("resident", False),
        ("outsider", False),
        ("anonymous", False),
    ],
)
def test_open_rounds_are_seen_by_insiders_and_published_ones_by_all(
    request: Any, open_round: OpenRound, score: Score, committee: User, staff: User, name: str, sees_open: bool
) -> None:
    from django.contrib.auth.models import AnonymousUser

    user = AnonymousUser() if name == "anonymous" else fresh(request.getfixturevalue(name))
    rating_round = open_round()
    assert RatingRound.objects.visible_to(user).filter(pk=rating_round.pk).exists() is sees_open
    score(rating_round, committee)
    services.close_rating_round(rating_round, by=fresh(staff))
    services.publish_rating_round(rating_round, by=fresh(staff))
    assert RatingRound.objects.visible_to(user).filter(pk=rating_round.pk).exists()


def test_the_company_of_the_round_is_the_estates_property_company(world: World, open_round: OpenRound) -> None:
    world.estate.organisations.remove(world.property_org)
    assert open_round().company is None


# ---------------------------------------------------------------- at the same moment


@pytest.mark.django_db(transaction=True)
def test_a_member_submitting_twice_at_once_keeps_one_sheet(
    open_round: OpenRound, committee: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The round's row lock makes the second submission wait and change the sheet the first made
    (without it, both would insert and one would hit the unique constraint)."""
    today = timezone.localdate()
    rating_round = open_round(period_start=today.replace(day=1), today=today)
    can_score = permissions.can_score

    def slow(*args: Any, **kwargs: Any) -> bool:
        time.sleep(0.3)
        return can_score(*args, **kwargs)

    monkeypatch.setattr(permissions, "can_score", slow)
    barrier = threading.Barrier(2)
    codes: list[int] = []
    errors: list[BaseException] = []

    def submit(value: int) -> None:
        try:
            client = client_as(committee)
            barrier.wait(timeout=10)
            url = f"/api/v1/rating-rounds/{rating_round.pk}/scores/"
            codes.append(client.post(url, {"scores": all_scores(value)}, format="json").status_code)
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(value,)) for value in (70, 80)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors
    assert set(codes) <= {200, 201} and len(codes) == 2
    sheet = RatingSheet.objects.get(round=rating_round)
    assert len(set(sheet.scores.values_list("score", flat=True))) == 1
    assert sheet.scores.count() == 6
