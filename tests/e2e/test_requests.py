"""Resident requests (点单) in a real browser: a resident files one from a phone with a photo,
the property company takes and resolves it, the resident confirms with five stars; a request
that costs money is quoted and the committee approves it; staff file for a resident, open the
overview and download the Excel export."""

from __future__ import annotations

import re
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from PIL import Image
from playwright.sync_api import Page, Route, expect

from estates.models import Membership, User
from governance import services
from governance.models import RequestCategory, ResidentRequest
from tests.conftest import World, make_user
from tests.e2e.conftest import page_through, settle, shoot, visit

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CATEGORIES = [
    ("repair", "维修", "Repair", 24, 72),
    ("plumbing", "上下水与排污", "Plumbing and sewage", 24, 48),
    ("lift", "电梯", "Lift", 24, 24),
    ("other", "其他", "Other", 24, 72),
]


@pytest.fixture
def categories(db: Any) -> dict[str, RequestCategory]:
    """The seeded categories (a transactional test empties the table after it runs)."""
    made = {}
    for position, (code, name_zh, name_en, take, resolve) in enumerate(CATEGORIES, start=1):
        made[code], _created = RequestCategory.objects.get_or_create(
            code=code,
            defaults={
                "name_zh": name_zh,
                "name_en": name_en,
                "take_within": take,
                "resolve_within": resolve,
                "position": position,
            },
        )
    return made


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def serve_media(page: Page, root: Path) -> None:
    """The live server does not serve uploads (DEBUG is off): the browser gets them from disk."""

    def fulfil(route: Route) -> None:
        relative = route.request.url.split("/media/", 1)[1].split("?", 1)[0]
        path = root / relative
        if path.is_file():
            route.fulfill(path=str(path))
        else:
            route.fulfill(status=404, body="")

    page.route("**/media/**", fulfil)


def png(tmp_path: Path, name: str = "leak.png") -> Path:
    path = tmp_path / name
    Image.new("RGB", (640, 480), (40, 120, 200)).save(path, "PNG")
    return path


def director_of(world: World) -> User:
    user = make_user("director", phone="13700007777", full_name="高主任")
    Membership.objects.create(user=user, role="committee_member", organisation=world.committee_org, position="主任")
    return user


def request_id_from(page: Page) -> int:
    match = re.search(r"/requests/(\d+)/", page.url)
    assert match, page.url
    return int(match.group(1))


def fits_the_phone(page: Page) -> None:
    """No sideways scrolling on a 360px phone; on failure, name the elements that stick out."""
    wide = page.evaluate(
        "[...document.querySelectorAll('body *')].filter(el => el.getBoundingClientRect().right > 361)"
        ".slice(0, 5).map(el => `${el.tagName}.${el.className} ${Math.round(el.getBoundingClientRect().right)}`)"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, wide


# ---------------------------------------------------------------- without payment


def test_resident_files_from_a_phone_company_takes_and_resolves_resident_rates_five_stars(
    phone_page: Page,
    page: Page,
    live_server: Any,
    world: World,
    resident: User,
    property_staff: User,
    categories: Any,
    media: Path,
    tmp_path: Path,
    signed_in: Any,
    console: Any,
) -> None:
    console.allow(r"status of 400")
    phone = phone_page
    serve_media(phone, media)
    signed_in(phone, resident)
    visit(phone, f"{live_server.url}/requests/new/", "request-new-phone")
    fits_the_phone(phone)
    form = phone.locator("#request-form")
    # The resident's home is chosen for them.
    expect(form.locator("input[name=place_kind][value=household]")).to_be_checked()
    expect(form.locator("[data-place-label=household]")).to_have_text("3号楼3单元501")

    # Sent without a category: the page says so beside the tiles and keeps what was typed.
    form.locator("[name=description]").fill("厨房下水道堵了，水漫出来了")
    expect(form.locator("[data-counter]")).to_contain_text("13")
    form.locator("button[type=submit]").click()
    expect(form.locator("[data-error-for=category]")).to_be_visible()
    expect(form.locator("[name=description]")).to_have_value("厨房下水道堵了，水漫出来了")

    # A file that is not a photo: the server refuses it, the message stands beside the photos.
    junk = tmp_path / "notes.png"
    junk.write_bytes(b"not a picture")
    form.locator("label.req-tile", has=phone.locator("input[value=plumbing]")).click()
    form.locator("label.req-tile", has=phone.locator("input[name=urgency][value=urgent]")).click()
    form.locator("#photo-input").set_input_files(str(junk))
    form.locator("button[type=submit]").click()
    expect(form.locator("[data-error-for=photos]")).to_contain_text("notes.png")
    expect(form.locator("[name=description]")).to_have_value("厨房下水道堵了，水漫出来了")
    expect(form.locator("input[value=plumbing]")).to_be_checked()
    shoot(phone, "request-new-phone-error")
    assert not ResidentRequest.objects.exists()

    # Swap it for a real photo and send.
    form.locator(".req-preview button").click()
    expect(form.locator(".req-preview")).to_have_count(0)
    form.locator("#photo-input").set_input_files(str(png(tmp_path)))
    expect(form.locator(".req-preview img")).to_have_count(1)
    expect(form.locator(".req-preview img")).to_have_attribute("src", re.compile("^blob:"))
    shoot(phone, "request-new-phone-filled")
    form.locator("button[type=submit]").click()
    phone.wait_for_url(re.compile(r"/requests/\d+/$"))
    settle(phone)
    pk = request_id_from(phone)
    shoot(phone, "request-detail-phone-filed")
    filed = ResidentRequest.objects.get(pk=pk)
    assert (filed.status, filed.urgency, filed.household_id, filed.photos.count()) == (
        "submitted",
        "urgent",
        world.household.pk,
        1,
    )
    expect(phone.locator("[data-filed-notice]")).to_be_visible()
    expect(phone.locator(".gallery img")).to_have_count(1)
    expect(phone.locator("[data-timeline] li")).to_have_count(1)
    fits_the_phone(phone)

    visit(phone, f"{live_server.url}/requests/", "request-list-phone")
    card = phone.locator(f".req-card[data-request-id='{pk}']")
    expect(card).to_contain_text("上下水与排污")
    expect(card).to_contain_text("3号楼3单元501")
    fits_the_phone(phone)

    # The company's staff, at a desk: the queue, take it in one click, then start and resolve it.
    signed_in(page, property_staff)
    visit(page, f"{live_server.url}/requests/queue/", "request-queue")
    waiting = page.locator(f"#queue-waiting .req-card[data-request-id='{pk}']")
    expect(waiting).to_be_visible()
    waiting.locator("[data-quick-accept]").click()
    expect(page.locator(f"#queue-taken .req-card[data-request-id='{pk}']")).to_be_visible()
    expect(waiting).to_have_count(0)
    shoot(page, "request-queue-taken")
    assert ResidentRequest.objects.get(pk=pk).status == "accepted"

    visit(page, f"{live_server.url}/requests/{pk}/", "request-detail-property")
    expect(page.locator("[data-field=resident]")).to_contain_text("13812341234")
    page.locator("form[data-action=start] button[type=submit]").click()
    expect(page.locator("form[data-action=resolve]")).to_be_visible()
    page.locator("form[data-action=resolve] [name=note]").fill("已疏通下水管")
    page.locator("form[data-action=resolve] button[type=submit]").click()
    expect(page.locator("[data-badges] .req-status--resolved")).to_be_visible()
    expect(page.locator("[data-timeline] li")).to_have_count(4)
    shoot(page, "request-detail-property-resolved")

    # The resident rates it with the keyboard: five stars, and a word of thanks.
    visit(phone, f"{live_server.url}/requests/{pk}/", "request-detail-phone-confirm")
    confirm = phone.locator("form[data-action=confirm]")
    confirm.locator("input[name=rating][value='1']").focus()
    for _ in range(4):
        phone.keyboard.press("ArrowRight")
    expect(confirm.locator("input[name=rating][value='5']")).to_be_checked()
    confirm.locator("[name=comment]").fill("师傅很快，谢谢")
    shoot(phone, "request-detail-phone-stars")
    confirm.locator("button[type=submit]").click()
    expect(phone.locator("[data-badges] .req-status--closed")).to_be_visible()
    expect(phone.locator("[data-field=rating]")).to_contain_text("师傅很快")
    shoot(phone, "request-detail-phone-closed")
    closed = ResidentRequest.objects.get(pk=pk)
    assert (closed.status, closed.rating, closed.rating_comment) == ("closed", 5, "师傅很快，谢谢")


# ---------------------------------------------------------------- with payment


def test_company_quotes_and_the_committee_approves_the_payment(
    page: Page,
    live_server: Any,
    world: World,
    resident: User,
    property_staff: User,
    categories: Any,
    signed_in: Any,
) -> None:
    director = director_of(world)
    filed = services.file_request(
        world.estate,
        by=User.objects.get(pk=resident.pk),
        category=categories["repair"],
        place_kind="public",
        public_place="北门道闸",
        description="道闸坏了，车进不来",
    )
    signed_in(page, property_staff)
    visit(page, f"{live_server.url}/requests/{filed.pk}/", "request-detail-property-submitted")
    page.locator("form[data-action=accept] button[type=submit]").click()
    quote = page.locator("[data-action-box=quote]")
    expect(quote).to_be_visible()
    quote.locator("summary").click()
    quote.locator("[name=amount]").fill("1,280.50")
    quote.locator("[name=note]").fill("更换道闸电机")
    quote.locator("button[type=submit]").click()
    expect(page.locator("[data-badges] .req-status--awaiting_payment")).to_be_visible()
    expect(page.locator("[data-field=quote]")).to_contain_text("1,280.50")
    shoot(page, "request-detail-quoted")

    page.context.clear_cookies()
    signed_in(page, director)
    visit(page, f"{live_server.url}/requests/approvals/", "request-approvals")
    card = page.locator(f".req-card[data-request-id='{filed.pk}']")
    expect(card.locator(".req-quote__amount")).to_have_text("¥1,280.50")
    expect(card).to_contain_text("更换道闸电机")
    expect(page.locator("[data-money=total]")).to_have_text("¥0.00")
    card.locator("[name=note]").fill("同意，尽快修")
    card.locator("[data-decision=approve-payment]").click()
    expect(card).to_have_count(0)
    expect(page.locator("[data-money=total]")).to_have_text("¥1,280.50")
    expect(page.locator("#approvals-list [data-state=empty]")).to_be_visible()
    shoot(page, "request-approvals-approved")
    paid = ResidentRequest.objects.get(pk=filed.pk)
    assert (paid.status, paid.payment_status, paid.payment_decided_by_id) == (
        "in_progress",
        "approved",
        director.pk,
    )


def test_a_step_someone_else_made_first_shows_the_servers_message(
    page: Page,
    live_server: Any,
    world: World,
    resident: User,
    property_staff: User,
    categories: Any,
    signed_in: Any,
    console: Any,
) -> None:
    console.allow(r"status of 409")
    filed = services.file_request(
        world.estate,
        by=User.objects.get(pk=resident.pk),
        category=categories["plumbing"],
        place_kind="household",
        household=world.household,
        description="楼上漏水",
    )
    signed_in(page, property_staff)
    visit(page, f"{live_server.url}/requests/{filed.pk}/", "request-detail-before-withdrawn")
    # The resident withdraws it while the page is open.
    services.withdraw_request(filed, by=User.objects.get(pk=resident.pk), note="已自己修好")
    page.locator("form[data-action=accept] button[type=submit]").click()
    # The server's words, and the page drawn again from the request as it now is.
    expect(page.locator("[data-action-error]")).to_be_visible()
    expect(page.locator("[data-action-error]")).not_to_be_empty()
    expect(page.locator("[data-badges] .req-status--withdrawn")).to_be_visible()
    expect(page.locator("form[data-action=accept]")).to_have_count(0)
    expect(page.locator("[data-no-actions]")).to_be_visible()
    shoot(page, "request-detail-conflict")
    assert ResidentRequest.objects.get(pk=filed.pk).status == "withdrawn"


# ---------------------------------------------------------------- staff


def test_staff_file_for_an_elderly_resident_found_by_name(
    page: Page, live_server: Any, world: World, staff: User, resident: User, categories: Any, signed_in: Any
) -> None:
    signed_in(page, staff)
    visit(page, f"{live_server.url}/requests/new/", "request-new-staff")
    form = page.locator("#request-form")
    form.locator("[data-behalf-search]").fill("李")
    form.locator("[data-behalf-find]").click()
    form.locator(f"[data-resident-id='{resident.pk}']").click()
    expect(form.locator("[data-behalf-chosen]")).to_contain_text("李居民")
    expect(form.locator("input[name=place_kind][value=household]")).to_be_checked()
    form.locator("label.req-tile", has=page.locator("input[value=lift]")).click()
    form.locator("[name=description]").fill("电梯按钮失灵，老人下不了楼")
    shoot(page, "request-new-staff-filled")
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/requests/\d+/$"))
    settle(page)
    filed = ResidentRequest.objects.get(pk=request_id_from(page))
    assert (filed.filed_by_id, filed.on_behalf_of_id, filed.is_filed_by_staff) == (staff.pk, resident.pk, True)
    expect(page.locator("[data-field=filed_by]")).to_contain_text("王社工")


def test_staff_filter_the_overview_and_download_the_export(
    page: Page,
    live_server: Any,
    world: World,
    staff: User,
    resident: User,
    property_staff: User,
    categories: Any,
    signed_in: Any,
    tmp_path: Path,
) -> None:
    by = User.objects.get(pk=resident.pk)
    for index in range(3):
        request = services.file_request(
            world.estate,
            by=by,
            category=categories["plumbing"],
            place_kind="household",
            household=world.household,
            description=f"第{index + 1}件事",
        )
        if index == 0:
            services.accept_request(request, by=User.objects.get(pk=property_staff.pk))
    signed_in(page, staff)
    visit(page, f"{live_server.url}/requests/overview/", "request-overview")
    expect(page.locator(".req-table tbody tr")).to_have_count(3)
    expect(page.locator("#overview-figures [data-figure=count]")).to_have_text("3")
    page.locator("#overview-status").select_option("submitted")
    page.locator("[data-filters] button[type=submit]").click()
    page.wait_for_url(re.compile(r"status=submitted"))
    settle(page)
    expect(page.locator(".req-table tbody tr")).to_have_count(2)
    shoot(page, "request-overview-filtered")

    with page.expect_download() as download_info:
        page.locator("[data-export]").click()
    download = download_info.value
    assert re.fullmatch(r"requests-\d{4}-\d{2}-\d{2}\.xlsx", download.suggested_filename)
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    rows = list(load_workbook(BytesIO(saved.read_bytes())).worksheets[0].iter_rows(values_only=True))
    assert len(rows) == 3  # the header and the two submitted requests
    assert {row[5] for row in rows[1:]} == {"第2件事", "第3件事"}
    assert {row[16] for row in rows[1:]} == {"李居民"}


def test_overview_table_stacks_on_a_phone(
    phone_page: Page, live_server: Any, world: World, staff: User, resident: User, categories: Any, signed_in: Any
) -> None:
    services.file_request(
        world.estate,
        by=User.objects.get(pk=resident.pk),
        category=categories["other"],
        place_kind="building",
        building=world.building,
        description="楼道灯不亮",
    )
    signed_in(phone_page, staff)
    visit(phone_page, f"{live_server.url}/requests/overview/", "request-overview-phone")
    expect(phone_page.locator(".req-table tbody tr")).to_have_count(1)
    fits_the_phone(phone_page)


def file_requests(world: World, resident: User, category: RequestCategory, count: int) -> None:
    by = User.objects.get(pk=resident.pk)
    for n in range(count):
        services.file_request(
            world.estate,
            by=by,
            category=category,
            place_kind="household",
            household=world.household,
            description=f"第{n + 1}件事",
        )


def test_resident_pages_through_their_requests(
    page: Page, live_server: Any, world: World, resident: User, categories: Any, signed_in: Any
) -> None:
    file_requests(world, resident, categories["repair"], 21)
    signed_in(page, resident)
    page_through(page, f"{live_server.url}/requests/", ".req-card", per_page=20, total=21, name="request-list")


def test_staff_pages_through_the_filtered_overview(
    page: Page, live_server: Any, world: World, staff: User, resident: User, categories: Any, signed_in: Any
) -> None:
    file_requests(world, resident, categories["repair"], 26)
    signed_in(page, staff)
    url = f"{live_server.url}/requests/overview/?status=submitted"
    page_through(page, url, ".req-table tbody tr", per_page=25, total=26, name="request-overview")
    expect(page.locator("#overview-status")).to_have_value("submitted")
