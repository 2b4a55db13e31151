"""Meetings in a real browser: community staff schedule the monthly joint meeting, run it on the
run page (attendance, notes on an escalated request, an action item), close it and publish the
minutes; a visitor reads the public minutes, from the estate's page, without personal data."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from estates.models import User
from governance import services
from governance.models import ActionItem, AgendaItem, Meeting, RequestCategory
from tests.conftest import World
from tests.e2e.conftest import page_through, settle, shoot, visit

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def eventually(check: Callable[[], bool], *, seconds: float = 10) -> None:
    """Wait for the page's saving-as-you-go to reach the database."""
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "the page did not save in time"
        time.sleep(0.1)


def test_staff_schedule_and_run_a_meeting_and_a_visitor_reads_the_minutes(
    page: Page,
    phone_page: Page,
    live_server: Any,
    world: World,
    staff: User,
    committee: User,
    property_staff: User,
    resident: User,
    signed_in: Any,
) -> None:
    plumbing, _created = RequestCategory.objects.get_or_create(
        code="plumbing", defaults={"name_zh": "上下水与排污", "name_en": "Plumbing and sewage"}
    )
    request = services.file_request(
        world.estate,
        by=User.objects.get(pk=resident.pk),
        category=plumbing,
        place_kind="household",
        household=world.household,
        description="李居民家楼下污水反溢，电话 13812341234",
    )
    services.escalate_request(request, by=User.objects.get(pk=staff.pk), note="多次反映")
    page.on("dialog", lambda dialog: dialog.accept())
    day = (timezone.localdate() + timedelta(days=3)).isoformat()
    due = (timezone.localdate() + timedelta(days=17)).isoformat()

    # ---- Staff schedule the joint meeting: the committee and the resident are invited.
    signed_in(page, staff)
    visit(page, f"{live_server.url}/meetings/", "meeting-list-staff")
    page.locator("a[href='/meetings/new/']").first.click()
    page.wait_for_url(re.compile(r"/meetings/new/$"))
    settle(page)
    form = page.locator("#meeting-form")
    form.locator("select[name=estate]").select_option(str(world.estate.pk))
    form.locator("[name=title]").fill("三月联席会议")
    form.locator("[name=date]").fill(day)
    form.locator("[name=start]").fill("15:00")
    form.locator("[name=end]").fill("17:00")
    form.locator("[name=place]").fill("社区党群服务中心二楼会议室")
    form.locator("[data-organisations] li", has_text="蕴园小区业主委员会").locator("input").check()
    form.locator("[data-people-filter]").fill("李")
    expect(form.locator("[data-people] li:visible")).to_have_count(1)
    form.locator("[data-people] li", has_text="李居民").locator("input").check()
    shoot(page, "meeting-new")
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/meetings/\d+/run/$"))
    settle(page)
    meeting = Meeting.objects.get(title="三月联席会议")
    assert set(meeting.participants.values_list("user__username", flat=True)) == {"committee", "resident"}
    shoot(page, "meeting-run-scheduled")

    # ---- The room changes: moved on the meeting page, the calendar SEQUENCE rises.
    visit(page, f"{live_server.url}/meetings/{meeting.pk}/", "meeting-detail-staff")
    expect(page.locator("#meeting-participants li")).to_have_count(2)
    expect(page.locator("#meeting-agenda li")).to_contain_text("3号楼3单元501")
    edit = page.locator("[data-edit-tool]")
    edit.locator("summary").click()
    edit.locator("[name=place]").fill("蕴园小区3号楼前空地")
    edit.locator("button[type=submit]").click()
    expect(page.locator("[data-field=place]")).to_have_text("蕴园小区3号楼前空地")
    expect(page.locator("#meeting-timeline li")).to_have_count(2)
    assert Meeting.objects.get(pk=meeting.pk).sequence == 1
    shoot(page, "meeting-detail-moved")
    visit(page, f"{live_server.url}/meetings/{meeting.pk}/run/", "meeting-run-moved")

    # ---- The meeting starts: the escalated request is on the agenda, named by category and place.
    item = page.locator(".mtg-item").first
    expect(item).to_contain_text("3号楼3单元501")
    page.locator("[data-move=start]").click()
    expect(page.locator(".mtg-status--in_progress")).to_be_visible()
    attendance = page.locator("#run-attendance li", has_text="陈委员").locator("input")
    expect(attendance).to_be_enabled()
    attendance.check()
    eventually(lambda: meeting.participants.get(user=committee).attended is True)

    notes = item.locator("textarea[name=notes]")
    notes.fill("物业说明：污水主管老化。")
    item.locator("textarea[name=outcome]").fill("同意更换污水主管")
    item.locator("textarea[name=resolution]").fill("物业两周内完成更换，业委会监督")
    notes.focus()
    agenda_item = AgendaItem.objects.get(meeting=meeting, request=request)
    eventually(lambda: AgendaItem.objects.get(pk=agenda_item.pk).resolution == "物业两周内完成更换，业委会监督")

    tool = item.locator("[data-action-tool]")
    tool.locator("summary").click()
    tool.locator("[name=title]").fill("更换3号楼污水主管")
    tool.locator("select[name=owner_choice]").select_option(f"org:{world.property_org.pk}")
    tool.locator("[name=due_on]").fill(due)
    tool.locator("button[type=submit]").click()
    expect(page.locator(".mtg-item").first.locator("[data-decided] li")).to_contain_text("更换3号楼污水主管")
    page.evaluate("window.scrollTo(0, 0)")
    shoot(page, "meeting-run-in-progress")

    # ---- Close, write the summary, publish.
    page.locator("[data-move=close]").click()
    expect(page.locator(".mtg-status--closed")).to_be_visible()
    summary = page.locator("[data-summary]")
    summary.fill("会议听取了3号楼污水反溢问题，议定由物业更换污水主管。")
    page.locator("#run-attendance").click()
    eventually(lambda: Meeting.objects.get(pk=meeting.pk).summary.startswith("会议听取"))
    page.locator("[data-move=publish-minutes]").click()
    expect(page.locator("[data-published-note]")).to_be_visible()
    expect(page.locator(".mtg-item textarea[name=notes]").first).to_have_attribute("readonly", "")
    page.evaluate("window.scrollTo(0, 0)")
    shoot(page, "meeting-run-published")
    meeting.refresh_from_db()
    assert (meeting.status, meeting.minutes_published_at is not None) == ("closed", True)
    action = ActionItem.objects.get(meeting=meeting)
    assert (action.owner_organisation, action.agenda_item_id, action.status) == (
        world.property_org,
        agenda_item.pk,
        "open",
    )

    # ---- A visitor on a phone: the estate page links the minutes; they say what was decided.
    phone = phone_page
    visit(phone, f"{live_server.url}/estates/{world.estate.pk}/", "estate-detail-minutes")
    link = phone.locator("#estate-meetings a", has_text="三月联席会议")
    expect(link).to_be_visible()
    link.click()
    phone.wait_for_url(re.compile(rf"/meetings/{meeting.pk}/minutes/$"))
    settle(phone)
    shoot(phone, "meeting-minutes-public")
    minutes = phone.locator("#meeting-minutes")
    expect(minutes.locator("[data-summary]")).to_contain_text("议定由物业更换污水主管")
    expect(minutes.locator("[data-items]")).to_contain_text("3号楼3单元501")
    expect(minutes.locator("[data-items]")).to_contain_text("物业两周内完成更换")
    expect(minutes.locator("[data-actions]")).to_contain_text("更换3号楼污水主管")
    expect(minutes.locator("[data-people]")).to_contain_text("陈委员")
    body = minutes.inner_text()
    for private in ("李居民", "13812341234", "污水反溢，电话"):
        assert private not in body
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360


def test_a_participant_takes_their_calendar_address(
    page: Page, live_server: Any, world: World, staff: User, resident: User, signed_in: Any
) -> None:
    services.schedule_meeting(
        world.community,
        by=User.objects.get(pk=staff.pk),
        kind="deliberation",
        starts_at=timezone.now() + timedelta(days=2),
        ends_at=timezone.now() + timedelta(days=2, hours=2),
        place="3号楼前空地",
        estate=world.estate,
        people=[User.objects.get(pk=resident.pk)],
        title="加装电梯议事协商",
    )
    signed_in(page, resident)
    visit(page, f"{live_server.url}/meetings/", "meeting-list-resident")
    expect(page.locator(".mtg-card", has_text="加装电梯议事协商")).to_be_visible()
    page.locator("[data-feed-make]").click()
    address = page.locator("[data-feed-url]")
    expect(address).to_have_value(re.compile(r"/meetings/feed/[\w-]+\.ics$"))
    feed = page.request.get(address.input_value())
    assert feed.ok and "加装电梯议事协商" in feed.text()
    shoot(page, "meeting-list-feed")


def test_staff_pages_through_the_upcoming_meetings(
    page: Page, live_server: Any, world: World, staff: User, signed_in: Any
) -> None:
    by = User.objects.get(pk=staff.pk)
    for n in range(21):
        starts_at = timezone.now() + timedelta(days=n + 1)
        services.schedule_meeting(
            world.community,
            by=by,
            kind="deliberation",
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=2),
            place="社区议事厅",
            title=f"议事协商第{n + 1}次",
        )
    signed_in(page, staff)
    page_through(page, f"{live_server.url}/meetings/", ".mtg-card", per_page=20, total=21, name="meeting-list")
