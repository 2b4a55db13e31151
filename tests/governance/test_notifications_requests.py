"""The requests' reminders, at their exact moments (time-machine, never sleeps).

Plumbing (the requests' fixture category) must be taken within 24 hours; a resolved request
closes after 7 days without an answer, and its resident is reminded on day 5."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
import time_machine

from estates.models import Membership, User
from governance import services, tasks
from governance.models import EstatePolicy, Notification, Reminder, ResidentRequest
from tests.conftest import World
from tests.governance.conftest import T0, fresh

pytestmark = pytest.mark.django_db

Kind = Reminder.Kind
SECOND = timedelta(seconds=1)
DAY = timedelta(days=1)


def produce(at: datetime) -> int:
    with time_machine.travel(at, tick=False):
        return services.schedule_request_reminders()


def reminders(kind: str | None = None) -> list[tuple[str, str, datetime]]:
    rows = Reminder.objects.order_by("kind", "recipient__username")
    if kind:
        rows = rows.filter(kind=kind)
    return list(rows.values_list("kind", "recipient__username", "due_at"))


@pytest.fixture
def filed_at_t0(file_request: Callable[..., ResidentRequest], staff: User, outsider: User) -> ResidentRequest:
    with time_machine.travel(T0, tick=False):
        return file_request()


def test_not_taken_within_its_time_reminds_the_property_company_at_that_moment(
    filed_at_t0: ResidentRequest, property_staff: User, colleague: User, rival: User
) -> None:
    boundary = T0 + timedelta(hours=24)

    assert produce(boundary - SECOND) == 0
    assert produce(boundary) == 2
    assert produce(boundary + timedelta(minutes=5)) == 0  # the next run: already scheduled

    assert reminders() == [
        (Kind.REQUEST_NOT_TAKEN, "colleague", boundary),
        (Kind.REQUEST_NOT_TAKEN, "property", boundary),
    ]
    reminder = Reminder.objects.filter(recipient=property_staff).get()
    assert reminder.url == f"/requests/{filed_at_t0.pk}/"
    assert reminder.target_type == "governance.residentrequest"
    assert reminder.target_id == filed_at_t0.pk
    assert str(filed_at_t0.pk) in reminder.title
    assert "蕴园小区" in reminder.body


def test_not_taken_within_twice_its_time_reminds_the_community_staff(
    filed_at_t0: ResidentRequest, property_staff: User, staff: User, outsider: User
) -> None:
    twice = T0 + timedelta(hours=48)

    produce(T0 + timedelta(hours=24))
    assert produce(twice - SECOND) == 0
    assert produce(twice) == 1

    assert reminders(Kind.REQUEST_NOT_TAKEN_STAFF) == [(Kind.REQUEST_NOT_TAKEN_STAFF, "staff", twice)]


def test_a_request_taken_in_time_is_not_reminded_as_not_taken(
    filed_at_t0: ResidentRequest, property_staff: User
) -> None:
    with time_machine.travel(T0 + timedelta(hours=2), tick=False):
        services.accept_request(filed_at_t0, by=fresh(property_staff), due_at=T0 + timedelta(hours=72))

    produce(T0 + timedelta(hours=48))

    assert reminders() == []


def test_past_its_due_time_reminds_the_company_that_took_it(
    filed_at_t0: ResidentRequest, property_staff: User, colleague: User, staff: User, rival: User
) -> None:
    due = T0 + timedelta(hours=30)
    with time_machine.travel(T0 + timedelta(hours=2), tick=False):
        services.accept_request(filed_at_t0, by=fresh(property_staff), due_at=due)

    assert produce(due - SECOND) == 0
    assert produce(due) == 2

    assert reminders() == [
        (Kind.REQUEST_OVERDUE, "colleague", due),
        (Kind.REQUEST_OVERDUE, "property", due),
    ]


def test_a_routed_request_past_its_due_time_reminds_the_community_staff(
    filed_at_t0: ResidentRequest, staff: User, property_staff: User
) -> None:
    due = T0 + timedelta(hours=30)
    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        services.route_request(filed_at_t0, by=fresh(staff), due_at=due)

    assert produce(due) == 1
    assert reminders() == [(Kind.REQUEST_OVERDUE, "staff", due)]


def test_resolved_without_an_answer_reminds_the_resident_on_day_five_and_closes_on_day_seven(
    request_in: Callable[[str], ResidentRequest], resident: User, world: World
) -> None:
    with time_machine.travel(T0, tick=False):
        request = request_in("resolved")
    day5, day7 = T0 + 5 * DAY, T0 + 7 * DAY

    assert produce(day5 - SECOND) == 0
    assert produce(day5) == 1
    assert reminders() == [(Kind.REQUEST_UNANSWERED, "resident", day5)]
    reminder = Reminder.objects.get()
    assert "3号楼3单元501" in reminder.body

    with time_machine.travel(day7 - SECOND, tick=False):
        assert tasks.close_unanswered.delay().get() == 0
    with time_machine.travel(day7, tick=False):
        assert tasks.close_unanswered.delay().get() == 1
    request.refresh_from_db()
    assert request.status == ResidentRequest.Status.CLOSED
    assert produce(day7) == 0


def test_an_estate_that_closes_sooner_reminds_two_days_before_it_closes(
    request_in: Callable[[str], ResidentRequest], resident: User, world: World
) -> None:
    EstatePolicy.objects.update_or_create(estate=world.estate, defaults={"auto_close_days": 3})
    with time_machine.travel(T0, tick=False):
        request_in("resolved")

    assert produce(T0 + DAY - SECOND) == 0
    assert produce(T0 + DAY) == 1
    assert produce(T0 + 5 * DAY) == 0


def test_moments_older_than_a_day_are_not_looked_at_again(filed_at_t0: ResidentRequest, property_staff: User) -> None:
    # The producer was down for two days: the "not taken" moment (day 1) is past its window;
    # the "twice" moment (day 2) is still in it.
    produce(T0 + timedelta(hours=24) + DAY + SECOND)

    assert reminders(Kind.REQUEST_NOT_TAKEN) == []


def test_request_reminders_arrive_as_notifications_once(
    filed_at_t0: ResidentRequest, property_staff: User, staff: User
) -> None:
    for hours in (24, 24, 48, 49):
        moment = T0 + timedelta(hours=hours)
        produce(moment)
        with time_machine.travel(moment, tick=False):
            tasks.deliver_reminders.delay().get()

    got = dict(Notification.objects.values_list("recipient__username", "kind"))
    assert got == {"property": Kind.REQUEST_NOT_TAKEN, "staff": Kind.REQUEST_NOT_TAKEN_STAFF}


def test_people_who_left_are_not_reminded(filed_at_t0: ResidentRequest, property_staff: User) -> None:
    Membership.objects.filter(user=property_staff).update(ended_on=T0.date())

    assert produce(T0 + timedelta(hours=24)) == 0


def test_the_text_follows_each_recipients_language(
    filed_at_t0: ResidentRequest, property_staff: User, colleague: User, settings: Any
) -> None:
    services.update_notification_preferences(by=colleague, email_enabled=True, language="en")

    produce(T0 + timedelta(hours=24))

    texts = dict(Reminder.objects.values_list("recipient__username", "body"))
    assert "Plumbing and sewage" in texts["colleague"]
    assert "上下水与排污" in texts["property"]
