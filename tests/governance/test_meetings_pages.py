"""The meeting pages: who may open each (an outsider never), the public minutes, the estate page's
minutes section, and the house's CSP rules. The data comes from the API (test_meetings_api.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.test import Client

from estates.models import User
from governance.models import Meeting
from tests.conftest import World
from tests.estates.test_pages import assert_strict_page
from tests.governance.conftest import T0
from tests.governance.test_meetings_helpers import hold, schedule


@pytest.fixture(autouse=True)
def _at_t0() -> Iterator[None]:
    with time_machine.travel(T0, tick=True):
        yield


def client_as(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def meeting(world: World, staff: User, committee: User, resident: User) -> Meeting:
    return schedule(world, staff, organisations=[world.committee_org], people=[resident], title="三月联席会议")


def test_the_meeting_list_is_open_to_everyone(world: World, request: Any) -> None:
    for name in ("staff", "resident", "outsider", "mediator"):
        response = client_as(request.getfixturevalue(name)).get("/meetings/")
        assert response.status_code == 200
        assert_strict_page(response)
        assert b'id="meeting-feed"' in response.content
    public = client_as(None).get("/meetings/")
    assert public.status_code == 200
    assert_strict_page(public)
    assert b'id="meeting-feed"' not in public.content
    assert "Schedule a meeting" not in public.content.decode() and "安排会议" not in public.content.decode()


def test_staff_see_the_schedule_button_and_form(world: World, staff: User, street_admin: User) -> None:
    for user in (staff, street_admin):
        response = client_as(user).get("/meetings/new/")
        assert response.status_code == 200
        assert_strict_page(response)
        assert 'href="/meetings/new/"' in client_as(user).get("/meetings/").content.decode()
    assert "小阳泉北社区" in client_as(staff).get("/meetings/new/").content.decode()


@pytest.mark.parametrize("name", ["resident", "committee", "property_staff", "mediator"])
def test_the_schedule_form_is_404_for_everyone_else(world: World, request: Any, name: str) -> None:
    assert client_as(request.getfixturevalue(name)).get("/meetings/new/").status_code == 404


def test_the_schedule_form_of_the_outsider_offers_only_their_community(world: World, outsider: User) -> None:
    page = client_as(outsider).get("/meetings/new/").content.decode()
    assert "中心广场社区" in page and "小阳泉北社区" not in page and "蕴园小区" not in page


def test_visitors_are_sent_to_sign_in_for_the_staff_pages(meeting: Meeting) -> None:
    for path in ("/meetings/new/", f"/meetings/{meeting.pk}/run/"):
        response = client_as(None).get(path)
        assert response.status_code == 302 and response.url.startswith("/accounts/login/")


@pytest.mark.parametrize("name", ["staff", "street_admin", "committee", "resident", "superuser"])
def test_the_meeting_page_opens_for_staff_and_those_taking_part(meeting: Meeting, request: Any, name: str) -> None:
    response = client_as(request.getfixturevalue(name)).get(f"/meetings/{meeting.pk}/")
    assert response.status_code == 200
    assert_strict_page(response)
    assert f"/api/v1/meetings/{meeting.pk}/ics/" in response.content.decode()
    minutes = client_as(request.getfixturevalue(name)).get(f"/meetings/{meeting.pk}/minutes/")
    assert minutes.status_code == 200


@pytest.mark.parametrize("name", ["outsider", "neighbour", "property_staff", "mediator", None])
def test_an_unpublished_meeting_is_404_for_the_rest(meeting: Meeting, request: Any, name: str | None) -> None:
    client = client_as(request.getfixturevalue(name) if name else None)
    for path in (f"/meetings/{meeting.pk}/", f"/meetings/{meeting.pk}/minutes/"):
        assert client.get(path).status_code == 404, path


def test_the_run_page_is_for_the_communitys_staff(meeting: Meeting, staff: User, request: Any) -> None:
    response = client_as(staff).get(f"/meetings/{meeting.pk}/run/")
    assert response.status_code == 200
    assert_strict_page(response)
    assert b'id="agenda-item-editor"' in response.content
    for name in ("committee", "resident", "outsider"):
        assert client_as(request.getfixturevalue(name)).get(f"/meetings/{meeting.pk}/run/").status_code == 404


def test_published_minutes_are_a_public_page(meeting: Meeting, staff: User, outsider: User) -> None:
    hold(meeting, staff, publish=True)
    for client in (client_as(None), client_as(outsider)):
        response = client.get(f"/meetings/{meeting.pk}/minutes/")
        assert response.status_code == 200
        assert_strict_page(response)
        assert "三月联席会议" in response.content.decode()
        # The meeting page sends those not taking part to the minutes.
        detail = client.get(f"/meetings/{meeting.pk}/")
        assert detail.status_code == 302 and detail.url == f"/meetings/{meeting.pk}/minutes/"


def test_the_estate_page_has_the_minutes_section(world: World) -> None:
    response = client_as(None).get(f"/estates/{world.estate.pk}/")
    assert response.status_code == 200
    assert_strict_page(response)
    assert b'id="estate-meetings"' in response.content


def test_the_navigation_links_the_meetings(world: World, resident: User) -> None:
    for client in (client_as(None), client_as(resident)):
        assert 'href="/meetings/"' in client.get("/").content.decode()
