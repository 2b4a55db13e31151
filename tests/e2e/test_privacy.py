"""我的个人信息 in a real browser: a resident sees who has seen their number, takes a copy of
their data, and erases their account; staff see the request's contact number to call."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from estates.models import User
from estates.privacy import record_consent
from governance import services
from governance.models import RequestCategory
from tests.conftest import World
from tests.e2e.conftest import settle, visit

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def plumbing(db: Any) -> RequestCategory:
    category, _created = RequestCategory.objects.get_or_create(
        code="plumbing",
        defaults={"name_zh": "上下水与排污", "name_en": "Plumbing and sewage", "take_within": 24, "resolve_within": 48},
    )
    return category


def test_a_resident_sees_who_called_up_their_number_and_takes_a_copy(
    page: Page, browser: Any, live_server: Any, world: World, resident: User, staff: User, plumbing: Any, signed_in: Any
) -> None:
    record_consent(resident)
    request = services.file_request(
        world.estate,
        by=resident,
        category=plumbing,
        place_kind="household",
        household=world.household,
        description="厨房下水道堵了",
        contact_phone="13911112222",
    )

    # Staff open the request: the number to call is a tel: link.
    staff_context = browser.new_context(locale="zh-CN")
    staff_page = staff_context.new_page()
    staff_page.console = page.console  # type: ignore[attr-defined]
    signed_in(staff_page, staff)
    visit(staff_page, f"{live_server.url}/requests/{request.pk}/", "request-detail-contact")
    expect(staff_page.locator('[data-field="contact_phone"] a[href="tel:13911112222"]')).to_be_visible()
    staff_context.close()

    signed_in(page, resident)
    visit(page, f"{live_server.url}/accounts/privacy/", "my-privacy")
    expect(page.locator("[data-consent-status]")).to_contain_text("2026-11")
    rows = page.locator("#contact-reads tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("王社工")
    expect(rows.first).to_contain_text(f"/api/v1/requests/{request.pk}/")
    # The open request keeps the account from being erased, and the page says why.
    expect(page.locator("[data-blockers]")).to_be_visible()
    expect(page.locator("[data-blocker-list]")).to_contain_text(f"#{request.pk}")

    download = page.request.get(f"{live_server.url}/api/v1/me/data/")
    assert download.ok
    data = json.loads(download.body())
    assert data["account"]["username"] == "resident"
    assert [r["contact_phone"] for r in data["requests"]] == ["13911112222"]


def test_a_resident_erases_their_account(
    page: Page, live_server: Any, world: World, resident: User, signed_in: Any
) -> None:
    signed_in(page, resident)
    visit(page, f"{live_server.url}/accounts/privacy/", "my-privacy-erase")
    expect(page.locator("[data-blockers]")).to_be_hidden()
    form = page.locator("[data-erase-form]")

    page.console.allow(r"/api/v1/me/erase/")  # type: ignore[attr-defined]
    form.get_by_label(re.compile("密码|password", re.I)).fill("wrong-password")
    form.locator("#erase-confirm").check()
    form.locator("button[type=submit]").click()
    expect(form.locator(".field-error")).to_be_visible()
    assert User.objects.get(pk=resident.pk).erased_at is None

    form.get_by_label(re.compile("密码|password", re.I)).fill("pw-resident")
    form.locator("button[type=submit]").click()
    expect(page.locator("#erase [role=status].notice")).to_be_visible()
    page.wait_for_url(f"{live_server.url}/", timeout=10_000)
    settle(page)
    expect(page.get_by_role("banner").get_by_role("link", name=re.compile("登录|Sign in"))).to_be_visible()
    assert User.objects.get(pk=resident.pk).erased_at is not None
