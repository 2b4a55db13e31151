"""The notification centre's API and pages: each person sees and changes only their own."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client

from estates.models import User
from governance import services
from governance.models import Notification, NotificationPreference, Reminder
from tests.conftest import World
from tests.estates.test_pages import assert_strict_page
from tests.governance.conftest import EN, T0, client_as

pytestmark = pytest.mark.django_db

URL = "/api/v1/notifications/"


def notify(user: User, count: int = 1, *, kind: str = Reminder.Kind.REQUEST_OVERDUE) -> list[Notification]:
    """`count` delivered reminders for `user`, the oldest first."""
    for n in range(count):
        services.schedule_reminder(
            kind=kind,
            target=("governance.residentrequest", 100 + n),
            recipient=user,
            due_at=T0 + timedelta(minutes=n),
            title=f"点单 #{100 + n} 已超过约定时间",
            body="上下水与排污 · 3号楼3单元501 · 蕴园小区",
            url=f"/requests/{100 + n}/",
        )
    with time_machine.travel(T0 + timedelta(minutes=count), tick=False):
        services.deliver_due_reminders()
    return list(Notification.objects.filter(recipient=user).order_by("created_at", "id"))


def test_the_whole_body_of_a_notification(world: World, property_staff: User) -> None:
    (notification,) = notify(property_staff)

    response = client_as(property_staff).get(f"{URL}{notification.pk}/", **EN)

    assert response.status_code == 200
    assert response.json() == {
        "id": notification.pk,
        "kind": "request_overdue",
        "kind_display": "Request past its due time",
        "title": "点单 #100 已超过约定时间",
        "body": "上下水与排污 · 3号楼3单元501 · 蕴园小区",
        "url": "/requests/100/",
        "created_at": "2025-03-03T09:01:00+08:00",
        "read_at": None,
        "is_read": False,
    }


def test_each_person_lists_only_their_own(world: World, property_staff: User, staff: User, outsider: User) -> None:
    notify(property_staff, 2)
    notify(staff, 1)

    assert client_as(property_staff).get(URL).json()["count"] == 2
    assert client_as(staff).get(URL).json()["count"] == 1
    assert client_as(outsider).get(URL).json()["count"] == 0


def test_someone_elses_notification_is_404_to_read_and_to_mark(
    world: World, property_staff: User, outsider: User, superuser: User
) -> None:
    (notification,) = notify(property_staff)

    for intruder in (outsider, superuser):
        client = client_as(intruder)
        assert client.get(f"{URL}{notification.pk}/").status_code == 404
        assert client.post(f"{URL}{notification.pk}/read/").status_code == 404
    assert Notification.objects.get().read_at is None


def test_the_public_is_refused_everything(world: World, property_staff: User) -> None:
    (notification,) = notify(property_staff)
    public = client_as(None)

    for response in (
        public.get(URL),
        public.get(f"{URL}{notification.pk}/"),
        public.post(f"{URL}{notification.pk}/read/"),
        public.post(f"{URL}read-all/"),
        public.get(f"{URL}unread-count/"),
        public.get(f"{URL}preferences/"),
        public.put(f"{URL}preferences/", {"email_enabled": False}, format="json"),
    ):
        assert response.status_code in (401, 403)


@pytest.mark.parametrize("rows", [3, 30])
def test_the_list_costs_the_same_for_3_or_30(
    world: World, property_staff: User, rows: int, django_assert_num_queries: Any
) -> None:
    notify(property_staff, rows)
    client = client_as(property_staff)

    # count, page
    with django_assert_num_queries(2):
        response = client.get(URL, {"page_size": 50})

    assert response.json()["count"] == rows
    titles = [item["title"] for item in response.json()["results"]]
    assert titles[0] == f"点单 #{100 + rows - 1} 已超过约定时间"  # newest first


def test_mark_read_unread_count_and_read_all(world: World, property_staff: User, staff: User) -> None:
    first, *_rest = notify(property_staff, 3)
    notify(staff, 1)
    client = client_as(property_staff)

    assert client.get(f"{URL}unread-count/").json() == {"unread": 3}
    marked = client.post(f"{URL}{first.pk}/read/")
    assert marked.status_code == 200
    assert marked.json()["is_read"] is True
    assert client.post(f"{URL}{first.pk}/read/").status_code == 200  # again: harmless
    assert client.get(f"{URL}unread-count/").json() == {"unread": 2}
    assert client.get(URL, {"unread": "true"}).json()["count"] == 2

    assert client.post(f"{URL}read-all/").json() == {"marked": 2}
    assert client.get(f"{URL}unread-count/").json() == {"unread": 0}
    assert client_as(staff).get(f"{URL}unread-count/").json() == {"unread": 1}


def test_unread_count_is_one_query(world: World, property_staff: User, django_assert_num_queries: Any) -> None:
    notify(property_staff, 3)
    client = client_as(property_staff)
    with django_assert_num_queries(1):
        assert client.get(f"{URL}unread-count/").json() == {"unread": 3}


def test_preferences_have_defaults_and_are_replaced_by_put(world: World, property_staff: User) -> None:
    client = client_as(property_staff)

    assert client.get(f"{URL}preferences/").json() == {
        "email_enabled": True,
        "quiet_start": None,
        "quiet_end": None,
        "language": "",
        "has_email": False,
    }
    response = client.put(
        f"{URL}preferences/",
        {"email_enabled": False, "quiet_start": "22:00", "quiet_end": "07:00", "language": "en"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json() == {
        "email_enabled": False,
        "quiet_start": "22:00",
        "quiet_end": "07:00",
        "language": "en",
        "has_email": False,
    }
    assert client.put(f"{URL}preferences/", {"email_enabled": True}, format="json").json()["quiet_start"] is None
    assert NotificationPreference.objects.filter(user=property_staff).count() == 1


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"email_enabled": True, "quiet_start": "22:00"}, "quiet_end"),
        ({"email_enabled": True, "quiet_end": "07:00"}, "quiet_start"),
        ({"email_enabled": True, "quiet_start": "22:00", "quiet_end": "22:00"}, "quiet_end"),
        ({"email_enabled": True, "quiet_start": "25:00", "quiet_end": "07:00"}, "quiet_start"),
        ({"email_enabled": True, "language": "fr"}, "language"),
        ({"email_enabled": "maybe"}, "email_enabled"),
        ({}, "email_enabled"),
    ],
)
def test_bad_preferences_are_400_with_the_field(
    world: World, property_staff: User, data: dict[str, Any], field: str
) -> None:
    response = client_as(property_staff).put(f"{URL}preferences/", data, format="json", **EN)

    assert response.status_code == 400
    assert field in response.json()
    assert not NotificationPreference.objects.exists()


# ---------------------------------------------------------------- pages


@pytest.mark.parametrize("path", ["/notifications/", "/notifications/preferences/"])
def test_visitor_is_sent_to_sign_in(world: World, path: str) -> None:
    response = Client().get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("path", ["/notifications/", "/notifications/preferences/"])
def test_pages_open_for_a_signed_in_person_and_keep_the_csp(world: World, resident: User, path: str) -> None:
    client = Client()
    client.force_login(resident)
    response = client.get(path)
    assert response.status_code == 200
    assert_strict_page(response)


def test_the_bell_is_in_the_header_of_signed_in_pages_only(world: World, resident: User) -> None:
    public = Client().get("/").content.decode()
    assert 'id="notification-bell"' not in public
    assert "js/notifications.js" not in public

    client = Client()
    client.force_login(resident)
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="notification-bell"' in page
    assert 'data-label-unread="Notifications ({count} unread)"' in page
    assert "js/notifications.js" in page
