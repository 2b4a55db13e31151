"""Meetings as iCalendar: parsed back with the icalendar library and checked against RFC 5545
(required properties, validation, line folding); SEQUENCE rises when a meeting moves; a cancelled
meeting is STATUS:CANCELLED; attendees carry names, never contacts; the personal feed lists
exactly the person's meetings and a wrong address is a 404."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from icalendar import Calendar, Event

from estates.models import User
from governance import services
from governance.models import Meeting
from tests.conftest import World, make_user
from tests.governance.conftest import T0, client_as, fresh
from tests.governance.test_meetings_helpers import PLACE, at, schedule

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def _at_t0() -> Iterator[None]:
    with time_machine.travel(T0, tick=True):
        yield


def ics(user: User | None, meeting: Meeting) -> Any:
    return client_as(user).get(f"/api/v1/meetings/{meeting.pk}/ics/")


def parse(body: bytes) -> Calendar:
    """Parse and validate: RFC 5545 line folding (CRLF, at most 75 octets a line), the
    calendar's required properties, no property the parser had to give up on, every TZID defined."""
    lines = body.split(b"\r\n")
    assert lines[-1] == b"" and all(b"\n" not in line for line in lines)
    assert max(len(line) for line in lines) <= 75
    calendar = Calendar.from_ical(body)
    calendar.validate()
    for component in calendar.walk():
        assert component.errors == [], component.errors
    assert calendar.get_missing_tzids() == set()
    return calendar


def the_event(calendar: Calendar) -> Event:
    (event,) = calendar.events
    return event


def test_meeting_ics_is_valid_rfc_5545_with_every_required_property(
    world: World, staff: User, committee: User, resident: User
) -> None:
    meeting = schedule(world, staff, organisations=[world.committee_org], people=[resident], title="三月联席会议")
    services.add_agenda_item(meeting, by=fresh(staff), title="北门停车")
    response = ics(staff, meeting)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="meeting-{meeting.pk}.ics"'
    calendar = parse(response.content)
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["PRODID"]).startswith("-//Huanxin")
    assert str(calendar["METHOD"]) == "REQUEST"
    assert [tz.tz_name for tz in calendar.timezones] == ["Asia/Shanghai"]
    event = the_event(calendar)
    for name in ("UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "LOCATION", "DESCRIPTION", "SEQUENCE", "STATUS"):
        assert name in event, name
    assert str(event["UID"]) == f"{meeting.uid}@testserver"
    assert event.start == datetime(2025, 3, 10, 15, 0, tzinfo=SHANGHAI)
    assert event.end == datetime(2025, 3, 10, 17, 0, tzinfo=SHANGHAI)
    assert event["DTSTART"].params["TZID"] == "Asia/Shanghai"
    assert event["DTSTAMP"].dt.utcoffset() == timedelta(0)
    assert (str(event["SUMMARY"]), str(event["LOCATION"])) == ("三月联席会议", PLACE)
    assert (event["SEQUENCE"], str(event["STATUS"])) == (0, "CONFIRMED")
    assert "1. 北门停车" in str(event["DESCRIPTION"])
    assert str(event["URL"]) == f"http://testserver/meetings/{meeting.pk}/"
    assert event["ORGANIZER"].params["CN"] == "王社工"


def test_attendees_are_named_without_phones_or_emails(
    world: World, staff: User, committee: User, resident: User
) -> None:
    resident.email = "li@example.com"
    resident.save()
    committee.email = "chen@example.com"
    committee.save()
    meeting = schedule(world, staff, organisations=[world.committee_org], people=[resident])
    body = ics(resident, meeting).content
    event = the_event(parse(body))
    attendees = {a.params["CN"]: str(a) for a in event["ATTENDEE"]}
    assert set(attendees) == {"李居民", "陈委员"}
    # The viewer's own address is theirs; everyone else is an opaque URN.
    assert attendees["李居民"] == "mailto:li@example.com"
    assert attendees["陈委员"].startswith("urn:uuid:")
    text = body.decode()
    for secret in ("chen@example.com", "13700003333", "13812341234", "13800001111"):
        assert secret not in text
    # Seen by someone else, the resident's address is no longer there either.
    assert "li@example.com" not in ics(committee, meeting).content.decode()


def test_moving_a_meeting_raises_its_sequence_with_the_same_uid(world: World, staff: User) -> None:
    meeting = schedule(world, staff)
    before = the_event(parse(ics(staff, meeting).content))
    client_as(staff).patch(
        f"/api/v1/meetings/{meeting.pk}/",
        {"starts_at": at(8, 9).isoformat(), "ends_at": at(8, 11).isoformat()},
        format="json",
    )
    moved = the_event(parse(ics(staff, meeting).content))
    client_as(staff).patch(f"/api/v1/meetings/{meeting.pk}/", {"place": "3号楼前空地"}, format="json")
    moved_again = the_event(parse(ics(staff, meeting).content))
    assert (before["SEQUENCE"], moved["SEQUENCE"], moved_again["SEQUENCE"]) == (0, 1, 2)
    assert str(before["UID"]) == str(moved["UID"]) == str(moved_again["UID"])
    assert moved.start == datetime(2025, 3, 11, 9, 0, tzinfo=SHANGHAI)
    assert str(moved_again["LOCATION"]) == "3号楼前空地"


def test_a_cancelled_meeting_is_status_cancelled_with_a_new_sequence(world: World, staff: User) -> None:
    meeting = services.cancel_meeting(schedule(world, staff), by=fresh(staff))
    event = the_event(parse(ics(staff, meeting).content))
    assert (str(event["STATUS"]), event["SEQUENCE"]) == ("CANCELLED", 1)


@pytest.mark.parametrize("name", ["outsider", "neighbour", "property_staff", "anonymous"])
def test_ics_is_404_for_those_outside_the_meeting(world: World, staff: User, request: Any, name: str) -> None:
    user = None if name == "anonymous" else request.getfixturevalue(name)
    meeting = schedule(world, staff)
    assert ics(user, meeting).status_code == 404
    assert b"BEGIN:VCALENDAR" not in ics(user, meeting).content


def test_ics_of_published_minutes_stays_with_those_who_took_part(
    world: World, staff: User, resident: User, outsider: User
) -> None:
    meeting = schedule(world, staff, people=[resident])
    services.start_meeting(meeting, by=fresh(staff))
    services.close_meeting(meeting, by=fresh(staff))
    services.update_meeting(meeting, by=fresh(staff), summary="纪要")
    services.publish_minutes(meeting, by=fresh(staff))
    assert ics(resident, meeting).status_code == 200
    assert ics(outsider, meeting).status_code == 404


# ---------------------------------------------------------------- the personal feed


def feed_url(user: User) -> str:
    body = client_as(user).post("/api/v1/meetings/feed/").json()
    return body["url"].removeprefix("http://testserver")


def test_the_feed_lists_exactly_the_persons_meetings(
    world: World, staff: User, committee: User, resident: User, neighbour: User, outsider: User
) -> None:
    invited = schedule(world, staff, people=[resident], title="邀请了居民")
    services.add_agenda_item(invited, by=fresh(staff), title="北门停车")
    through_committee = schedule(world, staff, organisations=[world.committee_org], title="业委会参加")
    cancelled = services.cancel_meeting(schedule(world, staff, people=[resident], title="取消了"), by=fresh(staff))
    schedule(world, staff, people=[neighbour], title="没有邀请")
    services.schedule_meeting(
        world.other_community, by=fresh(outsider), kind="joint", starts_at=at(3), ends_at=at(3, 17), place="别处"
    )
    url = feed_url(resident)
    assert url.startswith("/meetings/feed/") and url.endswith(".ics")
    response = Client().get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = parse(response.content)
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert {str(e["UID"]).split("@")[0] for e in calendar.events} == {str(invited.uid), str(cancelled.uid)}
    statuses = {str(e["SUMMARY"]): str(e["STATUS"]) for e in calendar.events}
    assert statuses == {"邀请了居民": "CONFIRMED", "取消了": "CANCELLED"}
    # The feed names no attendee and no agenda item: calendar services keep what they fetch.
    assert all("ATTENDEE" not in event for event in calendar.events)
    assert "北门停车" not in response.content.decode()
    # The committee member's feed has the meeting of their committee; the organiser's has all four of ours.
    committee_feed = parse(Client().get(feed_url(committee)).content)
    assert [str(e["UID"]) for e in committee_feed.events] == [f"{through_committee.uid}@testserver"]
    assert len(parse(Client().get(feed_url(staff)).content).events) == 4


def test_an_empty_feed_is_still_a_valid_calendar_name(world: World, resident: User) -> None:
    response = Client().get(feed_url(resident))
    assert response.status_code == 200
    calendar = Calendar.from_ical(response.content)
    assert calendar.events == []
    assert str(calendar["X-WR-CALNAME"])


def test_a_wrong_or_replaced_feed_address_is_404(world: World, staff: User, resident: User) -> None:
    schedule(world, staff, people=[resident])
    old = feed_url(resident)
    assert Client().get(old).status_code == 200
    new = feed_url(resident)
    assert new != old
    assert Client().get(old).status_code == 404
    assert Client().get("/meetings/feed/not-a-token.ics").status_code == 404
    assert Client().get(new).status_code == 200


def test_the_feed_of_a_deactivated_person_is_404(world: World, staff: User) -> None:
    person = make_user("leaver")
    url = feed_url(person)
    person.is_active = False
    person.save()
    assert Client().get(url).status_code == 404


def test_the_feed_address_is_read_and_replaced_through_the_api(world: World, resident: User) -> None:
    client = client_as(resident)
    assert client.get("/api/v1/meetings/feed/").json() == {"url": None, "created_at": None}
    made = client.post("/api/v1/meetings/feed/").json()
    assert made["url"].startswith("http://testserver/meetings/feed/")
    assert client.get("/api/v1/meetings/feed/").json() == made
    assert client.post("/api/v1/meetings/feed/").json()["url"] != made["url"]
    assert client_as(None).get("/api/v1/meetings/feed/").status_code in (401, 403)
    assert client_as(None).post("/api/v1/meetings/feed/").status_code in (401, 403)


def test_feed_queries_do_not_grow_with_the_meetings(
    world: World, staff: User, committee: User, resident: User, django_assert_num_queries: Any
) -> None:
    url = feed_url(resident)
    for day in range(3):
        meeting = schedule(world, staff, days=day + 7, organisations=[world.committee_org], people=[resident])
        services.add_agenda_item(meeting, by=fresh(staff), title="议题")
    # the feed with its user; the meetings with community, estate and organiser
    with django_assert_num_queries(2):
        assert len(Calendar.from_ical(Client().get(url).content).events) == 3
