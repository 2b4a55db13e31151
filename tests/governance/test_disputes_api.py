"""The disputes API: who sees what (404 outside), every action wired with its permission and
answer (403, 409, 400), privacy of the parties, the whole body, filters and query budgets."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import time_machine

from estates.models import Household, Membership, User
from governance import services
from governance.models import AgendaItem, Dispute, Meeting
from tests.conftest import World, make_user
from tests.governance.conftest import EN, T0, client_as, fresh

RaiseDispute = Callable[..., Dispute]

PERSONAS = [
    "resident",
    "neighbour",
    "committee",
    "property_staff",
    "mediator",
    "staff",
    "street_admin",
    "outsider",
    "superuser",
]
SEES = {"resident", "neighbour", "mediator", "staff", "street_admin", "superuser"}


@pytest.fixture
def raise_one(world: World, resident: User, neighbour: User) -> RaiseDispute:
    def _raise(**overrides: Any) -> Dispute:
        fields: dict[str, Any] = {
            "by": fresh(resident),
            "kind": "noise",
            "title": "楼上夜里装修噪音",
            "description": "502 每晚十点后还在装修",
            "parties": [
                {"household": world.household, "side": "applicant"},
                {"household": world.neighbour_household, "side": "respondent"},
            ],
        }
        fields.update(overrides)
        return services.raise_dispute(world.estate, **fields)

    return _raise


@pytest.fixture
def assigned(raise_one: RaiseDispute, mediator: User) -> Dispute:
    return services.assign_mediators(raise_one(), by=fresh(mediator), mediators=[fresh(mediator)])


def persona(request: Any, name: str) -> User | None:
    if name == "anonymous":
        request.getfixturevalue("world")
        return None
    return fresh(request.getfixturevalue(name))


def ok(response: Any, code: int = 200) -> Any:
    assert response.status_code == code, response.content
    return response.json()


def post(user: User | None, path: str, data: dict[str, Any] | None = None) -> Any:
    return client_as(user).post(f"/api/v1/{path}", data or {}, format="json")


# ---------------------------------------------------------------- who sees a dispute


@pytest.mark.parametrize("name", PERSONAS)
def test_list_and_detail_show_a_dispute_only_to_parties_mediators_and_staff(
    request: Any, raise_one: RaiseDispute, name: str
) -> None:
    dispute = raise_one()
    client = client_as(persona(request, name))
    listed = [row["id"] for row in ok(client.get("/api/v1/disputes/"))["results"]]
    detail = client.get(f"/api/v1/disputes/{dispute.pk}/")
    if name in SEES:
        assert listed == [dispute.pk]
        assert detail.status_code == 200
    else:
        assert listed == []
        assert detail.status_code == 404
        assert client.get(f"/api/v1/disputes/{dispute.pk}/timeline/").status_code == 404
        assert client.get(f"/api/v1/disputes/{dispute.pk}/sessions/").status_code == 404


def test_a_neighbour_who_is_not_a_party_gets_404(world: World, raise_one: RaiseDispute, neighbour: User) -> None:
    dispute = raise_one(parties=[{"household": world.household, "side": "applicant"}])
    client = client_as(neighbour)
    assert client.get(f"/api/v1/disputes/{dispute.pk}/").status_code == 404
    assert client.get(f"/api/v1/disputes/{dispute.pk}/timeline/").status_code == 404
    assert client.get(f"/api/v1/disputes/{dispute.pk}/sessions/").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "disputes/",
        "disputes/{pk}/",
        "disputes/{pk}/timeline/",
        "disputes/{pk}/sessions/",
        "disputes/mediators/?estate=1",
    ],
)
def test_anonymous_must_sign_in(raise_one: RaiseDispute, path: str) -> None:
    dispute = raise_one()
    assert client_as(None).get("/api/v1/" + path.format(pk=dispute.pk)).status_code in (401, 403)
    assert post(None, "disputes/", {}).status_code in (401, 403)


ACTIONS: list[tuple[str, dict[str, Any]]] = [
    ("hear", {"note": "听了"}),
    ("settle", {"outcome": "agreement", "note": "和解"}),
    ("assign-mediators", {"mediators": []}),
    ("sessions", {"notes": "调解"}),
    ("add-party", {"household": 0, "side": "respondent"}),
]


@pytest.mark.parametrize(("action", "data"), ACTIONS)
@pytest.mark.parametrize("name", ["outsider", "committee", "property_staff"])
def test_every_action_is_404_for_those_who_do_not_see_the_dispute(
    request: Any, assigned: Dispute, action: str, data: dict[str, Any], name: str
) -> None:
    response = post(persona(request, name), f"disputes/{assigned.pk}/{action}/", data)
    assert response.status_code == 404
    assigned.refresh_from_db()
    assert assigned.stage == "raised"


@pytest.mark.parametrize(("action", "data"), ACTIONS)
def test_parties_may_see_but_not_act(
    request: Any, world: World, assigned: Dispute, mediator: User, action: str, data: dict[str, Any]
) -> None:
    if action == "assign-mediators":
        data = {"mediators": [mediator.pk]}
    homes = {"resident": world.household.pk, "neighbour": world.neighbour_household.pk}
    for name in ("resident", "neighbour"):
        if action == "add-party":
            data = {"household": homes[name]}  # the only household a resident may name
        response = post(persona(request, name), f"disputes/{assigned.pk}/{action}/", data)
        assert response.status_code == 403, (name, response.content)
    assigned.refresh_from_db()
    assert (assigned.stage, assigned.sessions.count()) == ("raised", 0)


# ---------------------------------------------------------------- raising


def test_resident_raises_a_dispute_for_their_home(world: World, resident: User) -> None:
    body = ok(
        post(
            resident,
            "disputes/",
            {
                "kind": "leak",
                "title": "楼上漏水",
                "description": "卫生间天花板渗水",
                "parties": [{"household": world.household.pk, "side": "applicant"}],
            },
        ),
        201,
    )
    assert (body["estate"], body["stage"], body["kind"]) == (world.estate.pk, "raised", "leak")
    assert body["parties"][0]["person"]["name"] == "李居民"  # their own household: they see themself
    assert body["actions"] == []
    assert Dispute.objects.get(pk=body["id"]).raised_by_id == resident.pk


def test_staff_raise_between_two_households(world: World, staff: User, neighbour: User) -> None:
    body = ok(
        post(
            staff,
            "disputes/",
            {
                "estate": world.estate.pk,
                "kind": "parking",
                "title": "车位纠纷",
                "description": "占用车位",
                "parties": [
                    {"household": world.household.pk, "side": "applicant"},
                    {"household": world.neighbour_household.pk, "side": "respondent", "person": neighbour.pk},
                ],
            },
        ),
        201,
    )
    assert [(p["household_label"], p["side"]) for p in body["parties"]] == [
        ("3号楼3单元501", "applicant"),
        ("3号楼3单元502", "respondent"),
    ]
    assert body["parties"][1]["person"] == {"id": neighbour.pk, "name": "张邻居", "phone": "13955556666"}
    assert body["actions"] == ["hear", "sessions", "assign-mediators", "add-party", "settle"]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"kind": "gossip"}, "kind"),
        ({"title": ""}, "title"),
        ({"description": "长" * 2001}, "description"),
        ({"parties": []}, "parties"),
        ({"parties": [{"household": 999999}]}, "parties"),
        ({"parties": "501"}, "parties"),
    ],
)
def test_bad_input_answers_400_with_the_field(world: World, resident: User, data: dict[str, Any], field: str) -> None:
    payload = {
        "kind": "noise",
        "title": "噪音",
        "description": "太吵",
        "parties": [{"household": world.household.pk, "side": "applicant"}],
        **data,
    }
    body = ok(post(resident, "disputes/", payload), 400)
    assert field in body, body
    assert not Dispute.objects.exists()


def test_a_resident_cannot_name_a_household_they_cannot_see(world: World, resident: User) -> None:
    body = ok(
        post(
            resident,
            "disputes/",
            {
                "kind": "noise",
                "title": "噪音",
                "description": "太吵",
                "parties": [
                    {"household": world.household.pk, "side": "applicant"},
                    {"household": world.neighbour_household.pk, "side": "respondent"},
                ],
            },
        ),
        400,
    )
    assert "parties" in body


@pytest.mark.parametrize("name", ["outsider", "committee", "property_staff"])
def test_others_may_not_raise_disputes_in_the_estate(request: Any, world: World, name: str) -> None:
    response = post(
        persona(request, name),
        "disputes/",
        {
            "estate": world.estate.pk,
            "kind": "noise",
            "title": "噪音",
            "description": "太吵",
            "parties": [{"household": world.household.pk, "side": "applicant"}],
        },
    )
    # The outsider cannot even see the household (400); the estate's committee and company may
    # see it in the registry, but may not raise a dispute (403).
    assert response.status_code in (400, 403)
    assert not Dispute.objects.exists()


# ---------------------------------------------------------------- the workflow through the API


def test_mediator_takes_on_holds_a_session_and_settles(world: World, raise_one: RaiseDispute, mediator: User) -> None:
    dispute = raise_one()
    body = ok(post(mediator, f"disputes/{dispute.pk}/assign-mediators/", {"mediators": [mediator.pk]}))
    assert [m["name"] for m in body["mediators"]] == ["周调解"]
    assert body["actions"] == ["hear", "sessions", "assign-mediators", "add-party", "settle"]

    session = ok(
        post(mediator, f"disputes/{dispute.pk}/sessions/", {"notes": "双方到场", "place": "调解室"}),
        201,
    )
    assert (session["notes"], session["place"], session["recorded_by"]["name"]) == ("双方到场", "调解室", "周调解")
    body = ok(client_as(mediator).get(f"/api/v1/disputes/{dispute.pk}/"))
    assert (body["stage"], body["session_count"]) == ("heard", 1)
    assert "hear" not in body["actions"]

    body = ok(post(mediator, f"disputes/{dispute.pk}/settle/", {"outcome": "agreement", "note": "签订协议"}))
    assert (body["stage"], body["outcome"], body["outcome_note"], body["actions"]) == (
        "settled",
        "agreement",
        "签订协议",
        [],
    )
    assert ok(post(mediator, f"disputes/{dispute.pk}/settle/", {"outcome": "agreement", "note": "x"}), 409)
    assert ok(post(mediator, f"disputes/{dispute.pk}/hear/"), 409)
    assert ok(post(mediator, f"disputes/{dispute.pk}/sessions/", {"notes": "x"}), 409)
    timeline = ok(client_as(mediator).get(f"/api/v1/disputes/{dispute.pk}/timeline/"))
    assert [event["action"] for event in timeline] == ["raised", "mediators_assigned", "session_held", "settled"]


def test_hear_moves_raised_to_heard_and_not_again(assigned: Dispute, mediator: User) -> None:
    assert ok(post(mediator, f"disputes/{assigned.pk}/hear/", {"note": "已了解"}))["stage"] == "heard"
    assert ok(post(mediator, f"disputes/{assigned.pk}/hear/"), 409)["detail"]


def test_an_unassigned_mediator_of_the_team_must_take_it_on_first(
    world: World, raise_one: RaiseDispute, mediator: User
) -> None:
    dispute = raise_one()
    body = ok(client_as(mediator).get(f"/api/v1/disputes/{dispute.pk}/"))
    assert body["actions"] == ["assign-mediators"]
    assert post(mediator, f"disputes/{dispute.pk}/hear/").status_code == 403


@pytest.mark.parametrize(
    ("action", "data", "field"),
    [
        ("settle", {"outcome": "won", "note": "x"}, "outcome"),
        ("settle", {"outcome": "agreement"}, "note"),
        ("sessions", {"notes": ""}, "notes"),
        ("sessions", {"notes": "x", "held_at": "yesterday"}, "held_at"),
        ("sessions", {"notes": "x", "held_at": "2999-01-01T10:00:00+08:00"}, "held_at"),
        ("assign-mediators", {"mediators": "me"}, "mediators"),
        ("assign-mediators", {"mediators": [999999]}, "mediators"),
        ("assign-mediators", {"mediators": []}, "mediators"),
        ("add-party", {"household": "x"}, "household"),
    ],
)
def test_bad_action_input_answers_400(
    assigned: Dispute, mediator: User, action: str, data: dict[str, Any], field: str
) -> None:
    body = ok(post(mediator, f"disputes/{assigned.pk}/{action}/", data), 400)
    assert field in body, body


def test_staff_assign_a_committee_member_and_get_400(assigned: Dispute, staff: User, committee: User) -> None:
    body = ok(post(staff, f"disputes/{assigned.pk}/assign-mediators/", {"mediators": [committee.pk]}), 400)
    assert "陈委员" in body["mediators"][0]


def test_the_mediator_adds_the_other_party(world: World, raise_one: RaiseDispute, mediator: User) -> None:
    dispute = raise_one(parties=[{"household": world.household, "side": "applicant"}])
    services.assign_mediators(dispute, by=fresh(mediator), mediators=[fresh(mediator)])
    body = ok(post(mediator, f"disputes/{dispute.pk}/add-party/", {"household": world.neighbour_household.pk}))
    assert [(p["household_label"], p["side"]) for p in body["parties"]] == [
        ("3号楼3单元501", "applicant"),
        ("3号楼3单元502", "respondent"),
    ]
    assert ok(post(mediator, f"disputes/{dispute.pk}/add-party/", {"household": world.household.pk}), 400)


def test_mediators_list_for_the_team_and_staff_only(request: Any, world: World, mediator: User) -> None:
    path = f"/api/v1/disputes/mediators/?estate={world.estate.pk}"
    for name in ("mediator", "staff"):
        body = ok(client_as(persona(request, name)).get(path))
        assert [person["name"] for person in body] == ["周调解"]
    assert ok(client_as(persona(request, "staff")).get(path))[0]["phone"] == "13500005555"
    assert ok(client_as(persona(request, "mediator")).get(path))[0]["phone"] == "13500005555"  # themself
    for name in ("resident", "committee", "outsider"):
        assert client_as(persona(request, name)).get(path).status_code == 404
    assert client_as(persona(request, "staff")).get("/api/v1/disputes/mediators/").status_code == 400


# ---------------------------------------------------------------- privacy


def test_parties_see_each_others_household_but_not_the_people(
    world: World, raise_one: RaiseDispute, staff: User, resident: User, neighbour: User, mediator: User
) -> None:
    dispute = raise_one(
        by=fresh(staff),
        parties=[
            {"household": world.household, "side": "applicant", "person": resident},
            {"household": world.neighbour_household, "side": "respondent", "person": neighbour},
        ],
    )
    services.assign_mediators(dispute, by=fresh(staff), mediators=[mediator])

    def people(user: User) -> list[Any]:
        body = ok(client_as(user).get(f"/api/v1/disputes/{dispute.pk}/"))
        return [(party["household_label"], party["person"]) for party in body["parties"]]

    assert people(resident) == [
        ("3号楼3单元501", {"id": resident.pk, "name": "李居民", "phone": "13812341234"}),
        ("3号楼3单元502", None),
    ]
    assert people(neighbour) == [
        ("3号楼3单元501", None),
        ("3号楼3单元502", {"id": neighbour.pk, "name": "张邻居", "phone": "13955556666"}),
    ]
    # The mediator sees the names; the phones masked (PIPL: whole only for the estate's staff).
    assert people(mediator) == [
        ("3号楼3单元501", {"id": resident.pk, "name": "李居民", "phone": "138****1234"}),
        ("3号楼3单元502", {"id": neighbour.pk, "name": "张邻居", "phone": "139****6666"}),
    ]
    assert people(staff)[1][1]["phone"] == "13955556666"


def test_the_other_party_does_not_learn_who_raised_it(raise_one: RaiseDispute, resident: User, neighbour: User) -> None:
    dispute = raise_one()
    other = ok(client_as(neighbour).get(f"/api/v1/disputes/{dispute.pk}/"))
    assert other["raised_by"] is None
    timeline = ok(client_as(neighbour).get(f"/api/v1/disputes/{dispute.pk}/timeline/"))
    assert timeline[0]["by"] is None
    own = ok(client_as(resident).get(f"/api/v1/disputes/{dispute.pk}/"))
    assert own["raised_by"]["name"] == "李居民"


# ---------------------------------------------------------------- the whole body


def test_dispute_detail_whole_body(
    world: World, raise_one: RaiseDispute, staff: User, resident: User, neighbour: User, mediator: User
) -> None:
    with time_machine.travel(T0, tick=False):
        dispute = raise_one()
        services.assign_mediators(dispute, by=fresh(staff), mediators=[mediator])
        services.hold_session(dispute, by=fresh(mediator), notes="双方到场", place="调解室")
        meeting = Meeting.objects.create(
            title="三月联席会议",
            community=world.community,
            estate=world.estate,
            starts_at=T0 + timedelta(days=3),
            ends_at=T0 + timedelta(days=3, hours=2),
            place="社区会议室",
            organiser=staff,
        )
        AgendaItem.objects.create(meeting=meeting, source="dispute", dispute=dispute, title=dispute.title)
    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        body = ok(client_as(neighbour).get(f"/api/v1/disputes/{dispute.pk}/", **EN))
    parties = list(dispute.parties.order_by("side", "id"))
    assert body == {
        "id": dispute.pk,
        "estate": world.estate.pk,
        "estate_name": "蕴园小区",
        "kind": "noise",
        "kind_display": "Noise",
        "title": "楼上夜里装修噪音",
        "description": "502 每晚十点后还在装修",
        "stage": "heard",
        "stage_display": "Heard (听事)",
        "outcome": "",
        "outcome_display": "",
        "outcome_note": "",
        "parties": [
            {
                "id": parties[0].pk,
                "household": world.household.pk,
                "household_label": "3号楼3单元501",
                "side": "applicant",
                "side_display": "Raised it",
                "person": None,
            },
            {
                "id": parties[1].pk,
                "household": world.neighbour_household.pk,
                "household_label": "3号楼3单元502",
                "side": "respondent",
                "side_display": "Other party",
                "person": None,
            },
        ],
        "mediators": [{"id": mediator.pk, "name": "周调解", "phone": "135****5555"}],
        "raised_by": None,
        "session_count": 1,
        "agenda": [{"meeting": meeting.pk, "meeting_title": "三月联席会议", "starts_at": "2025-03-06T09:00:00+08:00"}],
        "is_party": True,
        "actions": [],
        "created_at": "2025-03-03T09:00:00+08:00",
        "updated_at": "2025-03-03T09:00:00+08:00",
        "settled_at": None,
    }


def test_sessions_and_timeline_whole_body(raise_one: RaiseDispute, mediator: User, staff: User) -> None:
    with time_machine.travel(T0, tick=False):
        dispute = raise_one()
        services.assign_mediators(dispute, by=fresh(staff), mediators=[mediator])
        session = services.hold_session(dispute, by=fresh(mediator), notes="双方到场", place="调解室")
    events = list(dispute.events.order_by("id"))
    client = client_as(mediator)
    assert ok(client.get(f"/api/v1/disputes/{dispute.pk}/sessions/", **EN)) == [
        {
            "id": session.pk,
            "held_at": "2025-03-03T09:00:00+08:00",
            "place": "调解室",
            "notes": "双方到场",
            "recorded_by": {"id": mediator.pk, "name": "周调解", "phone": "13500005555"},
            "recorded_at": "2025-03-03T09:00:00+08:00",
        }
    ]
    assert ok(client.get(f"/api/v1/disputes/{dispute.pk}/timeline/", **EN)) == [
        {
            "id": events[0].pk,
            "action": "raised",
            "action_display": "Raised",
            "from_stage": "",
            "to_stage": "raised",
            "note": "",
            "by": {"id": events[0].by_id, "name": "李居民", "phone": "138****1234"},
            "at": "2025-03-03T09:00:00+08:00",
        },
        {
            "id": events[1].pk,
            "action": "mediators_assigned",
            "action_display": "Mediators assigned",
            "from_stage": "raised",
            "to_stage": "raised",
            "note": "周调解",
            "by": {"id": staff.pk, "name": "王社工", "phone": "138****1111"},
            "at": "2025-03-03T09:00:00+08:00",
        },
        {
            "id": events[2].pk,
            "action": "session_held",
            "action_display": "Mediation session held",
            "from_stage": "raised",
            "to_stage": "heard",
            "note": "调解室",
            "by": {"id": mediator.pk, "name": "周调解", "phone": "13500005555"},
            "at": "2025-03-03T09:00:00+08:00",
        },
    ]


# ---------------------------------------------------------------- filters


def test_filters_by_estate_stage_kind_and_mine(
    world: World, raise_one: RaiseDispute, staff: User, mediator: User, resident: User
) -> None:
    noise = raise_one()
    parking = raise_one(
        by=fresh(staff), kind="parking", parties=[{"household": world.neighbour_household, "side": "applicant"}]
    )
    services.assign_mediators(parking, by=fresh(staff), mediators=[mediator])
    services.hear_dispute(parking, by=fresh(mediator))

    def listed(user: User, query: str) -> list[int]:
        return [row["id"] for row in ok(client_as(user).get(f"/api/v1/disputes/?{query}"))["results"]]

    assert listed(staff, f"estate={world.estate.pk}") == [parking.pk, noise.pk]
    assert listed(staff, f"estate={world.other_estate.pk}") == []
    assert listed(staff, "stage=heard") == [parking.pk]
    assert listed(staff, "stage=raised&stage=heard") == [parking.pk, noise.pk]
    assert listed(staff, "kind=noise") == [noise.pk]
    assert listed(mediator, "mine=true") == [parking.pk]
    assert listed(mediator, "mine=false") == [parking.pk, noise.pk]
    assert listed(resident, "mine=true") == [noise.pk]
    assert listed(staff, "mine=true") == [parking.pk]  # staff raised it
    assert ok(client_as(staff).get("/api/v1/disputes/?stage=closed"), 400)


# ---------------------------------------------------------------- query budgets


def grow(world: World, rows: int, staff: User, mediator: User) -> None:
    for number in range(rows):
        household = Household.objects.create(unit=world.unit, room=f"{700 + number}", floor=7, floor_area="50.00")
        dispute = services.raise_dispute(
            world.estate,
            by=fresh(staff),
            kind="noise",
            title=f"纠纷 {number}",
            description="噪音",
            parties=[
                {"household": world.household, "side": "applicant"},
                {"household": household, "side": "respondent"},
            ],
        )
        services.assign_mediators(dispute, by=fresh(staff), mediators=[mediator])


@pytest.mark.parametrize("rows", [3, 30])
@pytest.mark.parametrize(
    ("name", "queries"),
    [
        # memberships; count; page; parties; mediators; agenda items
        ("resident", 6),
        # memberships; the team's estates (scope); the mediation estates; count; page; 3 prefetches
        ("mediator", 8),
        # memberships; estates (scope); count; page; 3 prefetches; the log of the parties' whole
        # phone numbers shown (one insert, estates.privacy)
        ("staff", 8),
        # memberships; estates (scope); count (nothing to fetch)
        ("outsider", 3),
        # count; page; 3 prefetches; the log of the phone numbers shown
        ("superuser", 6),
    ],
)
def test_list_query_budget(
    request: Any,
    world: World,
    staff: User,
    mediator: User,
    resident: User,
    name: str,
    queries: int,
    rows: int,
    django_assert_num_queries: Any,
) -> None:
    grow(world, rows, staff, mediator)
    client = client_as(persona(request, name))
    with django_assert_num_queries(queries):
        response = client.get("/api/v1/disputes/")
    assert response.status_code == 200
    assert response.json()["count"] == (0 if name == "outsider" else rows)


@pytest.mark.parametrize("rows", [2, 10])
def test_timeline_and_sessions_query_budget(
    assigned: Dispute, mediator: User, rows: int, django_assert_num_queries: Any
) -> None:
    for number in range(rows):
        services.hold_session(assigned, by=fresh(mediator), notes=f"第{number}次")
    client = client_as(mediator)
    # memberships; estates; mediation estates; the dispute with its 3 prefetches; the events with their people
    with django_assert_num_queries(8):
        assert len(ok(client.get(f"/api/v1/disputes/{assigned.pk}/timeline/"))) == rows + 2
    client = client_as(mediator)
    with django_assert_num_queries(8):
        assert len(ok(client.get(f"/api/v1/disputes/{assigned.pk}/sessions/"))) == rows


def test_settled_list_keeps_the_outcome(world: World, assigned: Dispute, mediator: User, request: Any) -> None:
    services.settle_dispute(assigned, by=fresh(mediator), outcome="referred", note="转交司法所")
    row = ok(client_as(mediator).get("/api/v1/disputes/?stage=settled", **EN))["results"][0]
    assert (row["outcome"], row["outcome_display"], row["settled_at"] is not None) == (
        "referred",
        "Referred elsewhere",
        True,
    )


def test_a_second_mediator_of_the_team_can_be_added(world: World, assigned: Dispute, mediator: User) -> None:
    second = make_user("mediator2", full_name="吴调解")
    Membership.objects.create(user=second, role="mediator", organisation=world.mediation_org)
    body = ok(post(mediator, f"disputes/{assigned.pk}/assign-mediators/", {"mediators": [mediator.pk, second.pk]}))
    assert sorted(m["name"] for m in body["mediators"]) == ["吴调解", "周调解"]
    # The new mediator sees it and may act on it.
    assert ok(post(second, f"disputes/{assigned.pk}/hear/"))["stage"] == "heard"
