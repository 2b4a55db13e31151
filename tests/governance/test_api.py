"""The requests API: every path, the permission matrix, privacy, bad input, filters, query budgets."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from estates.models import Membership, User
from governance import services
from governance.models import EstatePolicy, RequestCategory, RequestPhoto, ResidentRequest
from tests.conftest import World, make_user
from tests.governance.conftest import EN, T0, client_as, fresh, junk_file, photo_file

RequestIn = Callable[[str], ResidentRequest]
FileRequest = Callable[..., ResidentRequest]

PERSONAS = [
    "anonymous",
    "resident",
    "neighbour",
    "committee",
    "director",
    "property_staff",
    "mediator",
    "staff",
    "street_admin",
    "outsider",
    "superuser",
]
SEES_REQUEST = {"resident", "committee", "director", "property_staff", "staff", "street_admin", "superuser"}


def persona(request: Any, name: str) -> User | None:
    if name == "anonymous":
        request.getfixturevalue("world")
        return None
    return fresh(request.getfixturevalue(name))


def act(user: User | None, target: ResidentRequest | int, action: str, data: dict[str, Any] | None = None) -> Any:
    pk = target if isinstance(target, int) else target.pk
    return client_as(user).post(f"/api/v1/requests/{pk}/{action}/", data or {}, format="json")


def ok(response: Any, code: int = 200) -> dict[str, Any]:
    assert response.status_code == code, response.content
    return response.json()


def ids(response: Any) -> list[int]:
    return [row["id"] for row in ok(response)["results"]]


def timeline(user: User, pk: int) -> list[tuple[str, str, str]]:
    body = ok(client_as(user).get(f"/api/v1/requests/{pk}/timeline/"))
    return [(e["action"], e["from_status"], e["to_status"]) for e in body]


def file_via_api(user: User, world: World, **extra: Any) -> dict[str, Any]:
    data = {"category": "plumbing", "place_kind": "household", "household": world.household.pk, "description": "漏水"}
    data.update(extra)
    return ok(client_as(user).post("/api/v1/requests/", data, format="json"), 201)


# ---------------------------------------------------------------- every path through the API


def test_path_without_payment(world: World, plumbing: Any, resident: User, property_staff: User, staff: User) -> None:
    filed = file_via_api(resident, world)
    pk = filed["id"]
    assert (filed["status"], filed["actions"]) == ("submitted", ["withdraw"])
    assert ok(act(property_staff, pk, "accept"))["status"] == "accepted"
    assert ok(act(property_staff, pk, "start", {"note": "师傅已出发"}))["status"] == "in_progress"
    assert ok(act(property_staff, pk, "resolve", {"note": "已疏通"}))["status"] == "resolved"
    closed = ok(act(resident, pk, "confirm", {"rating": 5, "comment": "很快"}))
    assert (closed["status"], closed["rating"], closed["rating_comment"]) == ("closed", 5, "很快")
    assert closed["payment_status"] == "none"
    assert timeline(staff, pk) == [
        ("filed", "", "submitted"),
        ("accepted", "submitted", "accepted"),
        ("started", "accepted", "in_progress"),
        ("resolved", "in_progress", "resolved"),
        ("confirmed", "resolved", "closed"),
    ]


def test_path_with_payment_approved_by_the_director(
    world: World, plumbing: Any, resident: User, property_staff: User, director: User, staff: User
) -> None:
    pk = file_via_api(resident, world)["id"]
    ok(act(property_staff, pk, "accept"))
    quoted = ok(act(property_staff, pk, "quote", {"amount": "1280.00", "note": "更换污水主管"}))
    assert (quoted["status"], quoted["payment_status"], quoted["quote_amount"]) == (
        "awaiting_payment",
        "pending",
        "1280.00",
    )
    assert ok(client_as(director).get(f"/api/v1/requests/{pk}/"))["actions"] == ["approve-payment", "reject-payment"]
    approved = ok(act(director, pk, "approve-payment", {"note": "同意"}))
    assert (approved["status"], approved["payment_status"]) == ("in_progress", "approved")
    assert approved["payment_decided_by"]["id"] == director.pk
    ok(act(property_staff, pk, "resolve"))
    ok(act(resident, pk, "confirm", {"rating": 4}))
    money = ok(APIClient().get("/api/v1/requests/money/", {"estate": world.estate.pk}))
    assert money == {"estate": world.estate.pk, "total": "1280.00", "count": 1}
    assert [a for a, _f, _t in timeline(staff, pk)] == [
        "filed",
        "accepted",
        "quoted",
        "payment_approved",
        "resolved",
        "confirmed",
    ]


def test_path_with_payment_approved_by_a_majority(
    world: World,
    plumbing: Any,
    resident: User,
    property_staff: User,
    committee: User,
    director: User,
    member2: User,
    majority_rule: EstatePolicy,
) -> None:
    pk = file_via_api(resident, world)["id"]
    ok(act(property_staff, pk, "accept"))
    ok(act(property_staff, pk, "start"))
    ok(act(property_staff, pk, "quote", {"amount": "600", "note": "换水泵"}))
    first = ok(act(committee, pk, "approve-payment"))
    assert (first["status"], first["payment_status"]) == ("awaiting_payment", "pending")
    assert act(committee, pk, "approve-payment").status_code == 409  # one vote each
    second = ok(act(member2, pk, "approve-payment", {"note": "同意"}))  # 2 of 3 members
    assert (second["status"], second["payment_status"]) == ("in_progress", "approved")
    assert second["payment_decided_by"]["id"] == member2.pk
    ok(act(property_staff, pk, "resolve"))
    ok(act(resident, pk, "confirm", {"rating": 5}))


def test_path_with_payment_rejected(
    world: World, plumbing: Any, resident: User, property_staff: User, director: User
) -> None:
    pk = file_via_api(resident, world)["id"]
    ok(act(property_staff, pk, "accept"))
    ok(act(property_staff, pk, "quote", {"amount": "900", "note": "换窗"}))
    rejected = ok(act(director, pk, "reject-payment", {"note": "应由物业费承担"}))
    assert (rejected["status"], rejected["payment_status"]) == ("in_progress", "rejected")
    assert ok(act(property_staff, pk, "resolve", {"note": "免费维修"}))["status"] == "resolved"
    ok(act(resident, pk, "confirm", {"rating": 3}))
    assert ok(APIClient().get("/api/v1/requests/money/", {"estate": world.estate.pk}))["total"] == "0.00"


def test_path_reopened(world: World, plumbing: Any, resident: User, property_staff: User) -> None:
    pk = file_via_api(resident, world)["id"]
    for step in ("accept", "start", "resolve"):
        ok(act(property_staff, pk, step))
    reopened = ok(act(resident, pk, "reopen", {"reason": "第二天又堵了"}))
    assert (reopened["status"], reopened["reopen_count"]) == ("in_progress", 1)
    ok(act(property_staff, pk, "resolve", {"note": "换了存水弯"}))
    assert ok(act(resident, pk, "confirm", {"rating": 4}))["reopen_count"] == 1


def test_path_withdrawn(world: World, plumbing: Any, resident: User, property_staff: User) -> None:
    pk = file_via_api(resident, world)["id"]
    ok(act(property_staff, pk, "accept"))
    withdrawn = ok(act(resident, pk, "withdraw", {"note": "自己修好了"}))
    assert (withdrawn["status"], withdrawn["actions"]) == ("withdrawn", [])


def test_path_routed_to_the_community(
    world: World, plumbing: Any, resident: User, property_staff: User, staff: User
) -> None:
    pk = file_via_api(resident, world)["id"]
    routed = ok(act(property_staff, pk, "route", {"note": "公共管网，请社区协调"}))
    assert routed["status"] == "routed"
    assert routed["routed_at"] is not None
    assert act(property_staff, pk, "start").status_code == 403
    ok(act(staff, pk, "start"))
    ok(act(staff, pk, "resolve", {"note": "协调自来水公司处理"}))
    assert ok(act(resident, pk, "confirm", {"rating": 5}))["status"] == "closed"


def test_path_rejected(world: World, plumbing: Any, resident: User, property_staff: User) -> None:
    pk = file_via_api(resident, world)["id"]
    rejected = ok(act(property_staff, pk, "reject", {"reason": "与 #12 重复"}))
    assert (rejected["status"], rejected["resolution_note"]) == ("rejected", "与 #12 重复")


def test_staff_files_for_an_elderly_resident_and_confirms_for_them(
    world: World, plumbing: Any, staff: User, resident: User, property_staff: User
) -> None:
    filed = file_via_api(staff, world, on_behalf_of=resident.pk)
    assert filed["is_filed_by_staff"] is True
    assert (filed["resident"]["id"], filed["filed_by"]["id"]) == (resident.pk, staff.pk)
    for step in ("accept", "start", "resolve"):
        ok(act(property_staff, filed["id"], step))
    assert ok(act(staff, filed["id"], "confirm", {"rating": 5}))["status"] == "closed"
    # the resident sees the request filed for them
    assert ids(client_as(resident).get("/api/v1/requests/")) == [filed["id"]]


def test_escalate_through_the_api(request_in: RequestIn, staff: User) -> None:
    target = request_in("accepted")
    body = ok(act(staff, target, "escalate", {"note": "上联席会议"}))
    assert (body["status"], body["escalation_reason"], body["escalation_note"]) == ("accepted", "manual", "上联席会议")
    assert act(staff, target, "escalate").status_code == 409


# ---------------------------------------------------------------- filing: input and photos


def test_file_with_photos_in_multipart(world: World, plumbing: Any, resident: User) -> None:
    response = client_as(resident).post(
        "/api/v1/requests/",
        {
            "category": "plumbing",
            "place_kind": "public",
            "estate": world.estate.pk,
            "public_place": "3号楼北侧窨井",
            "description": "污水冒出来了",
            "urgency": "urgent",
            "photos": [photo_file("a.jpg"), photo_file("b.jpg")],
        },
        format="multipart",
    )
    body = ok(response, 201)
    assert (body["place_label"], body["urgency"], len(body["photos"])) == ("3号楼北侧窨井", "urgent", 2)
    assert body["photos"][0]["image"].startswith("http://testserver/media/requests/")


def test_one_bad_photo_refuses_the_filing_and_stores_nothing(world: World, plumbing: Any, resident: User) -> None:
    response = client_as(resident).post(
        "/api/v1/requests/",
        {
            "category": "plumbing",
            "place_kind": "household",
            "household": world.household.pk,
            "description": "漏水",
            "photos": [photo_file(), junk_file("scan.jpg")],
        },
        format="multipart",
    )
    assert response.status_code == 400
    assert "scan.jpg" in response.json()["photos"][0]
    assert not ResidentRequest.objects.exists()
    assert not RequestPhoto.objects.exists()


def test_at_most_six_photos_through_the_api(world: World, plumbing: Any, resident: User) -> None:
    response = client_as(resident).post(
        "/api/v1/requests/",
        {
            "category": "plumbing",
            "place_kind": "household",
            "household": world.household.pk,
            "description": "漏水",
            "photos": [photo_file(f"{i}.jpg") for i in range(7)],
        },
        format="multipart",
    )
    assert response.status_code == 400
    assert "photos" in response.json()
    assert not ResidentRequest.objects.exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"category": "unknown"}, "category"),
        ({"category": None}, "category"),
        ({"description": ""}, "description"),
        ({"place_kind": "garden"}, "place_kind"),
        ({"household": None, "place_kind": "public", "public_place": "北门"}, "estate"),
        ({"urgency": "asap"}, "urgency"),
        ({"latitude": "95"}, "latitude"),
        ({"household": 999999}, "household"),
    ],
)
def test_filing_bad_input_is_a_400_with_the_field(
    world: World, plumbing: Any, resident: User, data: dict[str, Any], field: str
) -> None:
    body = {"category": "plumbing", "place_kind": "household", "household": world.household.pk, "description": "漏水"}
    body.update(data)
    response = client_as(resident).post("/api/v1/requests/", body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()


def test_resident_cannot_file_for_a_neighbours_household(
    world: World, plumbing: Any, resident: User, neighbour: User
) -> None:
    response = client_as(resident).post(
        "/api/v1/requests/",
        {
            "category": "plumbing",
            "place_kind": "household",
            "household": world.neighbour_household.pk,
            "description": "x",
        },
        format="json",
    )
    assert response.status_code == 400
    assert "household" in response.json()


@pytest.mark.parametrize(("name", "code"), [("anonymous", 401), ("property_staff", 403), ("outsider", 403)])
def test_who_may_not_file(world: World, plumbing: Any, request: Any, name: str, code: int) -> None:
    response = client_as(persona(request, name)).post(
        "/api/v1/requests/",
        {
            "estate": world.estate.pk,
            "category": "plumbing",
            "place_kind": "public",
            "public_place": "北门",
            "description": "x",
        },
        format="json",
    )
    assert response.status_code == code
    assert not ResidentRequest.objects.exists()


# ---------------------------------------------------------------- bad input on actions


@pytest.mark.parametrize(
    ("status", "who", "action", "data", "field"),
    [
        ("submitted", "property_staff", "accept", {"due_at": "2000-01-01T00:00:00+08:00"}, "due_at"),
        ("submitted", "property_staff", "accept", {"due_at": "tomorrow"}, "due_at"),
        ("accepted", "property_staff", "quote", {"amount": "0", "note": "x"}, "amount"),
        ("accepted", "property_staff", "quote", {"amount": "12.345", "note": "x"}, "amount"),
        ("accepted", "property_staff", "quote", {"amount": "12"}, "note"),
        ("resolved", "resident", "confirm", {"rating": 7}, "rating"),
        ("resolved", "resident", "confirm", {}, "rating"),
        ("resolved", "resident", "reopen", {}, "reason"),
        ("resolved", "resident", "reopen", {"reason": "   "}, "reason"),
        ("submitted", "staff", "reject", {"reason": ""}, "reason"),
    ],
)
def test_bad_action_input_is_a_400_with_a_message(
    request_in: RequestIn, request: Any, status: str, who: str, action: str, data: dict[str, Any], field: str
) -> None:
    target = request_in(status)
    response = act(persona(request, who), target, action, data)
    assert response.status_code == 400, response.content
    assert response.json()[field]
    target.refresh_from_db()
    assert target.status == status


def test_accept_takes_a_due_time(request_in: RequestIn, property_staff: User) -> None:
    due = (timezone.now() + timedelta(days=1)).replace(microsecond=0)
    body = ok(act(property_staff, request_in("submitted"), "accept", {"due_at": due.isoformat()}))
    assert body["due_at"] == timezone.localtime(due).isoformat()


# ---------------------------------------------------------------- illegal moves: 409

ACTION_ACTOR = {
    "accept": ("property_staff", {}),
    "route": ("property_staff", {}),
    "start": ("property_staff", {}),
    "quote": ("property_staff", {"amount": "10.00", "note": "x"}),
    "approve-payment": ("director", {}),
    "reject-payment": ("director", {}),
    "resolve": ("property_staff", {}),
    "confirm": ("resident", {"rating": 3}),
    "reopen": ("resident", {"reason": "x"}),
    "withdraw": ("resident", {}),
    "reject": ("property_staff", {"reason": "x"}),
    "escalate": ("staff", {}),
}
LEGAL = {
    "accept": {"submitted"},
    "route": {"submitted"},
    "start": {"accepted"},
    "quote": {"accepted", "in_progress"},
    "approve-payment": {"awaiting_payment"},
    "reject-payment": {"awaiting_payment"},
    "resolve": {"in_progress"},
    "confirm": {"resolved"},
    "reopen": {"resolved"},
    "withdraw": {"submitted", "accepted", "in_progress"},
    "reject": {"submitted"},
    "escalate": {"submitted", "accepted", "in_progress", "awaiting_payment"},
}
STATUSES = ["submitted", "accepted", "in_progress", "awaiting_payment", "resolved", "closed", "withdrawn", "rejected"]
ILLEGAL = [(action, status) for action in LEGAL for status in STATUSES if status not in LEGAL[action]]


@pytest.mark.parametrize(("action", "status"), ILLEGAL)
def test_every_illegal_move_answers_409_with_a_message(
    request_in: RequestIn, request: Any, action: str, status: str
) -> None:
    target = request_in(status)
    who, data = ACTION_ACTOR[action]
    response = act(persona(request, who), target, action, data)
    assert response.status_code == 409, response.content
    assert response.json()["detail"]
    target.refresh_from_db()
    assert target.status == status


def test_routed_requests_move_only_from_routed(request_in: RequestIn, staff: User) -> None:
    target = request_in("routed")
    assert act(staff, target, "resolve").status_code == 409
    assert act(staff, target, "route").status_code == 409
    assert act(staff, target, "reject", {"reason": "重复"}).status_code == 200


# ---------------------------------------------------------------- the permission matrix


@pytest.mark.parametrize("name", PERSONAS)
def test_list_shows_only_what_the_persona_may_see(
    request: Any, file_request: FileRequest, name: str, world: World, neighbour: User
) -> None:
    mine = file_request()
    neighbours = file_request(by=fresh(neighbour), household=world.neighbour_household)
    user = persona(request, name)
    expected = {
        "resident": [mine.pk],
        "neighbour": [neighbours.pk],
        "anonymous": [],
        "mediator": [],
        "outsider": [],
    }.get(name, [neighbours.pk, mine.pk])
    assert ids(client_as(user).get("/api/v1/requests/")) == expected


@pytest.mark.parametrize("name", PERSONAS)
def test_detail_answers_404_outside_the_scope(request: Any, file_request: FileRequest, name: str) -> None:
    target = file_request()
    user = persona(request, name)
    response = client_as(user).get(f"/api/v1/requests/{target.pk}/")
    assert response.status_code == (200 if name in SEES_REQUEST else 404)
    timeline_response = client_as(user).get(f"/api/v1/requests/{target.pk}/timeline/")
    assert timeline_response.status_code == (200 if name in SEES_REQUEST else 404)
    photos_response = client_as(user).get(f"/api/v1/requests/{target.pk}/photos/")
    assert photos_response.status_code == (200 if name in SEES_REQUEST else 404)


MATRIX = [
    ("accept", "submitted", {}, {"property_staff"}),
    ("route", "submitted", {}, {"property_staff", "staff", "street_admin", "superuser"}),
    ("start", "accepted", {}, {"property_staff"}),
    ("start", "routed", {}, {"staff", "street_admin", "superuser"}),
    ("quote", "accepted", {"amount": "350.00", "note": "换管"}, {"property_staff"}),
    ("approve-payment", "awaiting_payment", {}, {"director"}),
    ("reject-payment", "awaiting_payment", {"note": "太贵"}, {"director"}),
    ("resolve", "in_progress", {"note": "好了"}, {"property_staff"}),
    ("confirm", "resolved", {"rating": 5}, {"resident"}),
    ("reopen", "resolved", {"reason": "又坏了"}, {"resident"}),
    ("withdraw", "submitted", {}, {"resident"}),
    ("reject", "submitted", {"reason": "重复"}, {"property_staff", "staff", "street_admin", "superuser"}),
    ("escalate", "submitted", {}, {"staff", "street_admin", "superuser"}),
]


def expected_code(name: str, allowed: set[str], action: str) -> int:
    if name == "anonymous":
        return 401
    if name not in SEES_REQUEST:
        return 404
    if name in allowed:
        return 200
    if action == "escalate" and name == "resident":
        return 409  # the resident may escalate, but only once the request is late
    return 403


@pytest.mark.parametrize("name", PERSONAS)
@pytest.mark.parametrize(("action", "status", "data", "allowed"), MATRIX, ids=[f"{m[0]}-{m[1]}" for m in MATRIX])
def test_action_permission_matrix(
    request_in: RequestIn,
    request: Any,
    name: str,
    action: str,
    status: str,
    data: dict[str, Any],
    allowed: set[str],
) -> None:
    target = request_in(status)
    response = act(persona(request, name), target, action, data)
    code = expected_code(name, allowed, action)
    assert response.status_code == code, response.content
    target.refresh_from_db()
    if code == 200:
        assert response.json()["id"] == target.pk
    else:
        assert target.status == status
        assert response.json()["detail"]


def test_committee_member_cannot_decide_under_the_director_rule_but_can_under_majority(
    request_in: RequestIn, committee: User
) -> None:
    target = request_in("awaiting_payment")
    assert act(committee, target, "approve-payment").status_code == 403
    EstatePolicy.objects.update_or_create(estate=target.estate, defaults={"payment_rule": "majority"})
    assert ok(act(committee, target, "approve-payment"))["status"] == "awaiting_payment"  # 1 of 2


def test_another_property_company_gets_404(request_in: RequestIn, rival: User) -> None:
    assert act(rival, request_in("submitted"), "accept").status_code == 404


def test_requests_are_not_changed_by_put_patch_or_delete(request_in: RequestIn, staff: User) -> None:
    target = request_in("submitted")
    client = client_as(staff)
    url = f"/api/v1/requests/{target.pk}/"
    assert client.put(url, {"description": "x"}, format="json").status_code == 405
    assert client.patch(url, {"status": "closed"}, format="json").status_code == 405
    assert client.delete(url).status_code == 405


# ---------------------------------------------------------------- privacy of name and phone

PRIVACY = {
    # persona: (resident field on an accepted request, on a submitted one)
    "resident": ({"name": "李居民", "phone": "13812341234"},) * 2,
    "staff": ({"name": "李居民", "phone": "13812341234"},) * 2,
    "street_admin": ({"name": "李居民", "phone": "13812341234"},) * 2,
    "superuser": ({"name": "李居民", "phone": "13812341234"},) * 2,
    # The company that took the request must be able to call the resident.
    "property_staff": ({"name": "李居民", "phone": "13812341234"}, None),
    "colleague": ({"name": "李居民", "phone": "13812341234"}, None),
    "committee": (None, None),
    "director": (None, None),
}


@pytest.mark.parametrize(("name", "expected"), PRIVACY.items())
def test_resident_name_and_phone_only_where_allowed(
    request_in: RequestIn, request: Any, name: str, expected: tuple[Any, Any]
) -> None:
    accepted, submitted = request_in("accepted"), request_in("submitted")
    user = persona(request, name)
    for target, want in zip((accepted, submitted), expected, strict=True):
        body = ok(client_as(user).get(f"/api/v1/requests/{target.pk}/"))
        for field in ("resident", "filed_by"):
            got = body[field] and {"name": body[field]["name"], "phone": body[field]["phone"]}
            assert got == want, (field, target.status)
        events = ok(client_as(user).get(f"/api/v1/requests/{target.pk}/timeline/"))
        filed = events[0]
        assert filed["action"] == "filed"
        assert (filed["by"] is not None) == (want is not None)


def test_list_rows_name_nobody_and_the_request_page_follows_the_privacy(
    request_in: RequestIn, committee: User, staff: User
) -> None:
    target = request_in("accepted")
    for viewer in (committee, staff):
        (row,) = ok(client_as(viewer).get("/api/v1/requests/"))["results"]
        assert not {"resident", "filed_by", "accepted_by", "payment_decided_by", "contact_phone", "photos"} & set(row)
    assert ok(client_as(committee).get(f"/api/v1/requests/{target.pk}/"))["resident"] is None
    assert ok(client_as(staff).get(f"/api/v1/requests/{target.pk}/"))["resident"]["name"] == "李居民"


def test_property_staff_names_stay_visible_to_the_resident_with_masked_phones(
    request_in: RequestIn, resident: User
) -> None:
    body = ok(client_as(resident).get(f"/api/v1/requests/{request_in('accepted').pk}/"))
    assert body["accepted_by"] == {"id": body["accepted_by"]["id"], "name": "刘物业", "phone": "136****4444"}


# ---------------------------------------------------------------- timeline and photos


def test_timeline_lists_who_when_from_to_and_note(request_in: RequestIn, staff: User, property_staff: User) -> None:
    with time_machine.travel(T0, tick=False):
        target = request_in("routed")
    body = ok(client_as(staff).get(f"/api/v1/requests/{target.pk}/timeline/", **EN))
    assert body[1] == {
        "id": body[1]["id"],
        "action": "routed",
        "action_display": "Routed to the community",
        "from_status": "submitted",
        "to_status": "routed",
        "note": "",
        # The history masks every phone: the numbers to call are on the request itself.
        "by": {"id": staff.pk, "name": "王社工", "phone": "138****1111"},
        "is_system": False,
        "at": "2025-03-03T09:00:00+08:00",
    }


def test_system_entries_have_no_person(request_in: RequestIn, staff: User) -> None:
    with time_machine.travel(T0, tick=False):
        target = request_in("submitted")
    with time_machine.travel(T0 + timedelta(days=2), tick=False):
        services.escalate_overdue_requests()
    last = ok(client_as(staff).get(f"/api/v1/requests/{target.pk}/timeline/"))[-1]
    assert (last["action"], last["by"], last["is_system"]) == ("escalated", None, True)


def test_resident_adds_a_photo_and_everyone_in_scope_sees_it(
    request_in: RequestIn, resident: User, committee: User
) -> None:
    target = request_in("submitted")
    response = client_as(resident).post(
        f"/api/v1/requests/{target.pk}/photos/", {"image": photo_file()}, format="multipart"
    )
    photo = ok(response, 201)
    assert (photo["width"], photo["height"]) == (64, 48)
    listed = ok(client_as(committee).get(f"/api/v1/requests/{target.pk}/photos/"))
    assert [p["id"] for p in listed] == [photo["id"]]


@pytest.mark.parametrize(("name", "code"), [("committee", 403), ("neighbour", 404), ("anonymous", 401)])
def test_who_may_not_add_photos(request_in: RequestIn, request: Any, name: str, code: int) -> None:
    target = request_in("submitted")
    response = client_as(persona(request, name)).post(
        f"/api/v1/requests/{target.pk}/photos/", {"image": photo_file()}, format="multipart"
    )
    assert response.status_code == code
    assert not RequestPhoto.objects.exists()


def test_a_bad_photo_is_refused_with_400(request_in: RequestIn, resident: User) -> None:
    target = request_in("submitted")
    response = client_as(resident).post(
        f"/api/v1/requests/{target.pk}/photos/", {"image": junk_file()}, format="multipart"
    )
    assert response.status_code == 400
    assert response.json()["image"]
    assert not RequestPhoto.objects.exists()


# ---------------------------------------------------------------- filters and ordering


def test_filters(
    world: World,
    request_in: RequestIn,
    staff: User,
    resident: User,
    neighbour: User,
    file_request: FileRequest,
    categories: dict[str, RequestCategory],
) -> None:
    with time_machine.travel(T0, tick=False):
        accepted = request_in("accepted")
        submitted = file_request(category=categories["lift"], urgency="urgent")
        neighbours = file_request(by=fresh(neighbour), household=world.neighbour_household)
    with time_machine.travel(T0 + timedelta(days=1), tick=False):
        later = request_in("resolved")
        services.escalate_request(submitted, by=fresh(staff))
    client = client_as(staff)

    def query(**params: Any) -> set[int]:
        return set(ids(client.get("/api/v1/requests/", params)))

    everything = {accepted.pk, submitted.pk, neighbours.pk, later.pk}
    assert query(estate=world.estate.pk) == everything
    assert query(estate=world.other_estate.pk) == set()
    assert query(status=["submitted", "accepted"]) == {accepted.pk, submitted.pk, neighbours.pk}
    assert query(category="lift") == {submitted.pk}
    assert query(urgency="urgent") == {submitted.pk}
    assert query(escalated="true") == {submitted.pk}
    assert query(escalated="false") == everything - {submitted.pk}
    assert query(company=world.property_org.pk) == {accepted.pk, later.pk}
    assert query(created_after="2025-03-04") == {later.pk}
    assert query(created_before="2025-03-03") == {accepted.pk, submitted.pk, neighbours.pk}
    with time_machine.travel(T0 + timedelta(days=3), tick=False):
        assert query(overdue="true") == {accepted.pk}
        assert query(overdue="false") == everything - {accepted.pk}
    assert set(ids(client_as(resident).get("/api/v1/requests/", {"mine": "true"}))) == {
        accepted.pk,
        submitted.pk,
        later.pk,
    }
    assert client.get("/api/v1/requests/", {"status": "lost"}).status_code == 400


def test_queue_ordered_by_due_time(request_in: RequestIn, property_staff: User) -> None:
    first = request_in("accepted")
    second = request_in("accepted")
    services.accept_request(
        request_in("submitted"), by=fresh(property_staff), due_at=timezone.now() + timedelta(hours=1)
    )
    body = ok(client_as(property_staff).get("/api/v1/requests/", {"ordering": "due_at", "status": "accepted"}))
    due = [row["due_at"] for row in body["results"]]
    assert due == sorted(due)
    assert [row["id"] for row in body["results"]][1:] == [first.pk, second.pk]


# ---------------------------------------------------------------- query budgets


def grow(world: World, rows: int, resident: User, property_staff: User, plumbing: Any) -> None:
    """`rows` requests: every other one taken by the company, each with a photo."""
    for i in range(rows):
        request = services.file_request(
            world.estate,
            by=fresh(resident),
            category=plumbing,
            place_kind="household",
            household=world.household,
            description=f"第{i}件事",
            photos=[photo_file()],
        )
        if i % 2:
            services.accept_request(request, by=fresh(property_staff))


BUDGETS = [
    # scope (memberships; estates of the staffed community); count; page joined with estate,
    # category and company; by id: the households (with unit and building). A list's summary
    # names no person and shows no photo (RequestSummarySerializer).
    ("staff", 5),
    # scope (memberships; communities of the street; their estates); count; page; households
    ("street_admin", 6),
    # scope (memberships; estates the company serves); count; page; households; the company
    # roles for `actions`
    ("property_staff", 6),
    ("committee", 6),
    # scope (memberships only); count; page; households
    ("resident", 4),
    # count; page; households
    ("superuser", 3),
    # nothing: the public sees no request
    ("anonymous", 0),
]


@pytest.mark.parametrize("rows", [3, 30])
@pytest.mark.parametrize(("name", "queries"), BUDGETS)
def test_list_query_budget_does_not_grow_with_rows(
    world: World,
    request: Any,
    resident: User,
    property_staff: User,
    plumbing: Any,
    name: str,
    queries: int,
    rows: int,
    django_assert_num_queries: Any,
) -> None:
    grow(world, rows, resident, property_staff, plumbing)
    client = client_as(persona(request, name))
    with django_assert_num_queries(queries):
        response = client.get("/api/v1/requests/")
    assert response.status_code == 200
    assert response.json()["count"] == (0 if name == "anonymous" else rows)


@pytest.mark.parametrize("rows", [2, 10])
def test_timeline_and_photo_lists_query_budget(
    world: World,
    request_in: RequestIn,
    staff: User,
    resident: User,
    rows: int,
    django_assert_num_queries: Any,
) -> None:
    target = request_in("accepted")
    for _ in range(rows):
        services.add_request_photo(target, by=fresh(resident), upload=photo_file())
    client = client_as(staff)
    # scope (2); the request; the events joined with their people
    with django_assert_num_queries(4):
        assert len(ok(client.get(f"/api/v1/requests/{target.pk}/timeline/"))) == rows + 2
    client = client_as(staff)
    # scope (2); the request; its photos
    with django_assert_num_queries(4):
        assert len(ok(client.get(f"/api/v1/requests/{target.pk}/photos/"))) == rows


# ---------------------------------------------------------------- the whole body


def test_request_detail_whole_body(
    world: World, request_in: RequestIn, resident: User, property_staff: User, file_request: FileRequest
) -> None:
    with time_machine.travel(T0, tick=False):
        target = file_request(photos=[photo_file()], urgency="urgent")
        services.accept_request(target, by=fresh(property_staff))
    photo = target.photos.get()
    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        body = ok(client_as(resident).get(f"/api/v1/requests/{target.pk}/", **EN))
    assert body == {
        "id": target.pk,
        "estate": world.estate.pk,
        "estate_name": "蕴园小区",
        "category": "plumbing",
        "category_name": "Plumbing and sewage",
        "place_kind": "household",
        "place_kind_display": "Household",
        "household": world.household.pk,
        "unit": None,
        "building": None,
        "public_place": "",
        "place_label": "3号楼3单元501",
        "description": "厨房下水道堵了",
        "urgency": "urgent",
        "urgency_display": "Urgent",
        "status": "accepted",
        "status_display": "Accepted",
        "resident": {"id": resident.pk, "name": "李居民", "phone": "13812341234"},
        "filed_by": {"id": resident.pk, "name": "李居民", "phone": "13812341234"},
        "is_filed_by_staff": False,
        "contact_phone": "13812341234",
        "contact_cleared_at": None,
        "accepted_by": {"id": property_staff.pk, "name": "刘物业", "phone": "136****4444"},
        "accepted_by_organisation": world.property_org.pk,
        "accepted_by_organisation_name": "蕴和物业",
        "accepted_at": "2025-03-03T09:00:00+08:00",
        "due_at": "2025-03-05T09:00:00+08:00",
        "is_overdue": False,
        "routed_at": None,
        "started_at": None,
        "quote_amount": None,
        "quote_note": "",
        "quoted_at": None,
        "payment_status": "none",
        "payment_status_display": "No payment",
        "payment_decided_at": None,
        "payment_decided_by": None,
        "resolved_at": None,
        "resolution_note": "",
        "closed_at": None,
        "rating": None,
        "rating_comment": "",
        "confirmed_at": None,
        "reopen_count": 0,
        "escalated_at": None,
        "escalation_reason": "",
        "escalation_reason_display": "",
        "escalation_note": "",
        "latitude": None,
        "longitude": None,
        "photos": [
            {
                "id": photo.pk,
                "image": f"http://testserver{photo.image.url}",
                "thumbnail": None,
                "width": 64,
                "height": 48,
                "uploaded_at": "2025-03-03T09:00:00+08:00",
            }
        ],
        "actions": ["withdraw"],
        "created_at": "2025-03-03T09:00:00+08:00",
        "updated_at": "2025-03-03T09:00:00+08:00",
    }


def test_category_name_is_in_chinese_by_default(request_in: RequestIn, resident: User) -> None:
    body = ok(client_as(resident).get(f"/api/v1/requests/{request_in('submitted').pk}/"))
    assert body["category_name"] == "上下水与排污"


def test_schema_lists_the_request_actions(db: Any) -> None:
    text = APIClient().get("/api/schema/").content.decode()
    for path in (
        "/api/v1/requests/",
        "/api/v1/requests/{id}/accept/",
        "/api/v1/requests/{id}/approve-payment/",
        "/api/v1/requests/{id}/reject-payment/",
        "/api/v1/requests/{id}/timeline/",
        "/api/v1/requests/{id}/photos/",
        "/api/v1/requests/figures/",
        "/api/v1/requests/money/",
    ):
        assert f"{path}:" in text


def test_money_counts_approved_quotes_only(
    world: World, request_in: RequestIn, director: User, resident: User, property_staff: User
) -> None:
    approved = services.approve_payment(request_in("awaiting_payment"), by=fresh(director))
    services.approve_payment(
        services.quote_request(request_in("accepted"), by=fresh(property_staff), amount="99.50", note="x"),
        by=fresh(director),
    )
    request_in("awaiting_payment")  # pending: not spent
    withdrawn = services.approve_payment(request_in("awaiting_payment"), by=fresh(director))
    services.withdraw_request(withdrawn, by=fresh(resident))
    assert approved.quote_amount == Decimal("350.00")
    body = ok(APIClient().get("/api/v1/requests/money/", {"estate": world.estate.pk}))
    assert body == {"estate": world.estate.pk, "total": "449.50", "count": 2}


def test_money_needs_a_known_estate(world: World) -> None:
    assert APIClient().get("/api/v1/requests/money/").status_code == 400
    assert APIClient().get("/api/v1/requests/money/", {"estate": "x"}).status_code == 400
    assert APIClient().get("/api/v1/requests/money/", {"estate": 999999}).status_code == 404


def test_ended_committee_membership_loses_the_vote(request_in: RequestIn, director: User) -> None:
    target = request_in("awaiting_payment")
    Membership.objects.filter(user=director).update(ended_on=timezone.localdate())
    assert act(director, target, "approve-payment").status_code == 404


def test_a_second_committee_member_of_another_estate_cannot_vote(world: World, request_in: RequestIn) -> None:
    far = make_user("far")
    Membership.objects.create(
        user=far, role="committee_member", organisation=world.other_committee_org, position="主任"
    )
    assert act(far, request_in("awaiting_payment"), "approve-payment").status_code == 404


def test_categories_are_public_in_order_and_in_the_active_language(
    categories: dict[str, RequestCategory], django_assert_num_queries: Any
) -> None:
    categories["lift"].is_active = False
    categories["lift"].save()
    client = APIClient()
    with django_assert_num_queries(1):
        body = client.get("/api/v1/requests/categories/", **EN).json()
    codes = [row["code"] for row in body]
    assert "lift" not in codes
    assert codes[:2] == ["repair", "plumbing"]
    plumbing = next(row for row in body if row["code"] == "plumbing")
    assert plumbing == {
        "id": categories["plumbing"].pk,
        "code": "plumbing",
        "name": "Plumbing and sewage",
        "name_zh": "上下水与排污",
        "name_en": "Plumbing and sewage",
        "take_within": 24,
        "resolve_within": 48,
    }
    assert client.get("/api/v1/requests/categories/").json()[0]["name"] == "维修"


def test_a_member_who_voted_is_no_longer_offered_the_vote(
    request_in: RequestIn, committee: User, member2: User, majority_rule: EstatePolicy
) -> None:
    target = request_in("awaiting_payment")
    url = f"/api/v1/requests/{target.pk}/"
    assert ok(client_as(committee).get(url))["actions"] == ["approve-payment", "reject-payment"]
    ok(act(committee, target, "approve-payment"))
    assert ok(client_as(committee).get(url))["actions"] == []
    assert ok(client_as(member2).get(url))["actions"] == ["approve-payment", "reject-payment"]


@pytest.mark.parametrize(
    ("name", "status", "expected"),
    [
        ("property_staff", "submitted", ["accept", "route", "reject"]),
        ("staff", "submitted", ["route", "reject", "escalate"]),
        ("property_staff", "accepted", ["start", "quote"]),
        ("property_staff", "in_progress", ["quote", "resolve"]),
        ("resident", "resolved", ["confirm", "reopen"]),
        ("staff", "routed", ["start", "reject", "escalate"]),
        ("committee", "submitted", []),
        ("resident", "closed", []),
    ],
)
def test_actions_offered_to_each_role(
    request_in: RequestIn, request: Any, name: str, status: str, expected: list[str]
) -> None:
    target = request_in(status)
    assert ok(client_as(persona(request, name)).get(f"/api/v1/requests/{target.pk}/"))["actions"] == expected
