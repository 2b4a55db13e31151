"""The meetings API: a meeting's whole course through the API, the permission matrix with an
outsider for every endpoint, privacy of public minutes, bad input, filters, whole JSON bodies
and query budgets."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
import time_machine
from rest_framework.test import APIClient

from estates.models import Membership, User
from governance import services
from governance.models import ActionItem, Meeting, ResidentRequest
from tests.conftest import World, make_user
from tests.governance.conftest import EN, T0, client_as, committee_member, fresh
from tests.governance.test_meetings_helpers import PLACE, at, dispute, escalated, hold, schedule

FileRequest = Callable[..., ResidentRequest]


@pytest.fixture(autouse=True)
def _at_t0() -> Iterator[None]:
    with time_machine.travel(T0, tick=True):
        yield


def ok(response: Any, code: int = 200) -> Any:
    assert response.status_code == code, response.content
    return response.json()


def post(user: User | None, path: str, data: dict[str, Any] | None = None) -> Any:
    return client_as(user).post(f"/api/v1/{path}", data or {}, format="json")


def patch(user: User | None, path: str, data: dict[str, Any]) -> Any:
    return client_as(user).patch(f"/api/v1/{path}", data, format="json")


def get(user: User | None, path: str, **params: Any) -> Any:
    return client_as(user).get(f"/api/v1/{path}", params)


def ids(response: Any) -> list[int]:
    return [row["id"] for row in ok(response)["results"]]


def new_meeting_data(world: World, **extra: Any) -> dict[str, Any]:
    data = {
        "kind": "joint",
        "estate": world.estate.pk,
        "starts_at": at(7).isoformat(),
        "ends_at": at(7, 17).isoformat(),
        "place": PLACE,
    }
    data.update(extra)
    return data


# ---------------------------------------------------------------- a meeting's whole course


def test_staff_runs_a_meeting_through_the_api_and_the_public_reads_the_minutes(
    world: World,
    staff: User,
    committee: User,
    property_staff: User,
    resident: User,
    file_request: FileRequest,
) -> None:
    request = escalated(file_request, staff)
    created = ok(
        post(
            staff,
            "meetings/",
            new_meeting_data(
                world,
                title="三月联席会议",
                organisations=[world.committee_org.pk, world.property_org.pk],
                people=[resident.pk],
            ),
        ),
        201,
    )
    pk = created["id"]
    assert (created["status"], created["participant_count"], created["actions"]) == (
        "scheduled",
        3,
        ["edit", "draw", "start", "cancel"],
    )
    items = ok(get(staff, f"meetings/{pk}/agenda-items/"))
    assert [(i["source"], i["request"]["id"]) for i in items] == [("request", request.pk)]
    appeal = ok(post(staff, f"meetings/{pk}/agenda-items/", {"source": "appeal", "title": "居民诉求：楼道堆物"}), 201)
    ordered = ok(post(staff, f"meetings/{pk}/agenda-items/reorder/", {"order": [appeal["id"], items[0]["id"]]}))
    assert [i["id"] for i in ordered] == [appeal["id"], items[0]["id"]]

    assert ok(post(staff, f"meetings/{pk}/start/"))["status"] == "in_progress"
    seats = ok(get(staff, f"meetings/{pk}/participants/"))
    present = [{"participant": s["id"], "attended": s["person"]["name"] != "李居民"} for s in seats]
    seats = ok(post(staff, f"meetings/{pk}/attendance/", {"attendance": present}))
    assert sorted((s["person"]["name"], s["attended"]) for s in seats) == [
        ("刘物业", True),
        ("李居民", False),
        ("陈委员", True),
    ]
    item = ok(
        patch(
            staff,
            f"meetings/{pk}/agenda-items/{items[0]['id']}/",
            {"notes": "物业说明原因", "outcome": "同意维修", "resolution": "物业两周内完成"},
        )
    )
    assert (item["notes"], item["outcome"], item["resolution"]) == ("物业说明原因", "同意维修", "物业两周内完成")
    action = ok(
        post(
            staff,
            "action-items/",
            {
                "meeting": pk,
                "agenda_item": item["id"],
                "title": "更换污水管",
                "owner_organisation": world.property_org.pk,
                "owner": property_staff.pk,
                "due_on": "2025-03-24",
            },
        ),
        201,
    )
    assert ok(post(staff, f"meetings/{pk}/close/"))["actions"] == ["edit", "attendance", "publish-minutes"]
    ok(patch(staff, f"meetings/{pk}/", {"summary": "会议议定污水管更换事宜。"}))
    published = ok(post(staff, f"meetings/{pk}/publish-minutes/"))
    assert published["is_published"] and published["actions"] == []

    minutes = ok(APIClient().get(f"/api/v1/meetings/{pk}/minutes/"))
    assert minutes["summary"] == "会议议定污水管更换事宜。"
    assert [i["title"] for i in minutes["items"]] == ["居民诉求：楼道堆物", "上下水与排污 · 3号楼3单元501"]
    assert minutes["items"][1]["action_items"][0]["id"] == action["id"]
    assert minutes["attendance"]["present"] == 2 and minutes["attendance"]["absent"] == 1
    # The owner of the action item marks it done.
    assert ok(post(property_staff, f"action-items/{action['id']}/complete/", {"note": "已更换"}))["status"] == "done"
    timeline = [e["action"] for e in ok(get(staff, f"meetings/{pk}/timeline/"))]
    assert timeline == ["scheduled", "started", "closed", "published"]


def test_bad_moves_answer_409_with_a_message(world: World, staff: User) -> None:
    meeting = schedule(world, staff)
    response = post(staff, f"meetings/{meeting.pk}/publish-minutes/")
    assert response.status_code == 409 and response.json()["detail"]
    assert post(staff, f"meetings/{meeting.pk}/close/").status_code == 409
    ok(post(staff, f"meetings/{meeting.pk}/cancel/", {"reason": "改期"}))
    assert post(staff, f"meetings/{meeting.pk}/start/").status_code == 409
    assert post(staff, f"meetings/{meeting.pk}/agenda-items/draw/").status_code == 409


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"ends_at": "2025-03-10T14:00:00+08:00"}, "ends_at"),
        ({"starts_at": "yesterday"}, "starts_at"),
        ({"place": ""}, "place"),
        ({"kind": "party"}, "kind"),
        ({"estate": 999999}, "estate"),
        ({"organisations": [999999]}, "organisations"),
        ({"people": ["x"]}, "people"),
        ({"estate": None}, "community"),
    ],
)
def test_scheduling_refuses_bad_input_with_400(world: World, staff: User, change: dict[str, Any], field: str) -> None:
    response = post(staff, "meetings/", new_meeting_data(world, **change))
    assert response.status_code == 400, response.content
    assert field in response.json()


def test_other_bad_input_answers_400(world: World, staff: User, committee: User) -> None:
    meeting = services.start_meeting(schedule(world, staff, organisations=[world.committee_org]), by=fresh(staff))
    pk = meeting.pk
    assert patch(staff, f"meetings/{pk}/", {"starts_at": "soon"}).status_code == 400
    assert post(staff, f"meetings/{pk}/attendance/", {"attendance": []}).status_code == 400
    assert (
        post(
            staff, f"meetings/{pk}/attendance/", {"attendance": [{"participant": 999999, "attended": True}]}
        ).status_code
        == 400
    )
    assert post(staff, f"meetings/{pk}/agenda-items/", {"title": ""}).status_code == 400
    assert post(staff, f"meetings/{pk}/agenda-items/", {"title": "x", "source": "request"}).status_code == 400
    assert post(staff, f"meetings/{pk}/agenda-items/reorder/", {"order": [1, 1]}).status_code == 400
    base = {"meeting": pk, "title": "做事", "due_on": "2025-03-20"}
    assert post(staff, "action-items/", base).status_code == 400  # no owner
    assert post(staff, "action-items/", {**base, "owner": committee.pk, "due_on": "03/20"}).status_code == 400
    assert post(staff, "action-items/", {**base, "owner": committee.pk, "agenda_item": 999999}).status_code == 400
    assert get(staff, "action-items/", owner="someone").status_code == 400
    assert get(staff, "meetings/candidates/").status_code == 400
    item = services.add_action_item(meeting, by=fresh(staff), title="x", owner=committee, due_on=date(2025, 3, 20))
    assert post(staff, f"action-items/{item.pk}/drop/", {"note": ""}).status_code == 400


# ---------------------------------------------------------------- who may do what


@pytest.fixture
def meeting(world: World, staff: User, committee: User, resident: User) -> Meeting:
    """A scheduled meeting of 蕴园小区 with the owners' committee and the resident invited."""
    return schedule(world, staff, organisations=[world.committee_org], people=[resident])


PRIVATE_READS = [
    "meetings/{pk}/",
    "meetings/{pk}/participants/",
    "meetings/{pk}/timeline/",
    "meetings/{pk}/minutes/",
    "meetings/{pk}/agenda-items/",
    "meetings/{pk}/agenda-items/{item}/",
    "action-items/{action}/",
]
WRITES = [
    ("patch", "meetings/{pk}/", {"title": "改名"}),
    ("post", "meetings/{pk}/start/", {}),
    ("post", "meetings/{pk}/close/", {}),
    ("post", "meetings/{pk}/cancel/", {}),
    ("post", "meetings/{pk}/publish-minutes/", {}),
    ("post", "meetings/{pk}/attendance/", {"attendance": [{"participant": "{seat}", "attended": True}]}),
    ("post", "meetings/{pk}/agenda-items/", {"title": "加一项"}),
    ("patch", "meetings/{pk}/agenda-items/{item}/", {"notes": "记录"}),
    ("post", "meetings/{pk}/agenda-items/draw/", {}),
    ("post", "meetings/{pk}/agenda-items/reorder/", {"order": ["{item}"]}),
    ("post", "action-items/{action}/complete/", {}),
    ("post", "action-items/{action}/drop/", {"note": "不做了"}),
]


def fill(value: Any, names: dict[str, int]) -> Any:
    if isinstance(value, str):
        formatted = value.format(**names)
        return int(formatted) if value.startswith("{") and formatted.isdigit() else formatted
    if isinstance(value, list):
        return [fill(v, names) for v in value]
    if isinstance(value, dict):
        return {k: fill(v, names) for k, v in value.items()}
    return value


@pytest.fixture
def names(meeting: Meeting, staff: User, committee: User) -> dict[str, int]:
    item = services.add_agenda_item(meeting, by=fresh(staff), title="议题")
    services.start_meeting(meeting, by=fresh(staff))
    action = services.add_action_item(meeting, by=fresh(staff), title="x", owner=committee, due_on=date(2025, 3, 20))
    return {"pk": meeting.pk, "item": item.pk, "action": action.pk, "seat": meeting.participants.first().pk}


@pytest.mark.parametrize("path", PRIVATE_READS)
def test_outsider_and_public_get_404_on_an_unpublished_meeting(
    names: dict[str, int], outsider: User, neighbour: User, property_staff: User, path: str
) -> None:
    for user in (None, outsider, neighbour, property_staff):
        assert get(user, path.format(**names)).status_code == 404, (user, path)


@pytest.mark.parametrize("path", PRIVATE_READS)
@pytest.mark.parametrize("name", ["staff", "street_admin", "resident", "committee", "superuser"])
def test_staff_participants_and_members_read_the_meeting(
    names: dict[str, int], request: Any, path: str, name: str
) -> None:
    assert get(fresh(request.getfixturevalue(name)), path.format(**names)).status_code == 200


def test_a_new_member_of_a_participating_organisation_reads_it_without_a_seat(
    names: dict[str, int], world: World
) -> None:
    newcomer = committee_member(world, "newcomer")
    assert ok(get(newcomer, f"meetings/{names['pk']}/"))["has_access"] is True
    assert get(newcomer, f"meetings/{names['pk']}/agenda-items/").status_code == 200


@pytest.mark.parametrize(("method", "path", "data"), WRITES)
def test_outsider_gets_404_on_every_write(
    names: dict[str, int], outsider: User, method: str, path: str, data: Any
) -> None:
    response = getattr(client_as(outsider), method)(f"/api/v1/{fill(path, names)}", fill(data, names), format="json")
    assert response.status_code == 404, response.content


@pytest.mark.parametrize(("method", "path", "data"), WRITES)
def test_the_public_must_sign_in_for_every_write(names: dict[str, int], method: str, path: str, data: Any) -> None:
    response = getattr(APIClient(), method)(f"/api/v1/{fill(path, names)}", fill(data, names), format="json")
    assert response.status_code in (401, 403)


@pytest.mark.parametrize(("method", "path", "data"), WRITES[:10])
def test_participants_may_read_but_not_run_the_meeting(
    names: dict[str, int], resident: User, method: str, path: str, data: Any
) -> None:
    response = getattr(client_as(resident), method)(f"/api/v1/{fill(path, names)}", fill(data, names), format="json")
    assert response.status_code == 403, response.content


def test_outsider_cannot_create_for_our_community_or_record_on_our_meeting(
    world: World, names: dict[str, int], outsider: User, resident: User, committee: User
) -> None:
    assert post(outsider, "meetings/", new_meeting_data(world)).status_code == 403
    assert post(resident, "meetings/", new_meeting_data(world)).status_code == 403
    assert post(None, "meetings/", new_meeting_data(world)).status_code in (401, 403)
    data = {"meeting": names["pk"], "title": "x", "owner": committee.pk, "due_on": "2025-03-20"}
    assert post(outsider, "action-items/", data).status_code == 400
    assert post(resident, "action-items/", data).status_code == 403
    assert get(outsider, "meetings/candidates/", community=world.community.pk).status_code == 403
    assert get(resident, "meetings/candidates/", community=world.community.pk).status_code == 403
    assert get(None, "meetings/candidates/", community=world.community.pk).status_code in (401, 403)
    assert Meeting.objects.count() == 1 and ActionItem.objects.count() == 1


def test_lists_show_the_outsider_nothing_of_ours(names: dict[str, int], outsider: User) -> None:
    assert ids(get(outsider, "meetings/")) == []
    assert ids(get(outsider, "action-items/")) == []
    assert ids(get(None, "meetings/")) == []


def test_owner_completes_their_action_item_and_other_participants_may_not(
    names: dict[str, int], committee: User, resident: User
) -> None:
    action = names["action"]
    assert post(resident, f"action-items/{action}/complete/").status_code == 403
    body = ok(get(committee, f"action-items/{action}/"))
    assert body["actions"] == ["complete", "drop"]
    assert ok(post(committee, f"action-items/{action}/drop/", {"note": "另行处理"}))["status"] == "dropped"
    assert post(committee, f"action-items/{action}/complete/").status_code == 409


# ---------------------------------------------------------------- published minutes are public, without personal data


@pytest.fixture
def published(world: World, staff: User, committee: User, resident: User, file_request: FileRequest) -> Meeting:
    escalated(file_request, staff)
    dispute(world, staff, title="502与402漏水纠纷")
    meeting = schedule(world, staff, organisations=[world.committee_org], people=[resident])
    services.start_meeting(meeting, by=fresh(staff))
    services.record_attendance(
        meeting, by=fresh(staff), attendance=[(seat.pk, True) for seat in meeting.participants.all()]
    )
    services.close_meeting(meeting, by=fresh(staff))
    services.update_meeting(meeting, by=fresh(staff), summary="纪要")
    return services.publish_minutes(meeting, by=fresh(staff))


def test_published_minutes_are_public_without_personal_data(published: Meeting, outsider: User) -> None:
    for viewer in (None, outsider):
        detail = ok(get(viewer, f"meetings/{published.pk}/"))
        assert (detail["has_access"], detail["is_published"], detail["summary"]) == (False, True, "纪要")
        assert ids(get(viewer, "meetings/")) == [published.pk]
        minutes = ok(client_as(viewer).get(f"/api/v1/meetings/{published.pk}/minutes/", **EN))
        assert [i["title"] for i in minutes["items"]] == [
            "Plumbing and sewage · 3号楼3单元501",
            "Dispute: Water leaking between flats",
        ]
        assert "502与402" not in str(minutes)
        people = minutes["attendance"]["people"]
        assert [(p["name"], p["organisation_name"]) for p in people] == [
            ("陈委员", "蕴园小区业主委员会"),
            (None, None),
        ]
        # Neither the resident's name nor their phone, whole or masked (a bare "138" would also
        # match an id).
        assert all(fragment not in str(minutes) for fragment in ("李居民", "13812341234", "138****1234"))
        # The agenda and the participants stay private.
        assert get(viewer, f"meetings/{published.pk}/agenda-items/").status_code == 404
        assert get(viewer, f"meetings/{published.pk}/participants/").status_code == 404


def test_participants_read_the_names_in_the_minutes(published: Meeting, resident: User) -> None:
    minutes = ok(get(resident, f"meetings/{published.pk}/minutes/"))
    assert sorted(p["name"] for p in minutes["attendance"]["people"]) == ["李居民", "陈委员"]
    assert minutes["items"][1]["title"] == "502与402漏水纠纷"


def test_draft_minutes_are_for_those_who_see_the_meeting(meeting: Meeting, resident: User, outsider: User) -> None:
    assert ok(get(resident, f"meetings/{meeting.pk}/minutes/"))["is_published"] is False
    assert get(outsider, f"meetings/{meeting.pk}/minutes/").status_code == 404
    assert get(None, f"meetings/{meeting.pk}/minutes/").status_code == 404


# ---------------------------------------------------------------- filters


def test_meeting_filters(world: World, staff: User, resident: User, neighbour: User) -> None:
    mine = schedule(world, staff, days=2, people=[resident], kind="hearing")
    other = schedule(world, staff, days=40, people=[neighbour])
    community = schedule(world, staff, days=10, estate=None)
    done = hold(schedule(world, staff, days=1, people=[resident]), staff, publish=True)
    client = client_as(staff)
    listed = lambda **params: [row["id"] for row in client.get("/api/v1/meetings/", params).json()["results"]]  # noqa: E731
    assert listed() == [other.pk, community.pk, mine.pk, done.pk]
    assert listed(estate=world.estate.pk) == [other.pk, mine.pk, done.pk]
    assert listed(community=world.community.pk, kind="hearing") == [mine.pk]
    assert listed(status="closed") == [done.pk]
    assert listed(**{"from": "2025-03-05", "to": "2025-03-13"}) == [community.pk, mine.pk]
    assert listed(published="true") == [done.pk]
    assert listed(ordering="starts_at")[0] == done.pk
    assert ids(get(resident, "meetings/", mine="true")) == [mine.pk, done.pk]
    assert ids(get(staff, "meetings/", mine="true")) == [other.pk, community.pk, mine.pk, done.pk]
    assert get(staff, "meetings/", **{"from": "soon"}).status_code == 400


def test_action_item_filters(world: World, staff: User, committee: User, property_staff: User) -> None:
    meeting = services.start_meeting(schedule(world, staff, days=0), by=fresh(staff))
    late = services.add_action_item(meeting, by=fresh(staff), title="迟了", owner=committee, due_on=date(2025, 3, 3))
    company = services.add_action_item(
        meeting, by=fresh(staff), title="物业", owner_organisation=world.property_org, due_on=date(2025, 4, 1)
    )
    done = services.add_action_item(meeting, by=fresh(staff), title="已办", owner=committee, due_on=date(2025, 4, 2))
    services.complete_action_item(done, by=fresh(committee))
    with time_machine.travel(T0.replace(day=10), tick=False):
        assert ids(get(staff, "action-items/", overdue="true")) == [late.pk]
        assert ids(get(staff, "action-items/", overdue="false")) == [company.pk, done.pk]
    assert ids(get(committee, "action-items/", owner="me")) == [late.pk, done.pk]
    assert ids(get(property_staff, "action-items/", owner="me")) == [company.pk]
    assert ids(get(staff, "action-items/", owner=committee.pk, status="open")) == [late.pk]
    assert ids(get(staff, "action-items/", meeting=meeting.pk, estate=world.estate.pk)) == [
        late.pk,
        company.pk,
        done.pk,
    ]
    assert ids(get(staff, "action-items/", meeting=meeting.pk + 1)) == []


def test_candidates_are_the_communitys_people_and_organisations(
    world: World, staff: User, resident: User, committee: User, outsider: User
) -> None:
    body = ok(client_as(staff).get(f"/api/v1/meetings/candidates/?community={world.community.pk}", **EN))
    assert {p["name"]: p["roles"] for p in body["people"]} == {
        "王社工": ["Community staff · 小阳泉北社区"],
        "李居民": ["Resident · 蕴园小区"],
        "陈委员": ["Committee member · 蕴园小区业主委员会"],
    }
    assert {o["name"] for o in body["organisations"]} == {"蕴园小区业主委员会", "蕴和物业", "蕴园小区居民纠纷化解队"}


# ---------------------------------------------------------------- whole bodies


def test_meeting_detail_whole_body(world: World, staff: User, committee: User) -> None:
    meeting = schedule(world, staff, organisations=[world.committee_org], title="三月联席会议")
    body = ok(client_as(committee).get(f"/api/v1/meetings/{meeting.pk}/", **EN))
    assert body == {
        "id": meeting.pk,
        "kind": "joint",
        "kind_display": "Monthly joint meeting (联席会议)",
        "title": "三月联席会议",
        "community": world.community.pk,
        "community_name": "小阳泉北社区",
        "estate": world.estate.pk,
        "estate_name": "蕴园小区",
        "starts_at": "2025-03-10T15:00:00+08:00",
        "ends_at": "2025-03-10T17:00:00+08:00",
        "place": PLACE,
        "organiser": {"id": staff.pk, "name": "王社工", "phone": "138****1111"},
        "organisations": [
            {
                "id": world.committee_org.pk,
                "kind": "owners_committee",
                "kind_display": "Owners' committee",
                "name": "蕴园小区业主委员会",
            }
        ],
        "participant_count": 1,
        "status": "scheduled",
        "status_display": "Scheduled",
        "sequence": 0,
        "summary": "",
        "started_at": None,
        "closed_at": None,
        "is_published": False,
        "minutes_published_at": None,
        "has_access": True,
        "is_mine": True,
        "actions": [],
        "created_at": body["created_at"],
        "updated_at": body["updated_at"],
    }
    assert body["created_at"].startswith("2025-03-03T09:00")


def test_agenda_item_whole_body(world: World, staff: User, committee: User, file_request: FileRequest) -> None:
    request = escalated(file_request, staff)
    meeting = services.start_meeting(schedule(world, staff, organisations=[world.committee_org]), by=fresh(staff))
    item = meeting.agenda_items.get()
    action = services.add_action_item(
        meeting, by=fresh(staff), title="更换污水管", owner=committee, due_on=date(2025, 3, 24), agenda_item=item
    )
    with time_machine.travel(T0.replace(day=25), tick=False):
        body = ok(client_as(committee).get(f"/api/v1/meetings/{meeting.pk}/agenda-items/{item.pk}/", **EN))
    assert body == {
        "id": item.pk,
        "meeting": meeting.pk,
        "position": 0,
        "source": "request",
        "source_display": "Escalated request",
        "title": item.title,
        "description": "",
        "notes": "",
        "outcome": "",
        "resolution": "",
        "request": {
            "id": request.pk,
            "category_name": "Plumbing and sewage",
            "place_label": "3号楼3单元501",
            "status": "submitted",
            "status_display": "Submitted",
            "escalated_at": body["request"]["escalated_at"],
        },
        "dispute": None,
        "action_item": None,
        "decided_actions": [
            {
                "id": action.pk,
                "title": "更换污水管",
                "owner_name": "陈委员",
                "owner_organisation_name": None,
                "due_on": "2025-03-24",
                "status": "open",
                "status_display": "Open",
                "is_overdue": True,
                "done_at": None,
                "done_note": "",
                "meeting": meeting.pk,
                "meeting_title": meeting.title,
                "meeting_starts_at": "2025-03-10T15:00:00+08:00",
            }
        ],
    }
    assert body["request"]["escalated_at"].startswith("2025-03-03T09:00")


def test_action_item_whole_body(world: World, staff: User, property_staff: User) -> None:
    meeting = services.start_meeting(schedule(world, staff, title="三月联席会议"), by=fresh(staff))
    item = services.add_action_item(
        meeting,
        by=fresh(staff),
        title="修复北门道闸",
        owner=property_staff,
        owner_organisation=world.property_org,
        due_on=date(2025, 3, 31),
    )
    services.complete_action_item(item, by=fresh(property_staff), note="已修好")
    body = ok(client_as(staff).get(f"/api/v1/action-items/{item.pk}/", **EN))
    assert body == {
        "id": item.pk,
        "meeting": meeting.pk,
        "meeting_title": "三月联席会议",
        "meeting_starts_at": "2025-03-10T15:00:00+08:00",
        "agenda_item": None,
        "title": "修复北门道闸",
        "owner": {"id": property_staff.pk, "name": "刘物业"},
        "owner_organisation": world.property_org.pk,
        "owner_organisation_name": "蕴和物业",
        "due_on": "2025-03-31",
        "status": "done",
        "status_display": "Done",
        "is_overdue": False,
        "done_at": body["done_at"],
        "done_by": {"id": property_staff.pk, "name": "刘物业"},
        "done_note": "已修好",
        "actions": [],
        "created_at": body["created_at"],
    }


def test_public_minutes_whole_body(published: Meeting, world: World, committee: User) -> None:
    body = ok(APIClient().get(f"/api/v1/meetings/{published.pk}/minutes/", **EN))
    items = list(published.agenda_items.order_by("position"))
    assert body == {
        "meeting": published.pk,
        "title": published.title,
        "kind": "joint",
        "kind_display": "Monthly joint meeting (联席会议)",
        "community_name": "小阳泉北社区",
        "estate": world.estate.pk,
        "estate_name": "蕴园小区",
        "starts_at": "2025-03-10T15:00:00+08:00",
        "ends_at": "2025-03-10T17:00:00+08:00",
        "place": PLACE,
        "organiser_name": "王社工",
        "organisations": ["蕴园小区业主委员会"],
        "status": "closed",
        "status_display": "Closed",
        "started_at": body["started_at"],
        "closed_at": body["closed_at"],
        "is_published": True,
        "minutes_published_at": body["minutes_published_at"],
        "summary": "纪要",
        "items": [
            {
                "id": items[0].pk,
                "position": 0,
                "source": "request",
                "source_display": "Escalated request",
                "title": "Plumbing and sewage · 3号楼3单元501",
                "description": "",
                "notes": "",
                "outcome": "",
                "resolution": "",
                "carried_over": None,
                "action_items": [],
            },
            {
                "id": items[1].pk,
                "position": 1,
                "source": "dispute",
                "source_display": "Dispute",
                "title": "Dispute: Water leaking between flats",
                "description": "",
                "notes": "",
                "outcome": "",
                "resolution": "",
                "carried_over": None,
                "action_items": [],
            },
        ],
        "attendance": {
            "invited": 2,
            "present": 2,
            "absent": 0,
            "people": [
                {"name": "陈委员", "organisation_name": "蕴园小区业主委员会", "attended": True},
                {"name": None, "organisation_name": None, "attended": True},
            ],
        },
        "action_items": [],
    }


def test_participants_whole_body_phones_only_for_staff_and_oneself(
    meeting: Meeting, world: World, staff: User, committee: User, resident: User
) -> None:
    seats = {s.user_id: s.pk for s in meeting.participants.all()}
    as_resident = ok(client_as(resident).get(f"/api/v1/meetings/{meeting.pk}/participants/"))
    assert as_resident == [
        {
            "id": seats[committee.pk],
            "person": {"id": committee.pk, "name": "陈委员", "phone": "137****3333"},
            "organisation": world.committee_org.pk,
            "organisation_name": "蕴园小区业主委员会",
            "attended": None,
        },
        {
            "id": seats[resident.pk],
            "person": {"id": resident.pk, "name": "李居民", "phone": "13812341234"},
            "organisation": None,
            "organisation_name": None,
            "attended": None,
        },
    ]
    as_staff = ok(client_as(staff).get(f"/api/v1/meetings/{meeting.pk}/participants/"))
    assert [p["person"]["phone"] for p in as_staff] == ["13700003333", "13812341234"]


# ---------------------------------------------------------------- query budgets


def grow(world: World, staff: User, committee: User, rows: int) -> Meeting:
    last = None
    for day in range(rows):
        last = schedule(world, staff, days=day + 1, organisations=[world.committee_org])
    assert last is not None
    return last


@pytest.mark.parametrize("rows", [3, 30])
@pytest.mark.parametrize(("name", "queries"), [("staff", 5), ("committee", 5), ("anonymous", 1), ("outsider", 3)])
def test_meeting_list_query_budget(
    world: World,
    staff: User,
    committee: User,
    request: Any,
    name: str,
    queries: int,
    rows: int,
    django_assert_num_queries: Any,
) -> None:
    grow(world, staff, committee, rows)
    client = client_as(None if name == "anonymous" else request.getfixturevalue(name))
    # [scope (2)]; count; [the page with community, estate, organiser and the viewer's access; organisations]
    with django_assert_num_queries(queries):
        response = client.get("/api/v1/meetings/")
    assert response.json()["count"] == (rows if name in ("staff", "committee") else 0)


@pytest.mark.parametrize("rows", [3, 30])
def test_agenda_and_participants_query_budget(
    world: World,
    staff: User,
    committee: User,
    file_request: FileRequest,
    rows: int,
    django_assert_num_queries: Any,
) -> None:
    for number in range(rows):
        escalated(file_request, staff, description=f"第{number}件")
    meeting = services.start_meeting(schedule(world, staff, organisations=[world.committee_org]), by=fresh(staff))
    for item in meeting.agenda_items.all()[:3]:
        services.add_action_item(
            meeting, by=fresh(staff), title="办", owner=committee, due_on=date(2025, 4, 1), agenda_item=item
        )
    client = client_as(staff)
    # scope (2); the meeting; the items with their request, dispute and carried item; the decided items
    with django_assert_num_queries(5):
        assert len(ok(client.get(f"/api/v1/meetings/{meeting.pk}/agenda-items/"))) == rows
    client = client_as(staff)
    # scope (2); the meeting with its access and its organisations; the seats with people and organisations;
    # the log of the whole phone numbers shown (one insert, estates.privacy)
    with django_assert_num_queries(6):
        ok(client.get(f"/api/v1/meetings/{meeting.pk}/participants/"))


@pytest.mark.parametrize("rows", [3, 30])
def test_minutes_query_budget(
    world: World,
    staff: User,
    committee: User,
    file_request: FileRequest,
    rows: int,
    django_assert_num_queries: Any,
) -> None:
    for number in range(rows):
        escalated(file_request, staff, description=f"第{number}件")
    meeting = services.start_meeting(schedule(world, staff, organisations=[world.committee_org]), by=fresh(staff))
    for item in meeting.agenda_items.all():
        services.add_action_item(
            meeting, by=fresh(staff), title="办", owner=committee, due_on=date(2025, 4, 1), agenda_item=item
        )
    hold_meeting = services.close_meeting(meeting, by=fresh(staff))
    services.update_meeting(hold_meeting, by=fresh(staff), summary="纪要")
    services.publish_minutes(hold_meeting, by=fresh(staff))
    client = APIClient()
    # the meeting; its organisations; the items with their links; the seats; the action items
    with django_assert_num_queries(5):
        assert len(ok(client.get(f"/api/v1/meetings/{meeting.pk}/minutes/"))["items"]) == rows


@pytest.mark.parametrize("rows", [3, 30])
def test_action_item_list_query_budget(
    world: World, staff: User, committee: User, rows: int, django_assert_num_queries: Any
) -> None:
    meeting = services.start_meeting(schedule(world, staff, organisations=[world.committee_org]), by=fresh(staff))
    for number in range(rows):
        services.add_action_item(
            meeting, by=fresh(staff), title=f"事项{number}", owner=committee, due_on=date(2025, 4, 1)
        )
    client = client_as(committee)
    # scope (2); count; the page with meeting, community, owners
    with django_assert_num_queries(4):
        assert ok(client.get("/api/v1/action-items/"))["count"] == rows


@pytest.mark.parametrize("rows", [3, 30])
def test_timeline_and_candidates_query_budget(
    world: World, staff: User, rows: int, django_assert_num_queries: Any
) -> None:

    meeting = schedule(world, staff)
    for number in range(rows):
        services.update_meeting(meeting, by=fresh(staff), place=f"会议室{number}")
        person = make_user(f"member{number}", full_name=f"委员{number}")
        Membership.objects.create(user=person, role="committee_member", organisation=world.committee_org)
    client = client_as(staff)
    # scope (2); the meeting with its access and its organisations; the events with who
    with django_assert_num_queries(5):
        assert len(ok(client.get(f"/api/v1/meetings/{meeting.pk}/timeline/"))) == rows + 1
    client = client_as(staff)
    # the community; scope (2); the people; their roles with where they hold them; the organisations
    with django_assert_num_queries(6):
        body = ok(client.get(f"/api/v1/meetings/candidates/?community={world.community.pk}"))
    assert len(body["people"]) == rows + 1
