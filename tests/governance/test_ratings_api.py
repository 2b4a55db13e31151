"""The rating-rounds API: every endpoint wired to its service, the permission matrix with an
outsider, bad input, the whole body, trend and ranking from known inputs, query budgets."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from estates.models import Community, Estate, Organisation, User
from governance import services
from governance.models import RatingCriterion, RatingRound, RatingSheet
from tests.conftest import World
from tests.governance import test_ratings_services as shared
from tests.governance.conftest import EN, SHANGHAI, T0, client_as, committee_member, fresh
from tests.governance.test_ratings_services import CODES, SHEET_B, OpenRound, Score, all_scores

# The shared fixtures of the rating tests.
criteria = shared.criteria
open_round = shared.open_round
score = shared.score

URL = "/api/v1/rating-rounds/"


@pytest.fixture(autouse=True)
def _on_t0() -> Any:
    """Every test runs on 3 March 2025, 09:00 in Yangquan (the March round is open for scoring)."""
    with time_machine.travel(T0, tick=False):
        yield


def ok(response: Any, code: int = 200) -> Any:
    assert response.status_code == code, response.content
    return response.json()


def persona(request: Any, name: str) -> User | None:
    if name == "anonymous":
        request.getfixturevalue("world")
        return None
    return fresh(request.getfixturevalue(name))


def ids(response: Any) -> list[int]:
    return [row["id"] for row in ok(response)["results"]]


def published(estate: Estate, company: Organisation | None, month: date, score: str, **extra: Any) -> RatingRound:
    """A published round made directly (the services are tested elsewhere)."""
    value = Decimal(score)
    fields: dict[str, Any] = {
        "estate": estate,
        "company": company,
        "period_start": month,
        "period_end": services.period_of("month", month)[1],
        "closes_on": services.period_of("month", month)[1],
        "status": "published",
        "member_count": 2,
        "scorer_count": 2,
        "committee_score": value,
        "score": value,
        "grade": RatingRound.grade_for(value),
        "closed_at": timezone.now(),
        "published_at": timezone.now(),
    }
    fields.update(extra)
    return RatingRound.objects.create(**fields)


@pytest.fixture
def round_in(open_round: OpenRound, score: Score, committee: User, staff: User) -> Any:
    """round_in(status) -> 蕴园小区's March round in that status (the committee scored 90 everywhere)."""

    def _make(status: str) -> RatingRound:
        rating_round = open_round()
        if status == "open":
            return rating_round
        score(rating_round, committee, all_scores(90))
        services.close_rating_round(rating_round, by=fresh(staff))
        if status == "published":
            services.publish_rating_round(rating_round, by=fresh(staff))
        return RatingRound.objects.get(pk=rating_round.pk)

    return _make


# ---------------------------------------------------------------- the whole way through the API


def test_staff_open_members_score_staff_close_and_publish(
    world: World, criteria: Any, staff: User, committee: User, director: User
) -> None:
    opened = ok(client_as(staff).post(URL, {"estate": world.estate.pk, "period_start": "2025-03-01"}), 201)
    pk = opened["id"]
    assert (opened["status"], opened["closes_on"], opened["actions"]) == ("open", "2025-03-31", ["close"])
    member = client_as(committee)
    mine = ok(member.get(f"{URL}{pk}/"))
    assert (mine["actions"], mine["has_scored"], mine["scorer_count"], mine["member_count"]) == (["score"], False, 0, 2)
    first = ok(member.post(f"{URL}{pk}/scores/", {"scores": all_scores(60), "comment": "一般"}, format="json"), 201)
    changed = ok(member.put(f"{URL}{pk}/scores/", {"scores": SHEET_B, "comment": "改了"}, format="json"))
    assert changed["id"] == first["id"]
    assert (changed["weighted_score"], changed["comment"]) == ("73.00", "改了")
    assert ok(member.get(f"{URL}{pk}/"))["has_scored"] is True
    ok(client_as(director).post(f"{URL}{pk}/scores/", {"scores": all_scores(90)}, format="json"), 201)
    assert RatingSheet.objects.filter(round_id=pk).count() == 2
    closed = ok(client_as(staff).post(f"{URL}{pk}/close/"))
    assert (closed["status"], closed["score"], closed["grade"], closed["actions"]) == (
        "closed",
        "81.50",
        "good",
        ["publish", "reopen"],
    )
    assert (closed["scorer_count"], closed["member_count"], closed["scorers_needed"], closed["has_quorum"]) == (
        2,
        2,
        1,
        True,
    )
    late = member.put(f"{URL}{pk}/scores/", {"scores": all_scores(100)}, format="json", **EN)
    assert late.status_code == 409
    assert late.json() == {"detail": "This rating round is closed; scores can no longer be changed."}
    published_round = ok(client_as(staff).post(f"{URL}{pk}/publish/"))
    assert (published_round["status"], published_round["actions"]) == ("published", [])
    assert ok(client_as(None).get(f"{URL}{pk}/"))["grade"] == "good"


def test_publishing_without_the_quorum_is_a_conflict_with_a_message(
    round_in: Any, director: User, member2: User, staff: User
) -> None:
    rating_round = round_in("closed")  # 1 of 3 members scored
    response = client_as(staff).post(f"{URL}{rating_round.pk}/publish/", **EN)
    assert response.status_code == 409
    assert response.json() == {
        "detail": "Only 1 of the committee's 3 members scored; 2 are needed to publish. "
        "Reopen the round to let more members score."
    }
    body = ok(client_as(staff).get(f"{URL}{rating_round.pk}/"))
    assert (body["status"], body["has_quorum"], body["scorers_needed"]) == ("closed", False, 2)


def test_staff_reopen_a_closed_round_until_a_day_they_choose(round_in: Any, staff: User, committee: User) -> None:
    rating_round = round_in("closed")
    body = ok(client_as(staff).post(f"{URL}{rating_round.pk}/reopen/", {"closes_on": "2025-03-20"}, format="json"))
    assert (body["status"], body["closes_on"], body["score"], body["grade"]) == ("open", "2025-03-20", None, "")
    assert ok(client_as(committee).get(f"{URL}{rating_round.pk}/"))["actions"] == ["score"]


def test_illegal_moves_answer_409(round_in: Any, staff: User) -> None:
    rating_round = round_in("published")
    for action in ("close", "publish", "reopen"):
        response = client_as(staff).post(f"{URL}{rating_round.pk}/{action}/")
        assert response.status_code == 409, action


# ---------------------------------------------------------------- who may do what


def test_outsider_sees_no_unpublished_round_and_moves_nothing(world: World, round_in: Any, outsider: User) -> None:
    rating_round = round_in("closed")
    client = client_as(outsider)
    assert ids(client.get(URL)) == []
    assert client.get(f"{URL}{rating_round.pk}/").status_code == 404
    for action in ("close", "publish", "reopen"):
        assert client.post(f"{URL}{rating_round.pk}/{action}/").status_code == 404, action
    assert client.get(f"{URL}{rating_round.pk}/scores/").status_code == 404
    answer = client.post(f"{URL}{rating_round.pk}/scores/", {"scores": all_scores(10)}, format="json")
    assert answer.status_code == 404
    opened = client.post(URL, {"estate": world.estate.pk, "period_start": "2025-02-01"})
    assert opened.status_code == 403
    assert RatingRound.objects.count() == 1


def test_outsider_reads_a_published_round_but_may_not_touch_it(round_in: Any, outsider: User) -> None:
    rating_round = round_in("published")
    client = client_as(outsider)
    assert ids(client.get(URL)) == [rating_round.pk]
    body = ok(client.get(f"{URL}{rating_round.pk}/"))
    assert (body["grade"], body["actions"], body["has_scored"]) == ("excellent", [], False)
    assert ok(client.get(f"{URL}{rating_round.pk}/scores/")) == []
    assert client.post(f"{URL}{rating_round.pk}/scores/", {"scores": all_scores(10)}, format="json").status_code == 403
    for action in ("close", "publish", "reopen"):
        assert client.post(f"{URL}{rating_round.pk}/{action}/").status_code == 403, action


@pytest.mark.parametrize(
    ("name", "code"),
    [("anonymous", 401), ("committee", 403), ("property_staff", 403), ("resident", 403), ("outsider", 403)],
)
def test_only_staff_open_rounds(
    request: Any, world: World, criteria: Any, committee: User, name: str, code: int
) -> None:
    response = client_as(persona(request, name)).post(URL, {"estate": world.estate.pk, "period_start": "2025-03-01"})
    assert response.status_code == code
    assert not RatingRound.objects.exists()


@pytest.mark.parametrize(
    ("name", "close", "sheets"),
    [
        ("anonymous", 401, None),
        ("resident", 404, None),
        ("mediator", 404, None),
        ("outsider", 404, None),
        ("committee", 403, 1),
        ("property_staff", 403, 0),
        ("staff", 200, 2),
        ("street_admin", 200, 2),
        ("superuser", 200, 2),
    ],
)
def test_permission_matrix_on_an_open_round(
    request: Any,
    open_round: OpenRound,
    score: Score,
    committee: User,
    director: User,
    name: str,
    close: int,
    sheets: Any,
) -> None:
    rating_round = open_round()
    score(rating_round, committee)
    score(rating_round, director)
    client = client_as(persona(request, name))
    listed = client.get(f"{URL}{rating_round.pk}/scores/")
    if sheets is None:
        assert listed.status_code == 404
    else:
        assert len(ok(listed)) == sheets
    assert client.post(f"{URL}{rating_round.pk}/close/").status_code == close


@pytest.mark.parametrize("name", ["staff", "property_staff", "street_admin", "superuser"])
def test_only_committee_members_submit_sheets(request: Any, open_round: OpenRound, name: str) -> None:
    rating_round = open_round()
    client = client_as(persona(request, name))
    response = client.post(f"{URL}{rating_round.pk}/scores/", {"scores": all_scores(80)}, format="json")
    assert response.status_code == 403
    assert not RatingSheet.objects.exists()


def test_anonymous_may_not_submit(open_round: OpenRound) -> None:
    rating_round = open_round()
    # Writes need a signed-in user: that answer comes before the round's visibility.
    response = client_as(None).post(f"{URL}{rating_round.pk}/scores/", {"scores": all_scores(80)}, format="json")
    assert response.status_code == 401


def test_a_member_sees_only_their_own_sheet(
    open_round: OpenRound, score: Score, committee: User, director: User
) -> None:
    rating_round = open_round()
    score(rating_round, committee, SHEET_B, comment="我的")
    score(rating_round, director)
    sheets = ok(client_as(committee).get(f"{URL}{rating_round.pk}/scores/"))
    assert [(s["member"]["id"], s["comment"]) for s in sheets] == [(committee.pk, "我的")]


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"scores": {**all_scores(90), "cleaning": 101}}, "scores"),
        ({"scores": {**all_scores(90), "cleaning": "很好"}}, "scores"),
        ({"scores": {**all_scores(90), "cleaning": 9.5}}, "scores"),
        ({"scores": {**all_scores(90), "parking": 90}}, "scores"),
        ({"scores": dict.fromkeys(CODES[:-1], 90)}, "scores"),
        ({"scores": {}}, "scores"),
        ({"scores": [90, 90]}, "scores"),
        ({}, "scores"),
        ({"scores": all_scores(90), "comment": "好" * 2001}, "comment"),
    ],
)
def test_bad_sheets_answer_400_with_a_message(
    open_round: OpenRound, committee: User, data: dict[str, Any], field: str
) -> None:
    rating_round = open_round()
    response = client_as(committee).post(f"{URL}{rating_round.pk}/scores/", data, format="json")
    assert response.status_code == 400, response.content
    assert response.json()[field]
    assert not RatingSheet.objects.exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"estate": None}, "estate"),  # None: left out
        ({"estate": 999999}, "estate"),
        ({"period_start": None}, "period_start"),
        ({"period_start": "March"}, "period_start"),
        ({"period_start": "2025-03-02"}, "period_start"),
        ({"period_start": "2025-04-01"}, "period_start"),
        ({"closes_on": "2025-03-02"}, "closes_on"),
        ({"closes_on": "someday"}, "closes_on"),
    ],
)
def test_bad_openings_answer_400_with_a_message(
    world: World, criteria: Any, committee: User, staff: User, data: dict[str, Any], field: str
) -> None:
    payload = {"estate": world.estate.pk, "period_start": "2025-03-01", **data}
    payload = {key: value for key, value in payload.items() if value is not None}
    response = client_as(staff).post(URL, payload, format="json")
    assert response.status_code == 400, response.content
    assert response.json()[field]
    assert not RatingRound.objects.exists()


def test_a_second_round_for_the_period_is_a_conflict(world: World, round_in: Any, staff: User) -> None:
    round_in("open")
    response = client_as(staff).post(URL, {"estate": world.estate.pk, "period_start": "2025-03-01"}, **EN)
    assert response.status_code == 409
    assert response.json() == {"detail": "This estate already has a rating round for this period."}


# ---------------------------------------------------------------- filters


def test_filters(world: World, round_in: Any, staff: User) -> None:
    march = round_in("closed")
    january = published(world.estate, world.property_org, date(2025, 1, 1), "88.00")
    last_year = published(world.estate, world.property_org, date(2024, 12, 1), "70.00")
    other = published(world.other_estate, None, date(2025, 1, 1), "91.00")
    client = client_as(staff)
    # newest period first; within a period by the estate's name (体委小区 before 蕴园小区)
    assert ids(client.get(URL)) == [march.pk, other.pk, january.pk, last_year.pk]
    assert ids(client.get(URL, {"estate": world.other_estate.pk})) == [other.pk]
    assert ids(client.get(URL, {"company": world.property_org.pk})) == [march.pk, january.pk, last_year.pk]
    assert ids(client.get(URL, {"status": "closed"})) == [march.pk]
    assert ids(client.get(URL, {"status": ["closed", "published"], "year": 2024})) == [last_year.pk]
    assert ids(client.get(URL, {"ordering": "score"})) == [last_year.pk, january.pk, march.pk, other.pk]
    assert client.get(URL, {"status": "lost"}).status_code == 400


def test_rounds_to_score(world: World, round_in: Any, committee: User, staff: User) -> None:
    rating_round = round_in("open")
    published(world.estate, world.property_org, date(2025, 1, 1), "88.00")
    assert ids(client_as(committee).get(URL, {"to_score": "true"})) == [rating_round.pk]
    assert ids(client_as(staff).get(URL, {"to_score": "true"})) == []
    services.submit_rating(rating_round, by=fresh(committee), scores=all_scores(90))
    assert ids(client_as(committee).get(URL, {"to_score": "true"})) == [rating_round.pk]  # may still change it


def test_criteria_are_public(criteria: Any) -> None:
    body = ok(client_as(None).get(f"{URL}criteria/", **EN))
    assert body[0] == {
        "code": "cleaning",
        "name": "Cleaning",
        "name_zh": "保洁",
        "name_en": "Cleaning",
        "weight": "20.00",
        "position": 1,
    }
    assert [row["code"] for row in body] == CODES
    RatingCriterion.objects.filter(code="greening").update(is_active=False)
    assert len(ok(client_as(None).get(f"{URL}criteria/"))) == 5


# ---------------------------------------------------------------- the whole body


def test_round_detail_whole_body(
    world: World, open_round: OpenRound, score: Score, committee: User, director: User, staff: User
) -> None:
    rating_round = open_round()
    score(rating_round, committee, all_scores(90))
    score(rating_round, director, SHEET_B)
    with time_machine.travel(datetime(2025, 4, 1, 10, 0, tzinfo=SHANGHAI), tick=False):
        services.close_rating_round(rating_round, by=fresh(staff))
        body = ok(client_as(staff).get(f"{URL}{rating_round.pk}/", **EN))
    assert body == {
        "id": rating_round.pk,
        "estate": world.estate.pk,
        "estate_name": "蕴园小区",
        "company": world.property_org.pk,
        "company_name": "蕴和物业",
        "period": "month",
        "period_start": "2025-03-01",
        "period_end": "2025-03-31",
        "status": "closed",
        "status_display": "Closed",
        "closes_on": "2025-03-31",
        "opened_at": "2025-03-03T09:00:00+08:00",
        "closed_at": "2025-04-01T10:00:00+08:00",
        "published_at": None,
        "member_count": 2,
        "scorer_count": 2,
        "quorum": "0.50",
        "scorers_needed": 1,
        "has_quorum": True,
        "committee_score": "81.50",
        "residents_score": None,
        "score": "81.50",
        "grade": "good",
        "grade_display": "Good (良好)",
        "figures": {
            "period_start": "2025-03-01",
            "period_end": "2025-03-31",
            "sheet_count": 2,
            "requests": {
                "count": 0,
                "taken_count": 0,
                "median_hours_to_take": None,
                "resolved_count": 0,
                "on_time_count": 0,
                "on_time_share": None,
                "rated_count": 0,
                "average_rating": None,
                "reopened_count": 0,
                "reopen_share": None,
                "escalated_count": 0,
            },
            "rating_score": None,
            "on_time_score": None,
            "weights": {"committee": "0.70", "rating": "0.20", "on_time": "0.10"},
        },
        "has_scored": False,
        "actions": ["publish", "reopen"],
    }


def test_sheet_whole_body(open_round: OpenRound, score: Score, director: User, staff: User) -> None:
    rating_round = open_round()
    sheet = score(rating_round, director, SHEET_B, comment="绿化很好")
    body = ok(client_as(staff).get(f"{URL}{rating_round.pk}/scores/", **EN))
    assert body == [
        {
            "id": sheet.pk,
            "round": rating_round.pk,
            "member": {"id": director.pk, "name": "director"},
            "scores": [
                {"criterion": "cleaning", "criterion_name": "Cleaning", "weight": "20.00", "score": 80},
                {"criterion": "order_security", "criterion_name": "Order and security", "weight": "20.00", "score": 70},
                {"criterion": "repair", "criterion_name": "Repairs", "weight": "20.00", "score": 60},
                {"criterion": "greening", "criterion_name": "Greening", "weight": "10.00", "score": 100},
                {"criterion": "responsiveness", "criterion_name": "Speed of response", "weight": "15.00", "score": 50},
                {"criterion": "attitude", "criterion_name": "Attitude", "weight": "15.00", "score": 90},
            ],
            "weighted_score": "73.00",
            "comment": "绿化很好",
            "submitted_at": "2025-03-03T09:00:00+08:00",
            "updated_at": "2025-03-03T09:00:00+08:00",
        }
    ]


# ---------------------------------------------------------------- trend and ranking


def test_trend_of_an_estate_lists_its_published_grades_oldest_first(world: World, round_in: Any) -> None:
    round_in("closed")  # not published: not in the trend
    feb = published(world.estate, world.property_org, date(2025, 2, 1), "79.50")
    jan = published(world.estate, world.property_org, date(2025, 1, 1), "91.25")
    body = ok(client_as(None).get(f"{URL}trend/", {"estate": world.estate.pk}, **EN))
    assert body == {
        "estate": world.estate.pk,
        "company": None,
        "name": "蕴园小区",
        "points": [
            {
                "round": jan.pk,
                "estate": world.estate.pk,
                "estate_name": "蕴园小区",
                "period": "month",
                "period_start": "2025-01-01",
                "period_end": "2025-01-31",
                "committee_score": "91.25",
                "residents_score": None,
                "score": "91.25",
                "grade": "excellent",
                "grade_display": "Excellent (优秀)",
            },
            {
                "round": feb.pk,
                "estate": world.estate.pk,
                "estate_name": "蕴园小区",
                "period": "month",
                "period_start": "2025-02-01",
                "period_end": "2025-02-28",
                "committee_score": "79.50",
                "residents_score": None,
                "score": "79.50",
                "grade": "pass",
                "grade_display": "Pass (合格)",
            },
        ],
    }


def test_trend_of_a_company_spans_its_estates(world: World) -> None:
    second = Estate.objects.create(community=world.community, name="朝阳小区")
    published(world.estate, world.property_org, date(2025, 1, 1), "80.00")
    published(second, world.property_org, date(2025, 1, 1), "70.00")
    published(world.other_estate, None, date(2025, 1, 1), "99.00")
    body = ok(client_as(None).get(f"{URL}trend/", {"company": world.property_org.pk}))
    assert (body["name"], [(p["estate_name"], p["score"]) for p in body["points"]]) == (
        "蕴和物业",
        [("朝阳小区", "70.00"), ("蕴园小区", "80.00")],
    )


@pytest.mark.parametrize(
    ("query", "code"),
    [({}, 400), ({"estate": 1, "company": 1}, 400), ({"estate": "x"}, 400), ({"estate": 999999}, 404)],
)
def test_trend_bad_queries(world: World, query: dict[str, Any], code: int) -> None:
    assert client_as(None).get(f"{URL}trend/", query).status_code == code


def test_trend_of_an_organisation_that_is_not_a_company_is_404(world: World) -> None:
    assert client_as(None).get(f"{URL}trend/", {"company": world.committee_org.pk}).status_code == 404


@pytest.fixture
def ranked(world: World) -> dict[str, Any]:
    """上站街道: 蕴和物业 serves 蕴园小区 (latest 92.00) and 朝阳小区 (84.00) → 88.00; 阳光物业 serves
    桃园小区 (88.00; a closed 50.00 later is not published) → 88.00; 新风物业 serves 杏园小区 (59.99).
    北大街街道: 体委物业 serves 体委小区 (95.00)."""
    second = Estate.objects.create(community=world.community, name="朝阳小区")
    community = Community.objects.create(street=world.street, name="南社区")
    third = Estate.objects.create(community=community, name="桃园小区")
    fourth = Estate.objects.create(community=community, name="杏园小区")
    sunshine = Organisation.objects.create(kind="property_company", name="阳光物业", community=community)
    breeze = Organisation.objects.create(kind="property_company", name="新风物业", community=community)
    tiwei = Organisation.objects.create(kind="property_company", name="体委物业", community=world.other_community)
    published(world.estate, world.property_org, date(2025, 1, 1), "80.00")
    published(world.estate, world.property_org, date(2025, 2, 1), "92.00")
    published(second, world.property_org, date(2025, 1, 1), "84.00")
    published(third, sunshine, date(2025, 2, 1), "88.00")
    published(third, sunshine, date(2025, 3, 1), "50.00", status="closed", published_at=None)
    published(fourth, breeze, date(2025, 2, 1), "59.99")
    published(world.other_estate, tiwei, date(2025, 2, 1), "95.00")
    return {"sunshine": sunshine, "breeze": breeze, "tiwei": tiwei, "community": community}


def test_ranking_of_a_street_from_known_inputs(world: World, ranked: dict[str, Any]) -> None:
    body = ok(client_as(None).get(f"{URL}ranking/", {"street": world.street.pk}, **EN))
    assert body == {
        "area": {"kind": "street", "id": world.street.pk, "name": "上站街道"},
        "rows": [
            {
                "rank": 1,
                "company": world.property_org.pk,
                "company_name": "蕴和物业",
                "score": "88.00",
                "grade": "good",
                "grade_display": "Good (良好)",
                "estate_count": 2,
                "latest_period_start": "2025-02-01",
            },
            {
                "rank": 1,
                "company": ranked["sunshine"].pk,
                "company_name": "阳光物业",
                "score": "88.00",
                "grade": "good",
                "grade_display": "Good (良好)",
                "estate_count": 1,
                "latest_period_start": "2025-02-01",
            },
            {
                "rank": 3,
                "company": ranked["breeze"].pk,
                "company_name": "新风物业",
                "score": "59.99",
                "grade": "fail",
                "grade_display": "Fail (不合格)",
                "estate_count": 1,
                "latest_period_start": "2025-02-01",
            },
        ],
    }


def test_ranking_of_a_district_and_of_a_community(world: World, ranked: dict[str, Any]) -> None:
    district = ok(client_as(None).get(f"{URL}ranking/", {"district": world.district.pk}))
    assert [(row["rank"], row["company_name"]) for row in district["rows"]] == [
        (1, "体委物业"),
        (2, "蕴和物业"),  # equal scores share a rank, in the order of their names
        (2, "阳光物业"),
        (4, "新风物业"),
    ]
    community = ok(client_as(None).get(f"{URL}ranking/", {"community": world.community.pk}))
    assert [(row["company_name"], row["score"], row["estate_count"]) for row in community["rows"]] == [
        ("蕴和物业", "88.00", 2)
    ]


@pytest.mark.parametrize(
    ("query", "code"),
    [({}, 400), ({"street": 1, "district": 1}, 400), ({"street": "x"}, 400), ({"community": 999999}, 404)],
)
def test_ranking_bad_queries(world: World, query: dict[str, Any], code: int) -> None:
    assert client_as(None).get(f"{URL}ranking/", query).status_code == code


@pytest.mark.parametrize("name", ["anonymous", "outsider", "resident"])
def test_trend_ranking_and_criteria_show_everyone_published_data_only(
    request: Any, world: World, round_in: Any, name: str
) -> None:
    round_in("closed")
    january = published(world.estate, world.property_org, date(2025, 1, 1), "88.00")
    client = client_as(persona(request, name))
    trend = ok(client.get(f"{URL}trend/", {"estate": world.estate.pk}))
    assert [point["round"] for point in trend["points"]] == [january.pk]
    company = ok(client.get(f"{URL}trend/", {"company": world.property_org.pk}))
    assert [point["round"] for point in company["points"]] == [january.pk]
    ranking = ok(client.get(f"{URL}ranking/", {"street": world.street.pk}))
    assert [(row["company"], row["score"]) for row in ranking["rows"]] == [(world.property_org.pk, "88.00")]
    assert len(ok(client.get(f"{URL}criteria/"))) == 6
    for path in ("trend/", "ranking/", "criteria/"):
        assert client.post(f"{URL}{path}").status_code in (401, 403, 405), path


# ---------------------------------------------------------------- query budgets


def grow(world: World, rows: int) -> None:
    """`rows` published rounds of 蕴园小区, one a month back from February 2025."""
    year, month = 2025, 2
    for _ in range(rows):
        published(world.estate, world.property_org, date(year, month, 1), "85.00")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)


BUDGETS = [
    # count; page (the counts are subqueries of the page's query)
    ("anonymous", 2),
    # scope (2); count; page
    ("staff", 4),
    ("outsider", 4),
    ("street_admin", 5),  # + the communities of the street
    # scope (2); committee and company roles; count; page
    ("committee", 5),
    ("property_staff", 5),
]


@pytest.mark.parametrize("rows", [3, 30])
@pytest.mark.parametrize(("name", "queries"), BUDGETS)
def test_list_query_budget_does_not_grow_with_rows(
    request: Any, world: World, name: str, queries: int, rows: int, django_assert_num_queries: Any
) -> None:
    grow(world, rows)
    client = client_as(persona(request, name))
    with django_assert_num_queries(queries):
        response = client.get(URL, {"page_size": 100})
    assert ok(response)["count"] == rows


@pytest.mark.parametrize("rows", [3, 30])
def test_trend_ranking_and_criteria_query_budgets(
    world: World, criteria: Any, rows: int, django_assert_num_queries: Any
) -> None:
    grow(world, rows)
    client = client_as(None)
    # the estate; the rounds
    with django_assert_num_queries(2):
        assert len(ok(client.get(f"{URL}trend/", {"estate": world.estate.pk}))["points"]) == rows
    # the street; the latest rounds
    with django_assert_num_queries(2):
        assert ok(client.get(f"{URL}ranking/", {"street": world.street.pk}))["rows"][0]["estate_count"] == 1
    # the criteria
    with django_assert_num_queries(1):
        assert len(ok(client.get(f"{URL}criteria/"))) == 6


@pytest.mark.parametrize("members", [2, 12])
def test_sheets_query_budget(
    world: World, open_round: OpenRound, score: Score, staff: User, members: int, django_assert_num_queries: Any
) -> None:
    rating_round = open_round()
    for number in range(members):
        score(rating_round, committee_member(world, f"m{number}"))
    client = client_as(staff)
    # scope (2); the round; the sheets with their members; their scores with the criteria
    with django_assert_num_queries(5):
        assert len(ok(client.get(f"{URL}{rating_round.pk}/scores/"))) == members
