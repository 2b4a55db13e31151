"""Meeting services: scheduling and participants, moves and SEQUENCE, every transition and guard,
the agenda drawn from escalated requests, disputes and the open action items of earlier meetings
(carried over until done), attendance, action items, the calendar feed's token."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
import time_machine

from estates.errors import Conflict, Invalid, NotAllowed
from estates.models import Estate, Membership, Organisation, User
from governance import services
from governance.models import ActionItem, AgendaItem, Dispute, Meeting, MeetingEvent, ResidentRequest
from tests.conftest import World, make_user
from tests.governance.conftest import T0, fresh
from tests.governance.test_meetings_helpers import PLACE, agenda, at, dispute, escalated, hold, schedule

FileRequest = Callable[..., ResidentRequest]


@pytest.fixture(autouse=True)
def _at_t0() -> Iterator[None]:
    with time_machine.travel(T0, tick=True):
        yield


def events(meeting: Meeting) -> list[tuple[str, str, str, int]]:
    return list(
        MeetingEvent.objects.filter(meeting=meeting)
        .order_by("at", "id")
        .values_list("action", "from_status", "to_status", "sequence")
    )


def seats(meeting: Meeting) -> dict[str, int | None]:
    return {seat.user.username: seat.organisation_id for seat in meeting.participants.select_related("user")}


# ---------------------------------------------------------------- scheduling


def test_staff_schedules_a_joint_meeting_with_organisations_and_people(
    world: World, staff: User, committee: User, property_staff: User, resident: User
) -> None:
    meeting = schedule(world, staff, organisations=[world.committee_org, world.property_org], people=[resident])
    assert (meeting.status, meeting.sequence, meeting.kind, meeting.place) == ("scheduled", 0, "joint", PLACE)
    assert meeting.organiser == staff
    assert meeting.community == world.community and meeting.estate == world.estate
    assert meeting.title.startswith("蕴园小区") and meeting.title.endswith("2025-03-10")
    assert set(meeting.organisations.all()) == {world.committee_org, world.property_org}
    assert seats(meeting) == {
        "committee": world.committee_org.pk,
        "property": world.property_org.pk,
        "resident": None,
    }
    assert events(meeting) == [("scheduled", "", "scheduled", 0)]


def test_members_of_organisations_are_left_out_when_asked(world: World, staff: User, committee: User) -> None:
    meeting = schedule(world, staff, organisations=[world.committee_org], include_members=False)
    assert seats(meeting) == {}
    assert list(meeting.organisations.all()) == [world.committee_org]


def test_a_community_meeting_has_no_estate(world: World, staff: User) -> None:
    meeting = schedule(world, staff, estate=None, kind=Meeting.Kind.HEARING, title="加装电梯听证会")
    assert (meeting.estate, meeting.kind, meeting.title) == (None, "hearing", "加装电梯听证会")


@pytest.mark.parametrize("persona", ["outsider", "resident", "committee", "property_staff", "mediator"])
def test_only_the_communitys_staff_schedule(world: World, persona: str, request: Any) -> None:
    with pytest.raises(NotAllowed):
        schedule(world, request.getfixturevalue(persona))
    assert not Meeting.objects.exists()


def test_street_admin_schedules_for_a_community_below(world: World, street_admin: User) -> None:
    assert schedule(world, street_admin).organiser == street_admin


def test_scheduling_refuses_places_and_people_of_another_community(world: World, staff: User, outsider: User) -> None:
    with pytest.raises(Invalid) as error:
        schedule(world, staff, estate=world.other_estate)
    assert error.value.field == "estate"
    with pytest.raises(Invalid) as error:
        schedule(world, staff, organisations=[world.other_committee_org])
    assert error.value.field == "organisations"
    with pytest.raises(Invalid) as error:
        schedule(world, staff, people=[outsider])
    assert error.value.field == "people"
    stranger = make_user("stranger")
    with pytest.raises(Invalid):
        schedule(world, staff, people=[stranger])


def test_an_organisation_serving_an_estate_of_the_community_may_take_part(world: World, staff: User) -> None:
    expert = Organisation.objects.create(kind="contractor", name="市电梯检测所", community=world.other_community)
    expert.estates.add(world.estate)
    meeting = schedule(world, staff, organisations=[expert], kind=Meeting.Kind.EXPERT)
    assert list(meeting.organisations.all()) == [expert]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"ends_at": at(7, 14)}, "ends_at"),
        ({"ends_at": at(7, 15)}, "ends_at"),
        ({"ends_at": at(8, 9)}, "ends_at"),
        ({"starts_at": at(500), "ends_at": at(500, 17)}, "starts_at"),
        ({"place": "  "}, "place"),
        ({"kind": "party"}, "kind"),
    ],
)
def test_scheduling_refuses_bad_input(world: World, staff: User, change: dict[str, Any], field: str) -> None:
    fields: dict[str, Any] = {
        "by": fresh(staff),
        "kind": "joint",
        "starts_at": at(7),
        "ends_at": at(7, 17),
        "place": PLACE,
        "estate": world.estate,
    }
    fields.update(change)
    with pytest.raises(Invalid) as error:
        services.schedule_meeting(world.community, **fields)
    assert error.value.field == field


# ---------------------------------------------------------------- changing a meeting


def test_moving_the_time_raises_the_sequence_and_is_recorded(world: World, staff: User) -> None:
    meeting = schedule(world, staff)
    meeting = services.update_meeting(meeting, by=fresh(staff), starts_at=at(8, 9), ends_at=at(8, 11))
    assert (meeting.sequence, meeting.starts_at, meeting.ends_at) == (1, at(8, 9), at(8, 11))
    meeting = services.update_meeting(meeting, by=fresh(staff), place="蕴园小区3号楼前")
    assert meeting.sequence == 2
    assert events(meeting)[1:] == [("moved", "scheduled", "scheduled", 1), ("moved", "scheduled", "scheduled", 2)]
    notes = list(meeting.events.filter(action="moved").order_by("id").values_list("note", flat=True))
    assert notes == [
        "2025-03-10 15:00–17:00 → 2025-03-11 09:00–11:00",
        f"{PLACE} → 蕴园小区3号楼前",
    ]


def test_other_changes_keep_the_sequence(world: World, staff: User) -> None:
    meeting = schedule(world, staff)
    meeting = services.update_meeting(
        meeting, by=fresh(staff), title="三月联席会议", kind="deliberation", starts_at=meeting.starts_at, place=PLACE
    )
    assert (meeting.sequence, meeting.title, meeting.kind) == (0, "三月联席会议", "deliberation")
    assert [e[0] for e in events(meeting)] == ["scheduled", "updated"]


def test_a_started_meeting_keeps_its_time_and_place(world: World, staff: User) -> None:
    meeting = services.start_meeting(schedule(world, staff), by=fresh(staff))
    with pytest.raises(Conflict):
        services.update_meeting(meeting, by=fresh(staff), place="别处")
    with pytest.raises(Conflict):
        services.update_meeting(meeting, by=fresh(staff), starts_at=at(9), ends_at=at(9, 17))
    assert services.update_meeting(meeting, by=fresh(staff), summary="纪要").summary == "纪要"


def test_moving_to_a_bad_time_is_refused(world: World, staff: User) -> None:
    meeting = schedule(world, staff)
    with pytest.raises(Invalid):
        services.update_meeting(meeting, by=fresh(staff), ends_at=at(7, 10))
    meeting.refresh_from_db()
    assert meeting.sequence == 0


def test_replacing_organisations_and_people_changes_the_seats(
    world: World, staff: User, committee: User, property_staff: User, resident: User, neighbour: User
) -> None:
    meeting = schedule(world, staff, organisations=[world.committee_org], people=[resident])
    services.update_meeting(meeting, by=fresh(staff), organisations=[world.property_org], people=[neighbour])
    assert seats(meeting) == {"property": world.property_org.pk, "neighbour": None}
    assert list(meeting.organisations.all()) == [world.property_org]
    assert meeting.sequence == 0


def test_only_staff_change_a_meeting(world: World, staff: User, outsider: User, committee: User) -> None:
    meeting = schedule(world, staff, organisations=[world.committee_org])
    for person in (outsider, committee):
        with pytest.raises(NotAllowed):
            services.update_meeting(meeting, by=fresh(person), title="改名")


# ---------------------------------------------------------------- the course of a meeting


def test_a_meeting_runs_start_close_publish(world: World, staff: User) -> None:
    meeting = schedule(world, staff)
    meeting = services.start_meeting(meeting, by=fresh(staff))
    assert (meeting.status, meeting.started_at is not None) == ("in_progress", True)
    meeting = services.close_meeting(meeting, by=fresh(staff))
    assert (meeting.status, meeting.closed_at is not None) == ("closed", True)
    services.update_meeting(meeting, by=fresh(staff), summary="会议议定三件事。")
    meeting = services.publish_minutes(meeting, by=fresh(staff))
    assert meeting.minutes_published_at is not None and meeting.is_published
    assert events(meeting) == [
        ("scheduled", "", "scheduled", 0),
        ("started", "scheduled", "in_progress", 0),
        ("closed", "in_progress", "closed", 0),
        ("published", "closed", "closed", 0),
    ]


def test_minutes_are_not_published_before_the_meeting_closes(world: World, staff: User) -> None:
    meeting = schedule(world, staff)
    services.update_meeting(meeting, by=fresh(staff), summary="草稿")
    with pytest.raises(Conflict):
        services.publish_minutes(meeting, by=fresh(staff))
    meeting = services.start_meeting(meeting, by=fresh(staff))
    with pytest.raises(Conflict):
        services.publish_minutes(meeting, by=fresh(staff))
    meeting.refresh_from_db()
    assert meeting.minutes_published_at is None


def test_minutes_need_a_summary_and_are_published_once(world: World, staff: User) -> None:
    meeting = hold(schedule(world, staff), staff)
    with pytest.raises(Invalid) as error:
        services.publish_minutes(meeting, by=fresh(staff))
    assert error.value.field == "summary"
    services.update_meeting(meeting, by=fresh(staff), summary="纪要")
    services.publish_minutes(meeting, by=fresh(staff))
    with pytest.raises(Conflict):
        services.publish_minutes(meeting, by=fresh(staff))
    with pytest.raises(Conflict):
        services.update_meeting(meeting, by=fresh(staff), summary="改纪要")


def test_a_cancelled_meeting_cannot_start(world: World, staff: User) -> None:
    meeting = services.cancel_meeting(schedule(world, staff), by=fresh(staff), reason="疫情防控")
    assert (meeting.status, meeting.sequence) == ("cancelled", 1)
    assert events(meeting)[-1] == ("cancelled", "scheduled", "cancelled", 1)
    with pytest.raises(Conflict):
        services.start_meeting(meeting, by=fresh(staff))
    with pytest.raises(Conflict):
        services.update_meeting(meeting, by=fresh(staff), title="恢复")
    meeting.refresh_from_db()
    assert meeting.status == "cancelled"


@pytest.mark.parametrize(
    ("reach", "move"),
    [
        ("in_progress", "start"),
        ("in_progress", "cancel"),
        ("scheduled", "close"),
        ("closed", "start"),
        ("closed", "close"),
        ("closed", "cancel"),
    ],
)
def test_illegal_moves_are_conflicts(world: World, staff: User, reach: str, move: str) -> None:
    meeting = schedule(world, staff)
    if reach in ("in_progress", "closed"):
        meeting = services.start_meeting(meeting, by=fresh(staff))
    if reach == "closed":
        meeting = services.close_meeting(meeting, by=fresh(staff))
    service = {"start": services.start_meeting, "close": services.close_meeting, "cancel": services.cancel_meeting}
    with pytest.raises(Conflict):
        service[move](meeting, by=fresh(staff))
    meeting.refresh_from_db()
    assert meeting.status == reach


@pytest.mark.parametrize("persona", ["outsider", "committee", "resident"])
def test_participants_and_outsiders_do_not_run_the_meeting(
    world: World, staff: User, committee: User, resident: User, persona: str, request: Any
) -> None:
    meeting = schedule(world, staff, organisations=[world.committee_org], people=[resident])
    person = fresh(request.getfixturevalue(persona))
    for service in (services.start_meeting, services.cancel_meeting, services.draw_agenda):
        with pytest.raises(NotAllowed):
            service(meeting, by=person)
    meeting.refresh_from_db()
    assert meeting.status == "scheduled"


# ---------------------------------------------------------------- attendance


def test_attendance_is_recorded_during_and_after_the_meeting(
    world: World, staff: User, committee: User, resident: User
) -> None:
    meeting = schedule(world, staff, organisations=[world.committee_org], people=[resident])
    seat = {s.user.username: s.pk for s in meeting.participants.select_related("user")}
    with pytest.raises(Conflict):
        services.record_attendance(meeting, by=fresh(staff), attendance=[(seat["committee"], True)])
    services.start_meeting(meeting, by=fresh(staff))
    services.record_attendance(
        meeting, by=fresh(staff), attendance=[(seat["committee"], True), (seat["resident"], False)]
    )
    services.close_meeting(meeting, by=fresh(staff))
    services.record_attendance(meeting, by=fresh(staff), attendance=[(seat["resident"], None)])
    assert dict(meeting.participants.values_list("user__username", "attended")) == {"committee": True, "resident": None}


def test_attendance_refuses_someone_elses_seat(world: World, staff: User, committee: User) -> None:
    meeting = services.start_meeting(schedule(world, staff, organisations=[world.committee_org]), by=fresh(staff))
    other = services.start_meeting(schedule(world, staff, days=8, organisations=[world.committee_org]), by=fresh(staff))
    with pytest.raises(Invalid):
        services.record_attendance(meeting, by=fresh(staff), attendance=[(other.participants.get().pk, True)])
    with pytest.raises(NotAllowed):
        services.record_attendance(meeting, by=fresh(committee), attendance=[(meeting.participants.get().pk, True)])


# ---------------------------------------------------------------- the agenda


def test_agenda_draws_escalated_open_requests_of_the_estate(
    world: World, staff: User, file_request: FileRequest, request_in: Any, property_staff: User
) -> None:
    first = escalated(file_request, staff)
    second = escalated(file_request, staff, description="楼道灯坏了")
    file_request(description="没升级")  # not escalated
    closed = request_in("in_progress")
    services.escalate_request(closed, by=fresh(staff))
    services.resolve_request(closed, by=fresh(property_staff))
    resolved = ResidentRequest.objects.get(pk=closed.pk)  # resolved is still open business
    withdrawn = escalated(file_request, staff)
    services.withdraw_request(withdrawn, by=fresh(ResidentRequest.objects.get(pk=withdrawn.pk).filed_by))

    meeting = schedule(world, staff)
    assert agenda(meeting) == [("request", first.pk), ("request", second.pk), ("request", resolved.pk)]
    item = meeting.agenda_items.get(request=first)
    assert item.title == "上下水与排污 · 3号楼3单元501"
    assert [i.position for i in meeting.agenda_items.order_by("position")] == [0, 1, 2]


def test_agenda_of_another_estate_or_community_does_not_draw_them(
    world: World, staff: User, outsider: User, file_request: FileRequest
) -> None:
    escalated(file_request, staff)
    sibling = Estate.objects.create(community=world.community, name="北苑小区")
    assert agenda(schedule(world, staff, estate=sibling)) == []
    other = services.schedule_meeting(
        world.other_community,
        by=fresh(outsider),
        kind="joint",
        starts_at=at(7),
        ends_at=at(7, 17),
        place="中心广场社区",
    )
    assert agenda(other) == []


def test_a_community_meeting_draws_from_every_estate_of_the_community(
    world: World, staff: User, file_request: FileRequest
) -> None:
    request = escalated(file_request, staff)
    sibling = Estate.objects.create(community=world.community, name="北苑小区")
    quarrel = dispute(world, staff, estate=sibling)
    meeting = schedule(world, staff, estate=None)
    assert agenda(meeting) == [("request", request.pk), ("dispute", quarrel.pk)]


def test_agenda_draws_open_disputes_only(world: World, staff: User) -> None:
    raised = dispute(world, staff)
    heard = dispute(world, staff, stage="heard", title="停车位纠纷")
    dispute(world, staff, stage="settled", title="已调解")
    meeting = schedule(world, staff)
    assert agenda(meeting) == [("dispute", raised.pk), ("dispute", heard.pk)]
    assert meeting.agenda_items.get(dispute=raised).title == "楼上漏水纠纷"


def test_a_request_dealt_with_at_an_earlier_meeting_is_not_drawn_again(
    world: World, staff: User, file_request: FileRequest
) -> None:
    dealt = escalated(file_request, staff)
    not_reached = escalated(file_request, staff, description="没来得及讨论")
    quarrel = dispute(world, staff)
    first = services.start_meeting(schedule(world, staff), by=fresh(staff))
    for item in first.agenda_items.filter(source__in=["request", "dispute"]).exclude(request=not_reached):
        services.update_agenda_item(item, by=fresh(staff), outcome="物业两周内修复")
    services.close_meeting(first, by=fresh(staff))
    assert agenda(first) == [("request", dealt.pk), ("request", not_reached.pk), ("dispute", quarrel.pk)]

    second = schedule(world, staff, days=37)
    assert agenda(second) == [("request", not_reached.pk)]


def test_items_of_a_cancelled_meeting_are_drawn_again(world: World, staff: User, file_request: FileRequest) -> None:
    request = escalated(file_request, staff)
    first = schedule(world, staff)
    services.update_agenda_item(first.agenda_items.get(), by=fresh(staff), resolution="提前议定")
    services.cancel_meeting(first, by=fresh(staff))
    assert agenda(schedule(world, staff, days=37)) == [("request", request.pk)]


def test_drawing_again_adds_new_items_and_takes_off_settled_untouched_ones(
    world: World, staff: User, file_request: FileRequest, resident: User
) -> None:
    kept = escalated(file_request, staff)
    gone = escalated(file_request, staff, description="后来撤回")
    meeting = schedule(world, staff)
    appeal = services.add_agenda_item(meeting, by=fresh(staff), title="居民诉求：楼道堆物", source="appeal")
    services.update_agenda_item(meeting.agenda_items.get(request=kept), by=fresh(staff), notes="先议")
    services.withdraw_request(gone, by=fresh(resident))
    services.withdraw_request(kept, by=fresh(resident))
    late = escalated(file_request, staff, description="新升级")
    quarrel = dispute(world, staff)

    added = services.draw_agenda(meeting, by=fresh(staff))
    assert [(item.source, item.request_id or item.dispute_id) for item in added] == [
        ("request", late.pk),
        ("dispute", quarrel.pk),
    ]
    # The withdrawn request with notes stays; the untouched one went; the appeal stays.
    assert agenda(meeting) == [("request", kept.pk), ("appeal", None), ("request", late.pk), ("dispute", quarrel.pk)]
    assert meeting.agenda_items.get(pk=appeal.pk).position == 2
    assert services.draw_agenda(meeting, by=fresh(staff)) == []


def test_starting_the_meeting_draws_the_agenda_again(world: World, staff: User, file_request: FileRequest) -> None:
    meeting = schedule(world, staff)
    assert agenda(meeting) == []
    request = escalated(file_request, staff)
    services.start_meeting(meeting, by=fresh(staff))
    assert agenda(meeting) == [("request", request.pk)]


def test_the_agenda_is_not_drawn_after_the_meeting(world: World, staff: User) -> None:
    meeting = hold(schedule(world, staff), staff)
    with pytest.raises(Conflict):
        services.draw_agenda(meeting, by=fresh(staff))
    with pytest.raises(Conflict):
        services.add_agenda_item(meeting, by=fresh(staff), title="补充")


def test_staff_add_appeals_and_other_matters_only(world: World, staff: User) -> None:
    meeting = schedule(world, staff)
    item = services.add_agenda_item(
        meeting, by=fresh(staff), title="  商户占道经营  ", description="北门", source="other"
    )
    assert (item.source, item.title, item.description, item.position) == ("other", "商户占道经营", "北门", 0)
    with pytest.raises(Invalid):
        services.add_agenda_item(meeting, by=fresh(staff), title="x", source="request")
    with pytest.raises(Invalid):
        services.add_agenda_item(meeting, by=fresh(staff), title=" ")


def test_staff_order_the_agenda(world: World, staff: User) -> None:
    meeting = schedule(world, staff)
    a, b, c = (services.add_agenda_item(meeting, by=fresh(staff), title=t) for t in ("甲", "乙", "丙"))
    services.reorder_agenda(meeting, by=fresh(staff), order=[c.pk, a.pk, b.pk])
    assert list(meeting.agenda_items.order_by("position").values_list("title", flat=True)) == ["丙", "甲", "乙"]
    for order in ([a.pk, b.pk], [a.pk, b.pk, c.pk, c.pk], [a.pk, b.pk, 999999]):
        with pytest.raises(Invalid):
            services.reorder_agenda(meeting, by=fresh(staff), order=order)


def test_notes_outcome_and_resolution_are_written_until_the_minutes_are_published(
    world: World, staff: User, committee: User
) -> None:
    meeting = schedule(world, staff)
    item = services.add_agenda_item(meeting, by=fresh(staff), title="北门停车")
    services.start_meeting(meeting, by=fresh(staff))
    item = services.update_agenda_item(
        item, by=fresh(staff), notes="  居民反映车多  ", outcome="划线", resolution="物业本月完成"
    )
    assert (item.notes, item.outcome, item.resolution) == ("居民反映车多", "划线", "物业本月完成")
    with pytest.raises(NotAllowed):
        services.update_agenda_item(item, by=fresh(committee), notes="改")
    hold_meeting = services.close_meeting(meeting, by=fresh(staff))
    services.update_meeting(hold_meeting, by=fresh(staff), summary="纪要")
    services.publish_minutes(hold_meeting, by=fresh(staff))
    with pytest.raises(Conflict):
        services.update_agenda_item(item, by=fresh(staff), notes="改")


# ---------------------------------------------------------------- action items and their carry-over


def decide(meeting: Meeting, staff: User, title: str = "物业修复北门道闸", **extra: Any) -> ActionItem:
    fields: dict[str, Any] = {
        "owner_organisation": Organisation.objects.get(name="蕴和物业"),
        "due_on": date(2025, 3, 31),
    }
    fields.update(extra)
    return services.add_action_item(meeting, by=fresh(staff), title=title, **fields)


def test_open_action_items_carry_over_to_the_next_meetings_until_done(
    world: World, staff: User, property_staff: User
) -> None:
    first = services.start_meeting(schedule(world, staff, days=7), by=fresh(staff))
    gate = decide(first, staff, "修复北门道闸")
    lights = decide(first, staff, "更换楼道灯", owner=property_staff)
    services.close_meeting(first, by=fresh(staff))

    second = services.start_meeting(schedule(world, staff, days=37), by=fresh(staff))
    assert agenda(second) == [("action_item", gate.pk), ("action_item", lights.pk)]
    services.complete_action_item(gate, by=fresh(property_staff), note="已修好")
    services.close_meeting(second, by=fresh(staff))

    third = schedule(world, staff, days=67)
    assert agenda(third) == [("action_item", lights.pk)]


def test_carry_over_across_three_meetings_with_decisions_of_the_second(
    world: World, staff: User, property_staff: User, committee: User
) -> None:
    # The meetings are scheduled before anything is decided: starting each draws what is open then.
    first = schedule(world, staff, days=7)
    second = schedule(world, staff, days=37)
    third = schedule(world, staff, days=67)

    services.start_meeting(first, by=fresh(staff))
    roof = decide(first, staff, "屋面防水维修")
    drop_me = decide(first, staff, "外墙粉刷")
    services.close_meeting(first, by=fresh(staff))

    services.start_meeting(second, by=fresh(staff))
    assert agenda(second) == [("action_item", roof.pk), ("action_item", drop_me.pk)]
    services.drop_action_item(drop_me, by=fresh(staff), note="资金不足，列入明年计划")
    carried = second.agenda_items.get(action_item=roof)
    fund = decide(
        second,
        staff,
        "业委会审议维修资金",
        owner_organisation=world.committee_org,
        agenda_item=carried,
        due_on=date(2025, 4, 30),
    )
    services.close_meeting(second, by=fresh(staff))

    services.start_meeting(third, by=fresh(staff))
    # The dropped item left the third meeting's agenda; the roof is still open; the new decision joins.
    assert agenda(third) == [("action_item", roof.pk), ("action_item", fund.pk)]
    services.complete_action_item(roof, by=fresh(property_staff))
    services.complete_action_item(fund, by=fresh(committee))
    services.close_meeting(third, by=fresh(staff))

    fourth = schedule(world, staff, days=97)
    assert agenda(fourth) == []


def test_action_items_do_not_carry_over_to_other_estates_or_backwards(world: World, staff: User) -> None:
    earlier = schedule(world, staff, days=3)
    first = services.start_meeting(schedule(world, staff, days=7), by=fresh(staff))
    item = decide(first, staff)
    sibling = Estate.objects.create(community=world.community, name="北苑小区")
    assert agenda(schedule(world, staff, days=37, estate=sibling)) == []
    assert services.draw_agenda(earlier, by=fresh(staff)) == []
    # A meeting of the whole community follows the items of all its estates.
    assert agenda(schedule(world, staff, days=37, estate=None)) == [("action_item", item.pk)]


def test_action_items_need_an_owner_and_a_due_day_after_the_meeting(world: World, staff: User, outsider: User) -> None:
    meeting = schedule(world, staff)
    with pytest.raises(Conflict):
        decide(meeting, staff)
    services.start_meeting(meeting, by=fresh(staff))
    with pytest.raises(Invalid) as error:
        decide(meeting, staff, owner_organisation=None)
    assert error.value.field == "owner"
    with pytest.raises(Invalid) as error:
        decide(meeting, staff, due_on=date(2025, 3, 9))
    assert error.value.field == "due_on"
    with pytest.raises(Invalid):
        decide(meeting, staff, owner_organisation=None, owner=outsider)
    with pytest.raises(Invalid):
        decide(meeting, staff, owner_organisation=world.other_committee_org)
    other = services.start_meeting(schedule(world, staff, days=8), by=fresh(staff))
    stray = services.add_agenda_item(other, by=fresh(staff), title="别的会")
    with pytest.raises(Invalid):
        decide(meeting, staff, agenda_item=stray)
    with pytest.raises(NotAllowed):
        decide(meeting, outsider)
    assert not ActionItem.objects.exists()


def test_action_items_are_closed_by_their_owner_a_member_of_the_owning_organisation_or_staff(
    world: World, staff: User, property_staff: User, committee: User, resident: User
) -> None:
    meeting = services.start_meeting(schedule(world, staff), by=fresh(staff))
    company_item = decide(meeting, staff)
    personal = decide(meeting, staff, "登记车辆", owner=resident, owner_organisation=None)
    staff_item = decide(meeting, staff, "联系供电公司", owner=staff, owner_organisation=None)
    with pytest.raises(NotAllowed):
        services.complete_action_item(company_item, by=fresh(committee))
    done = services.complete_action_item(company_item, by=fresh(property_staff), note="已完成")
    assert (done.status, done.done_by, done.done_note) == ("done", property_staff, "已完成")
    assert done.done_at is not None
    with pytest.raises(Conflict):
        services.complete_action_item(company_item, by=fresh(property_staff))
    with pytest.raises(NotAllowed):
        services.drop_action_item(personal, by=fresh(property_staff), note="不做了")
    assert services.complete_action_item(personal, by=fresh(resident)).status == "done"
    with pytest.raises(Invalid):
        services.drop_action_item(staff_item, by=fresh(staff), note="  ")
    assert services.drop_action_item(staff_item, by=fresh(staff), note="另案处理").status == "dropped"


def test_action_items_are_closed_even_after_the_minutes_are_published(
    world: World, staff: User, property_staff: User
) -> None:
    meeting = services.start_meeting(schedule(world, staff), by=fresh(staff))
    item = decide(meeting, staff)
    services.close_meeting(meeting, by=fresh(staff))
    services.update_meeting(meeting, by=fresh(staff), summary="纪要")
    services.publish_minutes(meeting, by=fresh(staff))
    with pytest.raises(Conflict):
        decide(meeting, staff, "再加一项")
    assert services.complete_action_item(item, by=fresh(property_staff)).status == "done"


def test_an_action_item_can_be_the_outcome_of_an_agenda_item(world: World, staff: User) -> None:
    quarrel = dispute(world, staff)
    meeting = services.start_meeting(schedule(world, staff), by=fresh(staff))
    item = meeting.agenda_items.get(dispute=quarrel)
    action = decide(meeting, staff, "调解队再次上门", owner_organisation=world.mediation_org, agenda_item=item)
    assert list(item.decided_actions.all()) == [action]
    # An item on which something was decided is not taken off by a later draw, even if settled.
    Dispute.objects.filter(pk=quarrel.pk).update(stage="settled", outcome="agreement")
    services.draw_agenda(meeting, by=fresh(staff))
    assert AgendaItem.objects.filter(pk=item.pk).exists()


# ---------------------------------------------------------------- people who may be invited


def test_invitable_people_hold_a_role_in_the_community(
    world: World,
    staff: User,
    outsider: User,
    resident: User,
    committee: User,
    property_staff: User,
    mediator: User,
    street_admin: User,
) -> None:
    retired = make_user("retired")
    Membership.objects.create(
        user=retired, role="committee_member", organisation=world.committee_org, ended_on=date(2024, 1, 1)
    )
    names = set(services.invitable_people(world.community).values_list("username", flat=True))
    assert names == {"staff", "resident", "committee", "property", "mediator", "street_admin"}


# ---------------------------------------------------------------- the calendar feed


def test_resetting_the_feed_gives_a_new_secret_address(world: World, resident: User) -> None:
    first = services.reset_calendar_feed(by=fresh(resident)).token
    second = services.reset_calendar_feed(by=fresh(resident)).token
    assert first != second and len(second) >= 40
    assert resident.calendar_feed.token == second
