"""The dashboard (/ and GET /api/v1/dashboard/): each role's section, computed inside the
person's scope, with a query count that does not grow with the rows.

The scene, at T0 = 2025-03-03 09:00 in Yangquan, in 蕴园小区 (plumbing: take within 24 h,
resolve within 48 h):
- `overdue`: filed and taken five days ago, due three days ago;
- `late`: filed three days ago and still not taken (it had to be taken within a day);
- `fresh`: filed two hours ago, waiting;
- `quoted`: taken yesterday, the company asks the committee to pay ¥350.00;
- `closed`: confirmed with four stars;
- in 体委小区 (the outsider's side) one waiting request, a meeting and a grade;
- a joint meeting in two days, published grades for January (86.50) and February (92.00),
  March's rating round open; two projects (the lift under construction at 40 %, the road).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from estates.models import Community, Estate, Membership, Organisation, User
from governance import services
from governance.models import PaymentVote, RatingRound, RatingSheet, RequestCategory, ResidentRequest
from renovations import services as renovations
from renovations.models import Project
from tests.conftest import World, make_user
from tests.estates.test_pages import assert_strict_page

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime(2025, 3, 3, 9, 0, tzinfo=SHANGHAI)
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def fresh(user: User) -> User:
    """The user loaded again: no scope or roles cached from an earlier call."""
    return User.objects.get(pk=user.pk)


def api_client(user: User | None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user=fresh(user))
    return client


def dashboard(user: User | None) -> dict[str, Any]:
    with time_machine.travel(T0, tick=False):
        response = api_client(user).get("/api/v1/dashboard/", **EN)
    assert response.status_code == 200, response.content
    return response.json()


@pytest.fixture
def plumbing(db: Any) -> RequestCategory:
    category, _created = RequestCategory.objects.get_or_create(
        code="plumbing",
        defaults={"name_zh": "上下水与排污", "name_en": "Plumbing and sewage", "take_within": 24, "resolve_within": 48},
    )
    RequestCategory.objects.filter(pk=category.pk).update(
        name_en="Plumbing and sewage", take_within=24, resolve_within=48
    )
    category.refresh_from_db()
    return category


@pytest.fixture
def other_resident(world: World) -> User:
    user = make_user("other_resident", phone="13900001111", full_name="钱居民")
    Membership.objects.create(user=user, role="resident", household=world.other_household, is_owner=True)
    return user


def published(estate: Estate, company: Organisation | None, month: date, score: str) -> RatingRound:
    value = Decimal(score)
    end = (month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return RatingRound.objects.create(
        estate=estate,
        company=company,
        period_start=month,
        period_end=end,
        closes_on=end,
        status="published",
        member_count=1,
        scorer_count=1,
        committee_score=value,
        score=value,
        grade=RatingRound.grade_for(value),
        closed_at=timezone.now(),
        published_at=timezone.now(),
    )


Scene = dict[str, Any]


@pytest.fixture
def scene(
    world: World,
    plumbing: RequestCategory,
    resident: User,
    property_staff: User,
    committee: User,
    staff: User,
    outsider: User,
    other_resident: User,
) -> Scene:
    def file(at: datetime, by: User = resident, estate: Estate = world.estate, **place: Any) -> ResidentRequest:
        with time_machine.travel(at, tick=False):
            return services.file_request(
                estate,
                by=fresh(by),
                category=plumbing,
                place_kind="household",
                household=place.get("household", world.household),
                description="厨房下水道堵了",
            )

    def at(moment: datetime, service: Callable[..., ResidentRequest], target: ResidentRequest, **kwargs: Any) -> Any:
        with time_machine.travel(moment, tick=False):
            return service(target, **kwargs)

    company = fresh(property_staff)
    closed = file(T0 - timedelta(days=10))
    at(T0 - timedelta(days=10), services.accept_request, closed, by=company)
    at(T0 - timedelta(days=9), services.start_request, closed, by=company)
    at(T0 - timedelta(days=9), services.resolve_request, closed, by=company, note="已疏通")
    closed = at(T0 - timedelta(days=8), services.confirm_request, closed, by=fresh(resident), rating=4)
    overdue = file(T0 - timedelta(days=5))
    overdue = at(T0 - timedelta(days=5), services.accept_request, overdue, by=company)
    late = file(T0 - timedelta(days=3))
    quoted = file(T0 - timedelta(days=1))
    at(T0 - timedelta(days=1), services.accept_request, quoted, by=company)
    quoted = at(T0 - timedelta(hours=20), services.quote_request, quoted, by=company, amount="350.00", note="更换管道")
    waiting = file(T0 - timedelta(hours=2))
    elsewhere = file(
        T0 - timedelta(days=4), by=other_resident, estate=world.other_estate, household=world.other_household
    )

    with time_machine.travel(T0 - timedelta(days=1), tick=False):
        meeting = services.schedule_meeting(
            world.community,
            by=fresh(staff),
            kind="joint",
            title="三月联席会议",
            starts_at=T0 + timedelta(days=2),
            ends_at=T0 + timedelta(days=2, hours=2),
            place="社区会议室",
            organisations=[world.committee_org, world.property_org],
        )
        other_meeting = services.schedule_meeting(
            world.other_community,
            by=fresh(outsider),
            kind="deliberation",
            title="体委小区议事会",
            starts_at=T0 + timedelta(days=1),
            ends_at=T0 + timedelta(days=1, hours=1),
            place="体委小区活动室",
        )
        march = services.open_rating_round(world.estate, by=fresh(staff), period_start=date(2025, 3, 1))
    january = published(world.estate, world.property_org, date(2025, 1, 1), "86.50")
    february = published(world.estate, world.property_org, date(2025, 2, 1), "92.00")
    published(world.other_estate, None, date(2025, 2, 1), "70.00")

    lift = renovations.create_project(world.estate, by=fresh(staff), kind="lift", title="3号楼3单元加装电梯")
    Project.objects.filter(pk=lift.pk).update(status="construction", progress=40)
    road = renovations.create_project(world.estate, by=fresh(staff), kind="road", title="蕴园小区道路拓宽")
    return {
        "closed": closed,
        "overdue": overdue,
        "late": late,
        "quoted": quoted,
        "waiting": waiting,
        "elsewhere": elsewhere,
        "meeting": meeting,
        "other_meeting": other_meeting,
        "march": march,
        "january": january,
        "february": february,
        "lift": lift,
        "road": road,
    }


def ids(rows: list[dict[str, Any]]) -> list[int]:
    return [row["id"] for row in rows]


# ---------------------------------------------------------------- each persona's sections


def test_anonymous_gets_401(world: World) -> None:
    response = api_client(None).get("/api/v1/dashboard/")
    assert response.status_code == 401


def test_staff_sees_open_and_overdue_requests_next_meetings_and_grades(scene: Scene, staff: User) -> None:
    body = dashboard(staff)
    assert body["sections"] == ["staff"]
    assert [estate["name"] for estate in body["estates"]] == ["蕴园小区"]
    section = body["staff"]
    assert (section["open_count"], section["overdue_count"]) == (4, 1)
    assert ids(section["most_overdue"]) == [scene["overdue"].pk]
    assert section["most_overdue"][0]["is_overdue"] is True
    assert section["most_overdue"][0]["due_at"] == "2025-02-28T09:00:00+08:00"
    assert ids(section["meetings"]) == [scene["meeting"].pk]
    assert [(p["period_start"], p["score"], p["grade"]) for p in section["grades"]] == [
        ("2025-01-01", "86.50", "good"),
        ("2025-02-01", "92.00", "excellent"),
    ]
    assert "property" not in body and "area" not in body


def test_staff_sees_at_most_five_overdue_the_most_overdue_first(
    world: World, plumbing: RequestCategory, resident: User, property_staff: User, staff: User
) -> None:
    for days in range(7):
        with time_machine.travel(T0 - timedelta(days=10 + days), tick=False):
            request = services.file_request(
                world.estate,
                by=fresh(resident),
                category=plumbing,
                place_kind="household",
                household=world.household,
                description=f"第{days}件",
            )
            services.accept_request(request, by=fresh(property_staff))
    section = dashboard(staff)["staff"]
    assert section["overdue_count"] == 7
    dues = [row["due_at"] for row in section["most_overdue"]]
    assert len(dues) == 5 and dues == sorted(dues)
    assert dues[0] == "2025-02-17T09:00:00+08:00"


def test_property_staff_sees_the_queue_late_first_then_by_the_time_to_act(scene: Scene, property_staff: User) -> None:
    body = dashboard(property_staff)
    assert body["sections"] == ["property"]
    section = body["property"]
    assert section["companies"] == [{"id": scene["overdue"].accepted_by_organisation_id, "name": "蕴和物业"}]
    assert (section["open_count"], section["late_count"]) == (4, 2)
    assert [(row["status"], row["count"]) for row in section["by_status"]] == [
        ("submitted", 2),
        ("accepted", 1),
        ("in_progress", 0),
        ("awaiting_payment", 1),
    ]
    assert ids(section["queue"]) == [scene[name].pk for name in ("overdue", "late", "waiting", "quoted")]
    assert [row["is_late"] for row in section["queue"]] == [True, True, False, False]
    # A waiting request is to be taken within a day of filing.
    assert section["queue"][1]["act_by"] == "2025-03-01T09:00:00+08:00"
    assert scene["elsewhere"].pk not in ids(section["queue"])


def test_committee_member_sees_payments_to_approve_and_rounds_to_score(scene: Scene, committee: User) -> None:
    body = dashboard(committee)
    assert body["sections"] == ["committee"]
    section = body["committee"]
    assert (section["payment_count"], section["payment_total"]) == (1, "350.00")
    payment = section["payments"][0]
    assert (payment["id"], payment["quote_amount"], payment["quote_note"], payment["company_name"]) == (
        scene["quoted"].pk,
        "350.00",
        "更换管道",
        "蕴和物业",
    )
    assert ids(section["ratings"]) == [scene["march"].pk]


def test_a_payment_the_member_voted_on_and_a_round_they_scored_leave_their_list(
    scene: Scene, world: World, committee: User
) -> None:
    colleague = make_user("member2", full_name="钱委员")
    Membership.objects.create(user=colleague, role="committee_member", organisation=world.committee_org)
    PaymentVote.objects.create(request=scene["quoted"], member=committee, approve=True)
    RatingSheet.objects.create(round=scene["march"], member=committee)
    section = dashboard(committee)["committee"]
    assert (section["payment_count"], section["payments"], section["ratings"]) == (0, [], [])
    # Another member still has both to do.
    other = dashboard(colleague)["committee"]
    assert (other["payment_count"], len(other["ratings"])) == (1, 1)


def test_resident_sees_their_latest_requests_and_their_estates_projects(scene: Scene, resident: User) -> None:
    body = dashboard(resident)
    assert body["sections"] == ["resident"]
    section = body["resident"]
    assert section["request_count"] == 5
    assert ids(section["requests"]) == [scene[name].pk for name in ("waiting", "quoted", "late", "overdue", "closed")]
    assert section["requests"][0]["status_display"] == "Submitted"
    assert section["estates"] == [scene["lift"].estate_id]
    assert [(p["title"], p["status"], p["progress"]) for p in section["projects"]] == [
        ("3号楼3单元加装电梯", "construction", 40),
        ("蕴园小区道路拓宽", "proposed", 0),
    ]


def test_street_admin_compares_communities_and_companies(scene: Scene, world: World, street_admin: User) -> None:
    quiet = Community.objects.create(street=world.street, name="桃北社区")
    Estate.objects.create(community=quiet, name="桃园小区")
    body = dashboard(street_admin)
    assert body["sections"] == ["area"]
    area = body["area"]
    rows = {row["name"]: row for row in area["communities"]}
    assert list(rows) == ["小阳泉北社区", "桃北社区"]
    assert rows["小阳泉北社区"] | {"id": 0} == {
        "id": 0,
        "name": "小阳泉北社区",
        "estate_count": 1,
        "open_count": 4,
        "overdue_count": 1,
        "overdue_share": 0.25,
        "rated_count": 1,
        "average_rating": 4.0,
        "score": "92.00",
        "grade": "excellent",
        "grade_display": "Excellent (优秀)",
    }
    quiet_row = rows["桃北社区"]
    assert (quiet_row["open_count"], quiet_row["overdue_share"], quiet_row["score"]) == (0, None, None)
    assert [row["name"] for row in area["companies"]] == ["蕴和物业"]
    assert area["companies"][0]["open_count"] == 4
    assert area["companies"][0]["grade"] == "excellent"
    # 体委小区 is on another street.
    assert "中心广场社区" not in rows


def test_a_company_is_graded_by_its_own_rounds_only(scene: Scene, world: World, street_admin: User) -> None:
    # March's grade of 蕴园小区 was given while no company served it.
    RatingRound.objects.filter(pk=scene["march"].pk).delete()
    published(world.estate, None, date(2025, 3, 1), "65.00")
    area = dashboard(street_admin)["area"]
    assert (area["communities"][0]["score"], area["communities"][0]["grade"]) == ("65.00", "pass")
    # The company's own latest grade there is February's, as in the ranking.
    assert (area["companies"][0]["score"], area["companies"][0]["grade"]) == ("92.00", "excellent")


def test_the_comparison_follows_each_request_changed_through_the_services(
    scene: Scene, world: World, resident: User, property_staff: User, street_admin: User
) -> None:
    def figures() -> tuple[dict[str, Any], dict[str, Any]]:
        area = dashboard(street_admin)["area"]
        return area["communities"][0], area["companies"][0]

    keys = ("open_count", "overdue_count", "rated_count", "average_rating")
    community, company = figures()
    assert [community[key] for key in keys] == [company[key] for key in keys] == [4, 1, 1, 4.0]
    # The overdue request is done at last, and the resident gives it two stars.
    company_staff = fresh(property_staff)
    with time_machine.travel(T0 - timedelta(hours=1), tick=False):
        services.start_request(scene["overdue"], by=company_staff)
        services.resolve_request(scene["overdue"], by=company_staff, note="已疏通")
    community, company = figures()
    assert [community[key] for key in keys] == [company[key] for key in keys] == [3, 0, 1, 4.0]
    with time_machine.travel(T0 - timedelta(minutes=30), tick=False):
        services.confirm_request(scene["overdue"], by=fresh(resident), rating=2)
    community, company = figures()
    assert [community[key] for key in keys] == [company[key] for key in keys] == [3, 0, 2, 3.0]
    # A request filed now counts at once; one whose due time passes becomes overdue with the clock.
    with time_machine.travel(T0 - timedelta(minutes=10), tick=False):
        filed = services.file_request(
            world.estate,
            by=fresh(resident),
            category=scene["overdue"].category,
            place_kind="household",
            household=world.household,
            description="楼道灯不亮",
        )
        services.accept_request(filed, by=company_staff, due_at=T0 - timedelta(minutes=5))
    community, _company = figures()
    assert [community[key] for key in keys] == [4, 1, 2, 3.0]


def test_outsider_sees_nothing_of_yunyuan(scene: Scene, outsider: User) -> None:
    body = dashboard(outsider)
    assert body["sections"] == ["staff"]
    assert [estate["name"] for estate in body["estates"]] == ["体委小区"]
    section = body["staff"]
    assert (section["open_count"], section["overdue_count"], section["most_overdue"]) == (1, 0, [])
    assert ids(section["meetings"]) == [scene["other_meeting"].pk]
    assert [p["estate_name"] for p in section["grades"]] == ["体委小区"]
    assert "蕴园" not in str(body)


def test_a_person_with_several_roles_gets_each_section(scene: Scene, world: World, resident: User) -> None:
    Membership.objects.create(user=resident, role="committee_member", organisation=world.committee_org)
    body = dashboard(resident)
    assert body["sections"] == ["committee", "resident"]
    assert body["committee"]["payment_count"] == 1
    assert body["resident"]["request_count"] == 5


def test_mediator_gets_no_role_section_but_their_estate(scene: Scene, mediator: User) -> None:
    body = dashboard(mediator)
    assert (body["sections"], [e["name"] for e in body["estates"]]) == ([], ["蕴园小区"])


# ---------------------------------------------------------------- the whole body


def test_property_staff_dashboard_whole_body(
    world: World, plumbing: RequestCategory, resident: User, property_staff: User
) -> None:
    with time_machine.travel(T0 - timedelta(hours=30), tick=False):
        request = services.file_request(
            world.estate,
            by=fresh(resident),
            category=plumbing,
            place_kind="household",
            household=world.household,
            description="楼道灯不亮",
        )
    assert dashboard(property_staff) == {
        "sections": ["property"],
        "estates": [
            {
                "id": world.estate.pk,
                "name": "蕴园小区",
                "community": world.community.pk,
                "community_name": "小阳泉北社区",
                "street": world.street.pk,
                "street_name": "上站街道",
                "district_name": "城区",
                "address": "",
                "management_mode": "property_company",
                "management_mode_display": "Property company",
                "built_year": None,
                "description": "",
                "latitude": None,
                "longitude": None,
                "building_count": 1,
                "household_count": 2,
                "organisations": [
                    {
                        "id": world.mediation_org.pk,
                        "kind": "mediation_team",
                        "kind_display": "Dispute-mediation team",
                        "name": "蕴园小区居民纠纷化解队",
                    },
                    {
                        "id": world.committee_org.pk,
                        "kind": "owners_committee",
                        "kind_display": "Owners' committee",
                        "name": "蕴园小区业主委员会",
                    },
                    {
                        "id": world.property_org.pk,
                        "kind": "property_company",
                        "kind_display": "Property company",
                        "name": "蕴和物业",
                    },
                ],
                "can_manage": False,
            }
        ],
        "estates_more": False,
        "property": {
            "companies": [{"id": world.property_org.pk, "name": "蕴和物业"}],
            "open_count": 1,
            "late_count": 1,
            "by_status": [
                {"status": "submitted", "status_display": "Submitted", "count": 1},
                {"status": "accepted", "status_display": "Accepted", "count": 0},
                {"status": "in_progress", "status_display": "In progress", "count": 0},
                {"status": "awaiting_payment", "status_display": "Awaiting payment approval", "count": 0},
            ],
            "queue": [
                {
                    "id": request.pk,
                    "estate": world.estate.pk,
                    "estate_name": "蕴园小区",
                    "category_name": "Plumbing and sewage",
                    "place_label": "3号楼3单元501",
                    "status": "submitted",
                    "status_display": "Submitted",
                    "urgency": "normal",
                    "created_at": "2025-03-02T03:00:00+08:00",
                    "due_at": None,
                    "is_overdue": False,
                    "act_by": "2025-03-03T03:00:00+08:00",
                    "is_late": True,
                }
            ],
        },
    }


# ---------------------------------------------------------------- query budgets


def grow(world: World, rows: int, resident: User, property_staff: User, category: RequestCategory) -> None:
    """`rows` requests (waiting, overdue, or with a quote to approve, in turn), `rows` projects
    and `rows` scheduled meetings in 蕴园小区."""
    now = timezone.now()
    statuses = ["submitted", "accepted", "awaiting_payment"]
    ResidentRequest.objects.bulk_create(
        ResidentRequest(
            estate=world.estate,
            category=category,
            place_kind="household",
            household=world.household,
            description=f"第{n}件",
            status=statuses[n % 3],
            filed_by=resident,
            on_behalf_of=resident,
            created_at=now - timedelta(days=3, minutes=n),
            accepted_by_organisation=world.property_org if n % 3 else None,
            due_at=now - timedelta(hours=n + 1) if n % 3 else None,
            quote_amount=Decimal("100.00") if n % 3 == 2 else None,
            quoted_at=now if n % 3 == 2 else None,
            payment_status="pending" if n % 3 == 2 else "none",
        )
        for n in range(rows)
    )
    Project.objects.bulk_create(
        Project(estate=world.estate, kind="road", title=f"项目{n}", progress=n % 100, status="construction")
        for n in range(rows)
    )


# The queries of each persona's dashboard: the scope (the person's roles; for staff and admins,
# the estates those roles reach; for a street admin first the communities of the street), then
# their estates (the estates with their counts; their organisations), then each section:
BUDGETS = {
    # the company and committee roles; the queue's counts by status; the first of the queue;
    # the company's name
    "property_staff": 2 + 2 + 4,
    # the company and committee roles; the payments' count and total; the first payments;
    # the open rounds not scored
    "committee": 2 + 2 + 4,
    # the latest requests; how many in all; the estate's projects
    "resident": 1 + 2 + 3,
    # the open and overdue counts; the most overdue; the next meetings; the grades
    "staff": 2 + 2 + 4,
    # the communities; the companies and the estates they serve; the requests by estate;
    # the latest published grade of each estate; each company's own latest grade in each estate
    "street_admin": 3 + 2 + 5,
}


@pytest.mark.parametrize("rows", [3, 30])
@pytest.mark.parametrize("name", list(BUDGETS))
def test_dashboard_query_count_does_not_grow_with_the_rows(
    request: pytest.FixtureRequest,
    world: World,
    plumbing: RequestCategory,
    resident: User,
    property_staff: User,
    name: str,
    rows: int,
    django_assert_num_queries: Any,
) -> None:
    user = request.getfixturevalue(name)
    grow(world, rows, resident, property_staff, plumbing)
    client = api_client(user)
    with django_assert_num_queries(BUDGETS[name]):
        response = client.get("/api/v1/dashboard/")
    body = response.json()
    assert response.status_code == 200
    if name == "resident":
        assert body["resident"]["request_count"] == rows
        assert len(body["resident"]["projects"]) == min(rows, 12)
    elif name == "staff":
        assert body["staff"]["open_count"] == rows
    elif name == "property_staff":
        assert body["property"]["open_count"] == rows
        assert len(body["property"]["queue"]) == min(rows, 10)
    elif name == "committee":
        assert body["committee"]["payment_count"] == rows // 3
    else:
        assert body["area"]["communities"][0]["open_count"] == rows


# ---------------------------------------------------------------- the page


def page(user: User | None) -> str:
    client = Client()
    if user is not None:
        client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    assert_strict_page(response)
    return response.content.decode()


SECTION_IDS = {
    "staff": "dash-staff",
    "property_staff": "dash-property",
    "committee": "dash-committee",
    "resident": "dash-resident",
    "street_admin": "dash-area",
}


@pytest.mark.parametrize("name", list(SECTION_IDS))
def test_the_page_has_the_persons_sections_only(request: pytest.FixtureRequest, world: World, name: str) -> None:
    html = page(request.getfixturevalue(name))
    for persona, section in SECTION_IDS.items():
        assert (f'id="{section}"' in html) == (persona == name), (name, section)
    assert 'id="my-estates"' in html and 'id="my-notices"' in html
    # ECharts only where a section draws charts.
    assert ("echarts.min.js" in html) == (name in ("staff", "street_admin"))
    assert "js/home.js" in html and "css/dashboard.css" in html


def test_the_area_tables_sort_with_buttons_in_their_headings(street_admin: User) -> None:
    html = page(street_admin)
    assert html.count('class="table table--stack dash-sortable"') == 2
    assert '<th scope="col" aria-sort="ascending"><button type="button" class="sort-button">' in html


def test_visitors_get_the_public_overview_with_its_sections(world: World) -> None:
    html = page(None)
    for section in ("public-figures", "public-minutes", "public-grades", "public-estates"):
        assert f'id="{section}"' in html
    assert "js/home-public.js" in html
    assert "echarts.min.js" not in html
    assert 'id="dash-roles"' not in html
