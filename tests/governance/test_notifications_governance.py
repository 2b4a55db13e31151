"""The reminders of meetings, action items and rating rounds, at their exact moments (time-machine).

Meetings move, so their "coming up" reminders are planned by the services (and topped up by the
producer); minutes, action items and rating rounds are looked at when their moment comes.
The tests travel to T0 (Monday 2025-03-03 09:00 in Yangquan)."""

from __future__ import annotations

import importlib
from datetime import date, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django_celery_beat.models import PeriodicTask

from estates.models import Membership, User
from governance import services
from governance.models import ActionItem, Meeting, Notification, RatingCriterion, RatingRound, Reminder
from tests.conftest import World, make_user
from tests.governance.conftest import SHANGHAI, T0, fresh
from tests.governance.test_meetings_helpers import at, hold, schedule

pytestmark = pytest.mark.django_db

Kind = Reminder.Kind
Status = Reminder.Status
DAY = timedelta(days=1)
SECOND = timedelta(seconds=1)


def travel(moment: datetime) -> Any:
    return time_machine.travel(moment, tick=False)


def pending(kind: str) -> list[tuple[str, datetime]]:
    return list(
        Reminder.objects.filter(kind=kind, status=Status.PENDING)
        .order_by("due_at", "recipient__username")
        .values_list("recipient__username", "due_at")
    )


def rows(kind: str) -> list[tuple[str, datetime, str]]:
    return list(
        Reminder.objects.filter(kind=kind)
        .order_by("due_at", "recipient__username", "status")
        .values_list("recipient__username", "due_at", "status")
    )


def produce_meetings(moment: datetime) -> int:
    with travel(moment):
        return services.schedule_meeting_reminders()


def deliver(moment: datetime) -> int:
    with travel(moment):
        return services.deliver_due_reminders()


@pytest.fixture
def joint(world: World, staff: User, committee: User, resident: User) -> Meeting:
    """A joint meeting a week after T0 (10 March, 15:00), the committee and the resident invited."""
    with travel(T0):
        return schedule(world, staff, days=7, organisations=[world.committee_org], people=[resident])


# ---------------------------------------------------------------- a meeting coming up


def test_scheduling_a_meeting_plans_reminders_3_days_and_1_day_before_for_each_participant(
    joint: Meeting, committee: User
) -> None:
    starts = joint.starts_at
    assert pending(Kind.MEETING_SOON) == [
        ("committee", starts - 3 * DAY),
        ("resident", starts - 3 * DAY),
        ("committee", starts - DAY),
        ("resident", starts - DAY),
    ]
    three, one = Reminder.objects.filter(recipient=committee).order_by("due_at")
    assert joint.title in three.title and joint.title in one.title
    assert joint.place in three.body
    assert three.url == one.url == f"/meetings/{joint.pk}/"
    assert (three.target_type, three.target_id) == ("governance.meeting", joint.pk)


def test_reminder_text_is_in_the_recipients_language(world: World, staff: User, committee: User) -> None:
    services.update_notification_preferences(by=fresh(committee), email_enabled=True, language="en")
    with travel(T0):
        meeting = schedule(world, staff, days=7, organisations=[world.committee_org])
    three, one = Reminder.objects.filter(recipient=committee).order_by("due_at")
    assert three.title == f"In 3 days: {meeting.title}"
    assert one.title == f"Tomorrow: {meeting.title}"
    assert one.language == "en"


def test_a_moved_meeting_gets_new_reminders_and_keeps_no_stale_ones(joint: Meeting, staff: User) -> None:
    old = joint.starts_at
    new = at(14)
    with travel(T0 + timedelta(hours=1)):
        services.update_meeting(joint, by=fresh(staff), starts_at=new, ends_at=new + timedelta(hours=2))

    assert pending(Kind.MEETING_SOON) == [
        ("committee", new - 3 * DAY),
        ("resident", new - 3 * DAY),
        ("committee", new - DAY),
        ("resident", new - DAY),
    ]
    stale = Reminder.objects.filter(kind=Kind.MEETING_SOON, due_at__in=[old - 3 * DAY, old - DAY])
    assert set(stale.values_list("status", flat=True)) == {Status.CANCELLED}

    # Delivered at the old moments: nothing. At the new ones: each participant once.
    assert deliver(old - DAY + SECOND) == 0
    assert deliver(new - DAY + SECOND) == 4
    assert Notification.objects.filter(kind=Kind.MEETING_SOON).count() == 4


def test_moving_back_revives_the_reminders_of_the_first_time(joint: Meeting, staff: User) -> None:
    old_start, old_end = joint.starts_at, joint.ends_at
    with travel(T0 + timedelta(hours=1)):
        services.update_meeting(joint, by=fresh(staff), starts_at=at(14), ends_at=at(14) + timedelta(hours=2))
        services.update_meeting(fresh_meeting(joint), by=fresh(staff), starts_at=old_start, ends_at=old_end)

    assert pending(Kind.MEETING_SOON) == [
        ("committee", old_start - 3 * DAY),
        ("resident", old_start - 3 * DAY),
        ("committee", old_start - DAY),
        ("resident", old_start - DAY),
    ]
    assert Reminder.objects.filter(kind=Kind.MEETING_SOON).count() == 8  # four revived, four cancelled


def fresh_meeting(meeting: Meeting) -> Meeting:
    return Meeting.objects.get(pk=meeting.pk)


def test_a_meeting_moved_to_the_day_after_tomorrow_gets_only_the_1_day_reminder(joint: Meeting, staff: User) -> None:
    soon = at(2)
    with travel(T0):
        services.update_meeting(joint, by=fresh(staff), starts_at=soon, ends_at=soon + timedelta(hours=2))
    assert pending(Kind.MEETING_SOON) == [("committee", soon - DAY), ("resident", soon - DAY)]


def test_a_moved_place_rewrites_the_pending_reminders(joint: Meeting, staff: User) -> None:
    with travel(T0):
        services.update_meeting(joint, by=fresh(staff), place="蕴园小区物业服务中心")
    bodies = set(Reminder.objects.filter(kind=Kind.MEETING_SOON, status=Status.PENDING).values_list("body", flat=True))
    assert len(bodies) == 1 and "蕴园小区物业服务中心" in bodies.pop()
    assert Reminder.objects.filter(kind=Kind.MEETING_SOON).count() == 4


def test_a_sent_reminder_stays_sent_when_the_meeting_moves(joint: Meeting, staff: User) -> None:
    three_days_before = joint.starts_at - 3 * DAY
    assert deliver(three_days_before) == 2
    later = at(10)
    with travel(three_days_before + timedelta(hours=1)):
        services.update_meeting(
            fresh_meeting(joint), by=fresh(staff), starts_at=later, ends_at=later + timedelta(hours=2)
        )
    assert rows(Kind.MEETING_SOON) == [
        ("committee", three_days_before, Status.SENT),
        ("resident", three_days_before, Status.SENT),
        ("committee", joint.starts_at - DAY, Status.CANCELLED),
        ("resident", joint.starts_at - DAY, Status.CANCELLED),
        ("committee", later - 3 * DAY, Status.PENDING),
        ("resident", later - 3 * DAY, Status.PENDING),
        ("committee", later - DAY, Status.PENDING),
        ("resident", later - DAY, Status.PENDING),
    ]


def test_a_cancelled_meeting_keeps_no_pending_reminder(joint: Meeting, staff: User) -> None:
    with travel(T0):
        services.cancel_meeting(joint, by=fresh(staff), reason="下雨")
    assert pending(Kind.MEETING_SOON) == []
    assert deliver(joint.starts_at) == 0


def test_a_started_meeting_keeps_no_pending_reminder(joint: Meeting, staff: User) -> None:
    with travel(joint.starts_at - DAY - timedelta(hours=1)):
        services.start_meeting(joint, by=fresh(staff))
    assert pending(Kind.MEETING_SOON) == []
    assert [status for *_rest, status in rows(Kind.MEETING_SOON)].count(Status.CANCELLED) == 4


def test_a_person_no_longer_invited_loses_their_reminders(joint: Meeting, staff: User) -> None:
    with travel(T0):
        services.update_meeting(joint, by=fresh(staff), people=[])
    assert [name for name, _due in pending(Kind.MEETING_SOON)] == ["committee", "committee"]


def test_the_producer_tops_up_a_member_who_joined_an_organisation_since(
    world: World, joint: Meeting, staff: User
) -> None:
    newcomer = make_user("newcomer", phone="13700001111")
    Membership.objects.create(user=newcomer, role="committee_member", organisation=world.committee_org)
    joint.participants.create(user=newcomer, organisation=world.committee_org)

    one_day_before = joint.starts_at - DAY
    # Four days before the start the 3-day moment is a day ahead: the producer plans it.
    assert produce_meetings(joint.starts_at - 4 * DAY) == 2
    assert ("newcomer", joint.starts_at - 3 * DAY) in pending(Kind.MEETING_SOON)
    assert ("newcomer", one_day_before) in pending(Kind.MEETING_SOON)
    assert produce_meetings(joint.starts_at - 4 * DAY + timedelta(minutes=5)) == 0


def test_scheduling_twice_and_running_the_producer_twice_deliver_each_reminder_once(joint: Meeting) -> None:
    produce_meetings(joint.starts_at - 3 * DAY - timedelta(minutes=5))
    produce_meetings(joint.starts_at - 3 * DAY - timedelta(minutes=5))
    assert deliver(joint.starts_at - 3 * DAY) == 2
    assert deliver(joint.starts_at - 3 * DAY + timedelta(minutes=1)) == 0
    assert Notification.objects.filter(kind=Kind.MEETING_SOON).count() == 2


# ---------------------------------------------------------------- minutes not published


def test_minutes_not_published_remind_the_organiser_3_and_7_days_after(joint: Meeting, staff: User) -> None:
    with travel(joint.starts_at):
        held = hold(joint, staff)
    ends = held.ends_at
    with travel(joint.starts_at + timedelta(hours=2)):
        Meeting.objects.filter(pk=held.pk).update(ends_at=ends)

    assert produce_meetings(ends + 3 * DAY - SECOND) == 0
    assert produce_meetings(ends + 3 * DAY) == 1
    assert produce_meetings(ends + 3 * DAY + timedelta(minutes=5)) == 0
    assert produce_meetings(ends + 7 * DAY) == 1
    assert pending(Kind.MINUTES_DUE) == [("staff", ends + 3 * DAY), ("staff", ends + 7 * DAY)]
    reminder = Reminder.objects.filter(kind=Kind.MINUTES_DUE).first()
    assert reminder is not None and held.title in reminder.title


def test_published_minutes_are_not_reminded(joint: Meeting, staff: User) -> None:
    with travel(joint.starts_at):
        held = hold(joint, staff, publish=True)
    assert produce_meetings(held.ends_at + 3 * DAY) == 0
    assert produce_meetings(held.ends_at + 7 * DAY) == 0
    assert pending(Kind.MINUTES_DUE) == []


def test_a_cancelled_meeting_has_no_minutes_to_remind(joint: Meeting, staff: User) -> None:
    with travel(T0):
        services.cancel_meeting(joint, by=fresh(staff))
    assert produce_meetings(joint.ends_at + 3 * DAY) == 0


def test_minutes_moments_missed_while_down_are_caught_up_within_a_day(joint: Meeting, staff: User) -> None:
    with travel(joint.starts_at):
        held = hold(joint, staff)
    assert produce_meetings(held.ends_at + 3 * DAY + timedelta(hours=20)) == 1
    assert produce_meetings(held.ends_at + 5 * DAY) == 0


# ---------------------------------------------------------------- action items


@pytest.fixture
def decided(joint: Meeting, staff: User, property_staff: User) -> ActionItem:
    """Held on 10 March; the property company's man must fix the lights by Friday 14 March."""
    with travel(joint.starts_at):
        meeting = services.start_meeting(joint, by=fresh(staff))
        return services.add_action_item(
            meeting, by=fresh(staff), title="修复3号楼楼道灯", due_on=date(2025, 3, 14), owner=property_staff
        )


def nine_am(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 9, 0, tzinfo=SHANGHAI)


def test_an_action_item_due_in_2_days_reminds_its_owner_at_nine(decided: ActionItem) -> None:
    moment = nine_am(date(2025, 3, 12))
    assert produce_meetings(moment - SECOND) == 0
    assert produce_meetings(moment) == 1
    assert produce_meetings(moment + timedelta(minutes=5)) == 0
    assert pending(Kind.ACTION_ITEM_DUE) == [("property", moment)]
    reminder = Reminder.objects.get(kind=Kind.ACTION_ITEM_DUE)
    assert "修复3号楼楼道灯" in reminder.title
    assert reminder.url == f"/meetings/{decided.meeting_id}/"


def test_an_overdue_action_item_reminds_its_owner_and_the_organiser_the_day_after(decided: ActionItem) -> None:
    moment = nine_am(date(2025, 3, 15))
    assert produce_meetings(moment - SECOND) == 0
    assert produce_meetings(moment) == 2
    assert pending(Kind.ACTION_ITEM_OVERDUE) == [("property", moment), ("staff", moment)]


def test_a_done_action_item_is_not_reminded(decided: ActionItem, property_staff: User) -> None:
    with travel(nine_am(date(2025, 3, 11))):
        services.complete_action_item(decided, by=fresh(property_staff), note="已换灯泡")
    assert produce_meetings(nine_am(date(2025, 3, 12))) == 0
    assert produce_meetings(nine_am(date(2025, 3, 15))) == 0


def test_an_action_item_of_an_organisation_reminds_its_active_members(
    world: World, joint: Meeting, staff: User, committee: User
) -> None:
    with travel(joint.starts_at):
        meeting = services.start_meeting(joint, by=fresh(staff))
        services.add_action_item(
            meeting,
            by=fresh(staff),
            title="公示维修资金使用情况",
            due_on=date(2025, 3, 14),
            owner_organisation=world.committee_org,
        )
    left = make_user("left", phone="13700002222")
    Membership.objects.create(
        user=left, role="committee_member", organisation=world.committee_org, ended_on=date(2025, 1, 1)
    )
    assert produce_meetings(nine_am(date(2025, 3, 12))) == 1
    assert pending(Kind.ACTION_ITEM_DUE) == [("committee", nine_am(date(2025, 3, 12)))]


# ---------------------------------------------------------------- rating rounds


@pytest.fixture
def criteria(db: Any) -> list[RatingCriterion]:
    seed = importlib.import_module("governance.migrations.0005_seed_rating_criteria").CRITERIA
    return [
        RatingCriterion.objects.update_or_create(
            code=code,
            defaults={"name_zh": zh, "name_en": en, "weight": weight, "position": position, "is_active": True},
        )[0]
        for code, zh, en, weight, position in seed
    ]


@pytest.fixture
def director(world: World) -> User:
    user = make_user("director", phone="13700003333")
    Membership.objects.create(user=user, role="committee_member", organisation=world.committee_org, position="主任")
    return user


@pytest.fixture
def march_round(world: World, staff: User, committee: User, director: User, criteria: Any) -> RatingRound:
    with travel(T0):
        return services.open_rating_round(world.estate, by=fresh(staff), period_start=date(2025, 3, 1))


def test_opening_a_round_tells_each_committee_member(march_round: RatingRound) -> None:
    assert pending(Kind.RATING_ROUND_OPEN) == [("committee", T0), ("director", T0)]
    assert deliver(T0) == 2
    notification = Notification.objects.filter(recipient__username="committee").get()
    assert "蕴园小区" in notification.title
    assert notification.url == "/ratings/"


def test_members_who_have_not_scored_are_reminded_three_days_before_the_close(
    march_round: RatingRound, committee: User
) -> None:
    assert march_round.closes_on == date(2025, 3, 31)
    with travel(T0):
        services.submit_rating(
            march_round,
            by=fresh(committee),
            scores=dict.fromkeys(RatingCriterion.objects.values_list("code", flat=True), 90),
        )
    moment = nine_am(date(2025, 3, 29))
    with travel(moment - SECOND):
        assert services.schedule_rating_reminders() == 0
    with travel(moment):
        assert services.schedule_rating_reminders() == 1
    with travel(moment + timedelta(minutes=5)):
        assert services.schedule_rating_reminders() == 0
    assert pending(Kind.RATING_NOT_SCORED) == [("director", moment)]


def test_a_closed_round_is_not_reminded(march_round: RatingRound, staff: User) -> None:
    with travel(T0):
        services.close_rating_round(march_round, by=fresh(staff))
    with travel(nine_am(date(2025, 3, 29))):
        assert services.schedule_rating_reminders() == 0


def test_the_round_closes_by_itself_and_tells_the_staff(march_round: RatingRound) -> None:
    assert services.close_due_rating_rounds(today=date(2025, 3, 31)) == 0
    with travel(datetime(2025, 4, 1, 0, 5, tzinfo=SHANGHAI)):
        assert services.close_due_rating_rounds() == 1
    march_round.refresh_from_db()
    assert march_round.status == RatingRound.Status.CLOSED
    assert [name for name, _due in pending(Kind.RATING_ROUND_CLOSED)] == ["staff"]


def test_rounds_open_on_the_first_for_every_estate_with_a_committee(
    world: World, committee: User, criteria: Any
) -> None:
    first = datetime(2025, 4, 1, 0, 10, tzinfo=SHANGHAI)
    with travel(first):
        assert services.open_due_rating_rounds() == 1
        assert services.open_due_rating_rounds() == 0
    assert RatingRound.objects.get().period_start == date(2025, 4, 1)
    assert pending(Kind.RATING_ROUND_OPEN) == [("committee", first)]


def test_a_self_managed_estate_without_a_company_gets_no_round(world: World, criteria: Any) -> None:
    member = make_user("selfmanaged", phone="13700004444")
    Membership.objects.create(user=member, role="committee_member", organisation=world.other_committee_org)
    with travel(datetime(2025, 4, 1, 0, 10, tzinfo=SHANGHAI)):
        assert services.open_due_rating_rounds() == 0
    assert not RatingRound.objects.exists()


# ---------------------------------------------------------------- the schedules


def test_beat_runs_every_producer_and_sweep() -> None:
    # A transactional test elsewhere may have flushed the rows the migrations wrote: write them again.
    from django.apps import apps

    for name in ("0007_reminder_schedules", "0009_governance_reminder_schedules"):
        importlib.import_module(f"governance.migrations.{name}").Migration.operations[0].code(apps, None)
    tasks = dict(PeriodicTask.objects.filter(enabled=True).values_list("task", "name"))
    for task in (
        "governance.tasks.deliver_reminders",
        "governance.tasks.send_due_emails",
        "governance.tasks.schedule_request_reminders",
        "governance.tasks.schedule_meeting_reminders",
        "governance.tasks.schedule_rating_reminders",
        "governance.tasks.open_rating_rounds",
        "governance.tasks.close_rating_rounds",
    ):
        assert task in tasks
    opening = PeriodicTask.objects.get(task="governance.tasks.open_rating_rounds")
    assert (opening.crontab.minute, opening.crontab.hour, str(opening.crontab.timezone)) == ("10", "0", "Asia/Shanghai")
