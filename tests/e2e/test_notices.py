"""Notices (公告) in a real browser: staff publish a pinned notice with an image, and a visitor
sees it first among the estate's notices, with its image, on the estate's public page."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import Page, Route, expect

from estates.models import User
from governance import services
from governance.models import Notice
from tests.conftest import World
from tests.e2e.conftest import page_through, settle, shoot, visit

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def serve_media(page: Page, root: Path) -> None:
    """The live server does not serve uploads (DEBUG is off): the browser gets them from disk."""

    def fulfil(route: Route) -> None:
        path = root / route.request.url.split("/media/", 1)[1].split("?", 1)[0]
        if path.is_file():
            route.fulfill(path=str(path))
        else:
            route.fulfill(status=404, body="")

    page.route("**/media/**", fulfil)


def test_staff_publish_a_pinned_notice_with_an_image_and_a_visitor_sees_it_on_the_estate_page(
    page: Page, browser: Any, live_server: Any, world: World, staff: User, media: Path, tmp_path: Path, signed_in: Any
) -> None:
    # A newer notice that is not pinned: the pinned one must still come first.
    services.create_notice(
        world.community,
        by=User.objects.get(pk=staff.pk),
        title="社区义诊",
        body="周六上午社区义诊。",
        publish_from=timezone.now() - timedelta(minutes=1),
    )
    picture = tmp_path / "pipes.png"
    Image.new("RGB", (800, 600), (30, 110, 180)).save(picture, "PNG")

    serve_media(page, media)
    signed_in(page, staff)
    visit(page, f"{live_server.url}/notices/new/", "notice-new")
    form = page.locator("#notice-form")
    form.locator("[name=place]").select_option(label="蕴园小区")
    form.locator("[name=title]").fill("3号楼停水通知")
    form.locator("[name=body]").fill("明天9:00-17:00 3号楼停水检修，请提前储水。")
    form.locator("[name=is_pinned]").check()
    form.locator("[name=images]").set_input_files(str(picture))
    shoot(page, "notice-new-filled")
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/notices/\d+/$"))
    settle(page)
    notice = Notice.objects.get(title="3号楼停水通知")
    assert (notice.estate_id, notice.is_pinned, notice.images.count()) == (world.estate.pk, True, 1)
    expect(page.locator(".notice-full h1")).to_have_text("3号楼停水通知")
    expect(page.locator(".notice-full .gallery img")).to_have_count(1)
    expect(page.locator("#notice-tools")).to_be_visible()
    shoot(page, "notice-detail-staff")

    # A typo fixed on the edit page; the list shows both notices, the pinned one first.
    visit(page, f"{live_server.url}/notices/{notice.pk}/edit/", "notice-edit")
    expect(form.locator("[name=title]")).to_have_value("3号楼停水通知")
    expect(form.locator("[name=place]")).to_have_value(f"e:{world.estate.pk}")
    form.locator("[name=title]").fill("3号楼停水通知（明日）")
    form.locator("button[type=submit]").click()
    page.wait_for_url(f"**/notices/{notice.pk}/")
    settle(page)
    expect(page.locator(".notice-full h1")).to_have_text("3号楼停水通知（明日）")
    visit(page, f"{live_server.url}/notices/", "notice-list-staff")
    expect(page.locator("#notice-list .notice-card").first).to_contain_text("3号楼停水通知（明日）")
    expect(page.locator("#notice-list .notice-card")).to_have_count(2)

    # A visitor, not signed in, on the estate's public page: the pinned notice first, with its image.
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 360, "height": 740})
    visitor = context.new_page()
    errors: list[str] = []
    visitor.on("pageerror", lambda error: errors.append(str(error)))
    visitor.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    serve_media(visitor, media)
    visitor.console = page.console  # type: ignore[attr-defined]
    visit(visitor, f"{live_server.url}/estates/{world.estate.pk}/", "estate-detail-notices-visitor")
    cards = visitor.locator("#estate-notices .notice-card")
    expect(cards).to_have_count(2)
    expect(cards.first).to_contain_text("3号楼停水通知（明日）")
    expect(cards.first.locator(".notice-badge--pinned")).to_be_visible()
    expect(cards.first.locator("img.notice-card__image")).to_have_count(1)
    expect(cards.nth(1)).to_contain_text("社区义诊")
    assert visitor.evaluate("document.documentElement.scrollWidth") <= 360
    cards.first.locator("a").click()
    visitor.wait_for_url(f"**/notices/{notice.pk}/")
    settle(visitor)
    expect(visitor.locator(".notice-full__body")).to_contain_text("请提前储水")
    expect(visitor.locator("#notice-tools")).to_be_hidden()
    shoot(visitor, "notice-detail-visitor")
    context.close()
    assert not errors, errors


def test_visitor_pages_through_the_notices(page: Page, live_server: Any, world: World, staff: User) -> None:
    by = User.objects.get(pk=staff.pk)
    for n in range(21):
        services.create_notice(
            world.community,
            by=by,
            title=f"社区通知第{n + 1}号",
            body="请居民周知。",
            publish_from=timezone.now() - timedelta(minutes=n + 1),
        )
    page_through(page, f"{live_server.url}/notices/", ".notice-card", per_page=20, total=21, name="notice-list")
