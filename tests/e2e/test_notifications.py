"""The notification centre in a real browser: the bell's unread count in the header, marking
read one and all, and the settings form with its quiet hours."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from estates.models import User
from governance import services
from governance.models import NotificationPreference, Reminder
from tests.conftest import World
from tests.e2e.conftest import page_through, settle, visit

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def notify(user: User, count: int) -> None:
    now = timezone.now()
    for n in range(count):
        services.schedule_reminder(
            kind=Reminder.Kind.REQUEST_NOT_TAKEN,
            target=("governance.residentrequest", 500 + n),
            recipient=user,
            due_at=now - timedelta(minutes=n + 1),
            title=f"点单 #{500 + n} 还没有人接单",
            body="上下水与排污 · 3号楼3单元501 · 蕴园小区",
            url="/requests/",
        )
    services.deliver_due_reminders()


def test_the_bell_counts_unread_and_the_centre_marks_them_read(
    page: Page, live_server: Any, world: World, property_staff: User, signed_in: Any
) -> None:
    notify(property_staff, 3)
    signed_in(page, property_staff)
    settle(page)

    bell = page.locator("#notification-bell")
    expect(bell).to_have_attribute("aria-label", re.compile(r"3"))
    expect(bell.locator("[data-unread]")).to_have_text("3")

    bell.click()
    visit(page, f"{live_server.url}/notifications/", "notifications")
    items = page.locator(".notif-item")
    expect(items).to_have_count(3)
    expect(items.first).to_contain_text("点单 #500 还没有人接单")

    items.first.get_by_role("button").click()
    expect(bell.locator("[data-unread]")).to_have_text("2")
    expect(items.first).to_have_attribute("data-read", "true")

    page.locator("[data-read-all]").click()
    expect(bell.locator("[data-unread]")).to_be_hidden()
    expect(page.locator(".notif-item[data-read=false]")).to_have_count(0)


def test_quiet_hours_are_saved_from_the_settings_form(
    page: Page, live_server: Any, world: World, resident: User, signed_in: Any
) -> None:
    signed_in(page, resident)
    visit(page, f"{live_server.url}/notifications/preferences/", "notification-preferences")
    page.console.allow(r"status of 400")  # type: ignore[attr-defined]

    page.locator("#pref-quiet-start").fill("22:00")
    page.locator("[data-prefs-form] button[type=submit]").click()
    expect(page.locator("#pref-quiet-end-error")).to_be_visible()

    page.locator("#pref-quiet-end").fill("07:00")
    page.locator("[data-prefs-form] button[type=submit]").click()
    expect(page.locator("[data-form-status]")).not_to_be_empty()

    pref = NotificationPreference.objects.get(user=resident)
    assert (pref.quiet_start.strftime("%H:%M"), pref.quiet_end.strftime("%H:%M")) == ("22:00", "07:00")


def test_pages_through_the_notifications(
    page: Page, live_server: Any, world: World, property_staff: User, signed_in: Any
) -> None:
    notify(property_staff, 21)
    signed_in(page, property_staff)
    page_through(page, f"{live_server.url}/notifications/", ".notif-item", per_page=20, total=21, name="notifications")
    expect(page.locator("[data-count]")).to_contain_text("21")
