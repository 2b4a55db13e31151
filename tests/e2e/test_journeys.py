"""End-to-end journeys, each told as one story through the real pages in Chromium:

1. a resident files a request from a phone with a photo; the property company takes it with a
   due time, starts and resolves it; the resident confirms and rates it on the phone;
2. a repair that costs money: the company quotes, the committee's director approves the
   payment, the company resolves, the resident confirms, and the public sees what was paid;
3. community staff log a renovation project and move it from proposal to construction while
   its progress bar fills;
4. staff schedule and run a joint meeting and publish its minutes; a resident reads them;
5. a visitor who is not signed in reads an estate's public page.

What happened before a story starts is set up through the services; every step the story is
about is taken on the pages. The stories keep their screenshots in test-artifacts/screenshots/
as journey-*.png (`make screenshots` copies one of them to docs/screenshot.png).
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext
from PIL import Image, ImageDraw
from playwright.sync_api import Page, expect

from estates.models import Building, Household, Unit, User
from governance import services
from governance.models import Meeting, ResidentRequest
from renovations import services as renovations
from renovations.models import Project
from tests.conftest import World
from tests.e2e import test_requests as requests_e2e
from tests.e2e.conftest import SCREENSHOTS, settle, shoot, visit
from tests.e2e.test_dashboard import published

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

YANGQUAN = ZoneInfo("Asia/Shanghai")

categories = requests_e2e.categories
media = requests_e2e.media


# ---------------------------------------------------------------- what a person reads


def zh(message: str, **values: Any) -> str:
    """A message of the site as the Chinese page shows it, with its {placeholders} filled."""
    with translation.override("zh-hans"):
        text = gettext(message)
    for name, value in values.items():
        text = text.replace("{" + name + "}", str(value))
    return text


def label(choice: Any) -> str:
    """The Chinese label of a status or kind, as the API gives it to the pages."""
    with translation.override("zh-hans"):
        return str(choice.label)


def chinese_day(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def shoot_top(page: Page, name: str, *, height: int = 900) -> Path:
    """Save the top of the page (its width by `height` pixels), the size a README shows well."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    width = (page.viewport_size or {"width": 1280})["width"]
    page.screenshot(path=str(path), full_page=True, clip={"x": 0, "y": 0, "width": width, "height": height})
    return path


def photo_of_a_blocked_drain(folder: Path) -> Path:
    """A small real JPEG, as a phone's camera would send: a floor drain in standing water."""
    path = folder / "drain.jpg"
    image = Image.new("RGB", (800, 600), (196, 190, 176))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 380, 800, 600), fill=(128, 126, 120))
    draw.ellipse((160, 420, 640, 590), fill=(92, 120, 140))
    draw.ellipse((340, 470, 460, 530), fill=(40, 40, 38))
    for x in range(352, 452, 16):
        draw.line((x, 474, x, 526), fill=(150, 150, 146), width=4)
    image.save(path, "JPEG", quality=85)
    return path


def photos_shown(page: Page) -> None:
    """Every photo of the page has loaded (a broken image would have no width)."""
    page.wait_for_function(
        "() => { const imgs = [...document.querySelectorAll('.gallery img')];"
        " return imgs.length > 0 && imgs.every(img => img.complete && img.naturalWidth > 0); }"
    )


# ---------------------------------------------------------------- what happened before


def project_at(
    world: World,
    staff: User,
    *,
    kind: str,
    title: str,
    budget: str,
    status: str,
    progress: int,
    receipts: tuple[tuple[str, str], ...] = (),
    spent: str = "",
) -> Project:
    """A project taken through its steps by the services, with its money and its progress."""
    project = renovations.create_project(world.estate, by=staff, kind=kind, title=title, budget=budget)
    day = timezone.localdate() - timedelta(days=30)
    for source, amount in receipts:
        renovations.record_ledger_entry(
            project, by=staff, kind="receipt", source=source, amount=Decimal(amount), occurred_on=day
        )
    if spent:
        renovations.record_ledger_entry(
            project, by=staff, kind="expense", amount=Decimal(spent), occurred_on=day, payer_or_payee="阳泉市建工集团"
        )
    path = ["surveyed", "funding", "construction", "inspection", "in_service"]
    for step in path[: path.index(status) + 1] if status in path else []:
        if step == "in_service":
            renovations.record_inspection(
                project, by=staff, inspected_on=timezone.localdate(), inspectors="区质监站", passed=True
            )
        renovations.transition_project(project, by=staff, to=step)
    if progress:
        renovations.add_progress_update(project, by=staff, text="按计划推进。", percent=progress)
    return Project.objects.get(pk=project.pk)


def minutes_published(world: World, staff: User, *, title: str, summary: str, days_ago: int) -> Meeting:
    starts_at = timezone.now() - timedelta(days=days_ago)
    meeting = services.schedule_meeting(
        world.community,
        by=staff,
        kind="joint",
        title=title,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=2),
        place="社区党群服务中心",
        estate=world.estate,
    )
    services.start_meeting(meeting, by=staff)
    services.close_meeting(meeting, by=staff)
    services.update_meeting(meeting, by=staff, summary=summary)
    services.publish_minutes(meeting, by=staff)
    return Meeting.objects.get(pk=meeting.pk)


@pytest.fixture
def office(world: World, staff: User, resident: User, property_staff: User, categories: Any) -> dict[str, Any]:
    """A community office's ordinary month in 蕴园小区: the lift of 3号楼3单元 in service, the road
    being widened, parking bays proposed; money from the government and the residents; two
    published grades; a notice; requests open (one late) and next month's joint meeting scheduled."""
    world.estate.address = "阳泉市城区上站街道小阳泉北社区"
    world.estate.built_year = 1992
    world.estate.description = "曾是“三无”老旧小区，现由社区党委统筹居委会、业委会和物业公司共同治理。"
    world.estate.save(update_fields=["address", "built_year", "description"])
    for number in (1, 2, 4, 5, 6):
        building = Building.objects.create(estate=world.estate, name=f"{number}号楼", floors=6)
        for unit_number in (1, 2):
            unit = Unit.objects.create(building=building, name=f"{unit_number}单元")
            Household.objects.bulk_create(
                Household(unit=unit, room=f"{floor}0{door}", floor=floor, floor_area=Decimal("72.00"))
                for floor in range(1, 7)
                for door in (1, 2)
            )
    lift = project_at(
        world,
        staff,
        kind="lift",
        title="3号楼3单元加装电梯",
        budget="600000.00",
        status="in_service",
        progress=100,
        receipts=(("government_subsidy", "450000.00"), ("residents", "150000.00")),
        spent="580000.00",
    )
    road = project_at(
        world,
        staff,
        kind="road",
        title="主路拓宽",
        budget="120000.00",
        status="construction",
        progress=40,
        receipts=(("government_subsidy", "100000.00"), ("property_rights_unit", "20000.00")),
        spent="45000.00",
    )
    parking = project_at(
        world, staff, kind="parking", title="北门停车位规划", budget="30000.00", status="proposed", progress=0
    )
    renovations.record_ledger_entry(
        parking,
        by=staff,
        kind="pledge",
        source="shops",
        amount=Decimal("8000.00"),
        occurred_on=timezone.localdate(),
        payer_or_payee="北门沿街商户",
    )
    services.create_notice(
        world.community,
        by=staff,
        estate=world.estate,
        title="主路拓宽施工期间北门单向通行",
        body="施工期间请从北门进入、南门离开，夜间施工不超过22点。",
    )
    published(world.estate, world.property_org, 2, "86.50")
    published(world.estate, world.property_org, 1, "92.00")
    by = User.objects.get(pk=resident.pk)
    company = User.objects.get(pk=property_staff.pk)
    late = services.file_request(
        world.estate,
        by=by,
        category=categories["repair"],
        place_kind="building",
        building=world.building,
        description="3号楼楼道灯不亮",
    )
    services.accept_request(late, by=company)
    ResidentRequest.objects.filter(pk=late.pk).update(due_at=timezone.now() - timedelta(days=1))
    services.file_request(
        world.estate,
        by=by,
        category=categories["other"],
        place_kind="public",
        public_place="北门",
        description="北门道闸抬杆太慢",
    )
    starts_at = timezone.now() + timedelta(days=5)
    meeting = services.schedule_meeting(
        world.community,
        by=staff,
        kind="joint",
        title="下月联席会议",
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=2),
        place="社区党群服务中心",
        estate=world.estate,
    )
    return {"lift": lift, "road": road, "parking": parking, "meeting": meeting}


# ---------------------------------------------------------------- 1. 居民点单、物业接单


def test_resident_files_from_a_phone_the_company_takes_and_resolves_it_and_the_resident_rates_it(
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
) -> None:
    phone = phone_page
    requests_e2e.serve_media(phone, media)
    requests_e2e.serve_media(page, media)

    # ---- On the phone, the resident starts from their dashboard.
    signed_in(phone, resident)
    visit(phone, f"{live_server.url}/", "journey-dashboard-resident-phone")
    expect(phone.locator("#my-roles")).to_contain_text("3号楼3单元501")
    expect(phone.locator("#resident-requests [data-state=empty]")).to_be_visible()
    phone.locator("#resident-requests a[href='/requests/new/']").tap()
    phone.wait_for_url(f"{live_server.url}/requests/new/")
    settle(phone)
    form = phone.locator("#request-form")
    expect(form.locator("[data-place-label=household]")).to_have_text("3号楼3单元501")
    form.locator("label.req-tile", has=phone.locator("input[name=category][value=plumbing]")).tap()
    form.locator("label.req-tile", has=phone.locator("input[name=urgency][value=urgent]")).tap()
    form.locator("[name=description]").fill("卫生间地漏堵了，水漫到客厅")
    form.locator("#photo-input").set_input_files(str(photo_of_a_blocked_drain(tmp_path)))
    expect(form.locator(".req-preview img")).to_have_count(1)
    shoot(phone, "journey-request-new-phone")
    form.locator("button[type=submit]").tap()
    phone.wait_for_url(re.compile(r"/requests/\d+/$"))
    settle(phone)
    pk = requests_e2e.request_id_from(phone)
    expect(phone.locator("[data-filed-notice]")).to_be_visible()
    expect(phone.locator("[data-badges] .req-status--submitted")).to_have_text(label(ResidentRequest.Status.SUBMITTED))
    expect(phone.locator("[data-field=place_label]")).to_have_text("3号楼3单元501")
    expect(phone.locator("[data-field=urgency_display]")).to_have_text(label(ResidentRequest.Urgency.URGENT))
    photos_shown(phone)
    shoot(phone, "journey-request-detail-phone-filed")

    # ---- It is in their list, waiting to be taken.
    visit(phone, f"{live_server.url}/requests/", "journey-request-list-phone")
    card = phone.locator(f".req-card[data-request-id='{pk}']")
    expect(card).to_contain_text("上下水与排污")
    expect(card).to_contain_text("卫生间地漏堵了")
    expect(card.locator(".req-status--submitted")).to_be_visible()
    requests_e2e.fits_the_phone(phone)

    # ---- At the property company's desk: the dashboard's queue, then the request's page.
    signed_in(page, property_staff)
    visit(page, f"{live_server.url}/", "journey-dashboard-property")
    queued = page.locator(f"#property-queue [data-request-id='{pk}']")
    expect(queued).to_contain_text("上下水与排污")
    queued.locator("a").click()
    page.wait_for_url(f"{live_server.url}/requests/{pk}/")
    settle(page)
    photos_shown(page)
    expect(page.locator("[data-field=description]")).to_have_text("卫生间地漏堵了，水漫到客厅")
    # Until the company takes it, the resident is not named to it.
    expect(page.locator("[data-row=resident]")).to_be_hidden()

    # They take it, to be done by 18:00 tomorrow.
    due_day = datetime.now(YANGQUAN).date() + timedelta(days=1)
    accept = page.locator("form[data-action=accept]")
    accept.locator("[name=due_at]").fill(f"{due_day.isoformat()}T18:00")
    accept.locator("button[type=submit]").click()
    expect(page.locator("[data-badges] .req-status--accepted")).to_have_text(label(ResidentRequest.Status.ACCEPTED))
    expect(page.locator("[data-action-status]")).to_have_text(zh("You have taken the request."))
    expect(page.locator("[data-field=due_at]")).to_contain_text(chinese_day(due_day))
    expect(page.locator("[data-field=due_at]")).to_contain_text("18:00")
    expect(page.locator("[data-field=taken_by]")).to_contain_text("蕴和物业")
    expect(page.locator("[data-field=resident]")).to_contain_text("李居民")
    expect(page.locator("[data-field=resident]")).to_contain_text("13812341234")
    shoot(page, "journey-request-detail-property-taken")

    page.locator("form[data-action=start] button[type=submit]").click()
    expect(page.locator("[data-badges] .req-status--in_progress")).to_be_visible()
    resolve = page.locator("form[data-action=resolve]")
    resolve.locator("[name=note]").fill("已疏通地漏，更换了存水弯")
    resolve.locator("button[type=submit]").click()
    expect(page.locator("[data-badges] .req-status--resolved")).to_have_text(label(ResidentRequest.Status.RESOLVED))
    expect(page.locator("[data-field=resolution_note]")).to_have_text("已疏通地漏，更换了存水弯")
    expect(page.locator("[data-timeline] li")).to_have_count(4)
    shoot(page, "journey-request-detail-property")

    # ---- Back on the phone: the list asks the resident to confirm; five steps on the timeline after it.
    visit(phone, f"{live_server.url}/requests/", "journey-request-list-phone-resolved")
    card = phone.locator(f".req-card[data-request-id='{pk}']")
    expect(card.locator(".req-status--resolved")).to_be_visible()
    card.locator(".req-card__ask a").tap()
    phone.wait_for_url(f"{live_server.url}/requests/{pk}/#request-actions")
    settle(phone)
    expect(phone.locator("[data-field=resolution_note]")).to_have_text("已疏通地漏，更换了存水弯")
    confirm = phone.locator("form[data-action=confirm]")
    confirm.locator("label.req-star", has=phone.locator("input[value='4']")).tap()
    expect(confirm.locator("[data-rating-words]")).not_to_be_empty()
    confirm.locator("[name=comment]").fill("修得干净，就是师傅来晚了一点")
    shoot(phone, "journey-request-detail-phone-rating")
    confirm.locator("button[type=submit]").tap()
    expect(phone.locator("[data-badges] .req-status--closed")).to_have_text(label(ResidentRequest.Status.CLOSED))
    rating = phone.locator("[data-field=rating]")
    expect(rating).to_contain_text(zh("{rating} of 5 stars", rating=4))
    expect(rating).to_contain_text("修得干净，就是师傅来晚了一点")
    expect(phone.locator("[data-timeline] li")).to_have_count(5)
    expect(phone.locator("[data-no-actions]")).to_be_visible()
    requests_e2e.fits_the_phone(phone)
    shoot(phone, "journey-request-detail-phone")

    closed = ResidentRequest.objects.get(pk=pk)
    assert (closed.status, closed.urgency, closed.rating, closed.rating_comment) == (
        "closed",
        "urgent",
        4,
        "修得干净，就是师傅来晚了一点",
    )
    assert closed.due_at == datetime(due_day.year, due_day.month, due_day.day, 18, 0, tzinfo=YANGQUAN)
    assert closed.photos.count() == 1
    assert list(closed.events.order_by("id").values_list("action", flat=True)) == [
        "filed",
        "accepted",
        "started",
        "resolved",
        "confirmed",
    ]


# ---------------------------------------------------------------- 2. 业委会买单


def test_a_repair_that_costs_money_is_quoted_approved_by_the_committee_resolved_and_confirmed(
    phone_page: Page,
    page: Page,
    live_server: Any,
    world: World,
    resident: User,
    property_staff: User,
    categories: Any,
    signed_in: Any,
) -> None:
    # The committee's director (主任): under the estate's default rule, they decide payments.
    director = requests_e2e.director_of(world)
    company = User.objects.get(pk=property_staff.pk)
    filed = services.file_request(
        world.estate,
        by=User.objects.get(pk=resident.pk),
        category=categories["plumbing"],
        place_kind="unit",
        unit=world.unit,
        description="3单元楼道排污管裂了，一直渗水",
    )
    services.accept_request(filed, by=company)

    # ---- The company finds the pipe must be replaced, and asks the committee to pay.
    signed_in(page, property_staff)
    visit(page, f"{live_server.url}/requests/{filed.pk}/", "journey-request-detail-property-to-quote")
    quote = page.locator("[data-action-box=quote]")
    quote.locator("summary").click()
    quote.locator("[name=amount]").fill("2,460.00")
    quote.locator("[name=note]").fill("更换3单元排污立管6米")
    quote.locator("button[type=submit]").click()
    expect(page.locator("[data-badges] .req-status--awaiting_payment")).to_have_text(
        label(ResidentRequest.Status.AWAITING_PAYMENT)
    )
    expect(page.locator("[data-field=quote]")).to_contain_text("2,460.00")
    expect(page.locator("[data-field=payment]")).to_have_text(label(ResidentRequest.PaymentStatus.PENDING))

    # ---- The committee's director: the dashboard lists the payment, the approvals page leads to the request.
    page.context.clear_cookies()
    signed_in(page, director)
    visit(page, f"{live_server.url}/", "journey-dashboard-committee")
    waiting = page.locator(f"#committee-payments [data-request-id='{filed.pk}']")
    expect(waiting.locator(".dash-item__amount")).to_have_text("¥2,460.00")
    expect(waiting).to_contain_text("更换3单元排污立管6米")
    waiting.locator("a").click()
    page.wait_for_url(re.compile(r"/requests/approvals/\?estate=\d+$"))
    settle(page)
    card = page.locator(f".req-card[data-request-id='{filed.pk}']")
    expect(card.locator(".req-quote__amount")).to_have_text("¥2,460.00")
    card.locator(".req-card__title a").click()
    page.wait_for_url(f"{live_server.url}/requests/{filed.pk}/")
    settle(page)
    approve = page.locator("form[data-action=approve-payment]")
    approve.locator("[name=note]").fill("同意，由维修资金支付")
    shoot(page, "journey-request-detail-committee")
    approve.locator("button[type=submit]").click()
    expect(page.locator("[data-badges] .req-status--in_progress")).to_have_text(
        label(ResidentRequest.Status.IN_PROGRESS)
    )
    expect(page.locator("[data-field=payment]")).to_contain_text(label(ResidentRequest.PaymentStatus.APPROVED))
    expect(page.locator("[data-field=payment]")).to_contain_text("高主任")
    expect(page.locator("[data-no-actions]")).to_be_visible()

    # ---- The company replaces the pipe and reports it done.
    page.context.clear_cookies()
    signed_in(page, property_staff)
    visit(page, f"{live_server.url}/requests/{filed.pk}/", "journey-request-detail-property-paid")
    page.locator("form[data-action=resolve] [name=note]").fill("已更换排污立管，试水无渗漏")
    page.locator("form[data-action=resolve] button[type=submit]").click()
    expect(page.locator("[data-badges] .req-status--resolved")).to_be_visible()

    # ---- The resident confirms on the phone with five stars.
    signed_in(phone_page, resident, next_url=f"/requests/{filed.pk}/")
    settle(phone_page)
    expect(phone_page.locator("[data-field=quote]")).to_contain_text("¥2,460.00")
    confirm = phone_page.locator("form[data-action=confirm]")
    confirm.locator("label.req-star", has=phone_page.locator("input[value='5']")).tap()
    confirm.locator("[name=comment]").fill("不再渗水了，谢谢业委会和物业")
    confirm.locator("button[type=submit]").tap()
    expect(phone_page.locator("[data-badges] .req-status--closed")).to_be_visible()
    expect(phone_page.locator("[data-field=rating]")).to_contain_text(zh("{rating} of 5 stars", rating=5))
    shoot(phone_page, "journey-request-detail-phone-paid")

    # ---- What the committee paid shows on the estate's public money (资金公示).
    page.context.clear_cookies()
    visit(page, f"{live_server.url}/estates/{world.estate.pk}/", "journey-estate-committee-paid")
    expect(page.locator("#estate-money [data-committee-costs]")).to_contain_text("¥2,460.00")

    paid = ResidentRequest.objects.get(pk=filed.pk)
    assert (paid.status, paid.payment_status, paid.payment_decided_by_id, paid.quote_amount, paid.rating) == (
        "closed",
        "approved",
        director.pk,
        Decimal("2460.00"),
        5,
    )


# ---------------------------------------------------------------- 3. a renovation project


def open_tool(page: Page, tool: str) -> None:
    """Unfold one of the staff's tools (it stays open after its form is sent)."""
    details = page.locator(tool)
    if details.get_attribute("open") is None:
        details.locator("summary").click()


def move_project(page: Page, to: str, note: str) -> None:
    open_tool(page, "#tool-move")
    move = page.locator("#move-form")
    move.locator("[name=to]").select_option(to)
    move.locator("[name=note]").fill(note)
    move.locator("button[type=submit]").click()
    expect(page.locator(f"[data-status] .status--{to}")).to_have_text(label(Project.Status(to)))
    expect(page.locator(f"[data-step={to}]")).to_have_attribute("aria-current", "step")
    expect(page.locator("#project-timeline")).to_contain_text(note)


def report_progress(page: Page, percent: int, text: str) -> None:
    open_tool(page, "#tool-update")
    update = page.locator("#update-form")
    update.locator("[name=text]").fill(text)
    update.locator("[name=percent]").fill(str(percent))
    update.locator("button[type=submit]").click()
    expect(page.locator("[data-progress] progress")).to_have_attribute("value", str(percent))
    expect(page.locator("[data-progress] .progress__value")).to_have_text(f"{percent}%")
    expect(page.locator("#project-timeline")).to_contain_text(text)


def test_staff_log_a_project_and_take_it_to_construction_as_its_progress_bar_fills(
    page: Page, live_server: Any, world: World, staff: User, office: dict[str, Any], signed_in: Any
) -> None:
    signed_in(page, staff)
    visit(page, f"{live_server.url}/estates/{world.estate.pk}/", "journey-estate-staff")
    expect(page.locator("#estate-projects tbody tr")).to_have_count(3)
    page.locator("[data-propose-project]").click()
    page.wait_for_url(f"**/projects/new/?estate={world.estate.pk}")
    settle(page)
    form = page.locator("#project-form")
    form.locator("[name=kind]").select_option("lighting")
    form.locator("[name=title]").fill("太阳能路灯")
    form.locator("[name=description]").fill("在主路和楼间道路安装24盏太阳能路灯。")
    form.get_by_label("3号楼", exact=True).check()
    form.locator("[name=budget]").fill("36000.00")
    form.locator("[name=planned_start]").fill(timezone.localdate().isoformat())
    shoot(page, "journey-project-new")
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/projects/\d+/$"))
    settle(page)
    project = Project.objects.get(title="太阳能路灯")
    expect(page.get_by_role("heading", level=1)).to_have_text("太阳能路灯")
    expect(page.locator("[data-status] .status--proposed")).to_have_text(label(Project.Status.PROPOSED))
    expect(page.locator("[data-progress] progress")).to_have_attribute("value", "0")
    expect(page.locator("[data-step=consent]")).to_be_hidden()

    # Surveyed, with a first report: the bar shows 15 %.
    move_project(page, "surveyed", "入户调研完成，居民同意在主路两侧安装")
    expect(page.locator("[data-step=proposed]")).to_have_class(re.compile(r"\bis-done\b"))
    report_progress(page, 15, "完成选址与勘测，确定24处灯位。")

    # Funding: the district's subsidy arrives and covers the budget.
    move_project(page, "funding", "申请城区老旧小区改造补贴")
    open_tool(page, "#tool-ledger")
    ledger = page.locator("#ledger-form")
    ledger.locator("[name=kind]").select_option("receipt")
    ledger.locator("[name=source]").select_option("government_subsidy")
    ledger.locator("[name=amount]").fill("36000.00")
    ledger.locator("[name=payer_or_payee]").fill("城区住建局")
    ledger.locator("button[type=submit]").click()
    expect(page.locator("#project-money [data-total=received]")).to_have_text("¥36,000.00")
    expect(page.locator("#project-ledger tbody tr")).to_have_count(1)

    # Construction: no override is asked for, and the bar reaches 60 %.
    move_project(page, "construction", "施工队进场，先装主路一侧")
    expect(page.locator("[data-override]")).to_be_hidden()
    report_progress(page, 60, "主路一侧12盏已安装并通电。")
    for step in ("proposed", "surveyed", "funding"):
        expect(page.locator(f"[data-step={step}]")).to_have_class(re.compile(r"\bis-done\b"))
    shoot(page, "journey-project-detail")

    project.refresh_from_db()
    assert (project.status, project.progress, project.kind) == ("construction", 60, "lighting")
    notes = list(project.events.filter(kind="transition").order_by("id").values_list("to_status", "note"))
    assert notes == [
        ("proposed", ""),
        ("surveyed", "入户调研完成，居民同意在主路两侧安装"),
        ("funding", "申请城区老旧小区改造补贴"),
        ("construction", "施工队进场，先装主路一侧"),
    ]

    # ---- The staff dashboard now counts two projects under construction, as chart and table.
    visit(page, f"{live_server.url}/", "journey-dashboard-staff")
    shoot_top(page, "journey-dashboard-staff-top")
    charts = page.locator("#project-charts")
    expect(charts.locator("[data-figure=project_count]")).to_have_text("4")
    expect(charts.locator("#chart-status svg")).to_be_visible()
    stages = charts.locator("#chart-status + details[data-chart-table] tbody tr")
    expect(stages.filter(has_text=label(Project.Status.CONSTRUCTION))).to_contain_text("2")
    requests = page.locator("#staff-requests")
    expect(requests.locator("[data-figure=open_count]")).to_have_text("2")
    expect(requests.locator("[data-figure=overdue_count]")).to_have_text("1")
    expect(page.locator(f"#staff-meetings [data-meeting-id='{office['meeting'].pk}']")).to_contain_text("下月联席会议")


# ---------------------------------------------------------------- 4. the joint meeting


def test_staff_schedule_run_and_publish_a_meeting_and_a_resident_reads_the_minutes(
    page: Page,
    phone_page: Page,
    live_server: Any,
    world: World,
    staff: User,
    committee: User,
    resident: User,
    signed_in: Any,
) -> None:
    page.on("dialog", lambda dialog: dialog.accept())
    day = datetime.now(YANGQUAN).date() + timedelta(days=2)

    # ---- Schedule: the owners' committee and one resident are invited.
    signed_in(page, staff)
    visit(page, f"{live_server.url}/meetings/", "journey-meeting-list-staff")
    page.locator("a[href='/meetings/new/']").first.click()
    page.wait_for_url(f"{live_server.url}/meetings/new/")
    settle(page)
    form = page.locator("#meeting-form")
    form.locator("select[name=estate]").select_option(str(world.estate.pk))
    form.locator("[name=title]").fill("北门停车联席会议")
    form.locator("[name=date]").fill(day.isoformat())
    form.locator("[name=place]").fill("社区党群服务中心二楼")
    form.locator("[data-organisations] li", has_text="蕴园小区业主委员会").locator("input").check()
    form.locator("[data-people-filter]").fill("李")
    form.locator("[data-people] li", has_text="李居民").locator("input").check()
    shoot(page, "journey-meeting-new")
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/meetings/\d+/run/$"))
    settle(page)
    meeting = Meeting.objects.get(title="北门停车联席会议")
    expect(page.locator("[data-badges]")).to_contain_text(label(Meeting.Status.SCHEDULED))
    expect(page.locator("[data-when]")).to_contain_text("社区党群服务中心二楼")
    expect(page.locator("[data-move=start]")).to_be_visible()

    # ---- Run it: an appeal goes on the agenda, the meeting starts, people are ticked present.
    add = page.locator("[data-add-tool]")
    add.locator("summary").click()
    add.locator("[name=title]").fill("北门停车位不够，夜间乱停")
    add.locator("button[type=submit]").click()
    item = page.locator(".mtg-item", has_text="北门停车位不够")
    expect(item).to_be_visible()
    page.locator("[data-move=start]").click()
    expect(page.locator("[data-badges]")).to_contain_text(label(Meeting.Status.IN_PROGRESS))
    expect(page.locator("[data-run-status]")).to_have_text(zh("The meeting has started."))
    for name in ("陈委员", "李居民"):
        page.locator("#run-attendance li", has_text=name).locator("input").check()
    expect(page.locator("[data-attendance-count]")).to_have_text(
        zh("{present} of {invited} present", present=2, invited=2)
    )
    item = page.locator(".mtg-item", has_text="北门停车位不够")
    item.locator("textarea[name=notes]").fill("居民反映夜间车辆堵住消防通道。")
    item.locator("textarea[name=resolution]").fill("北门内侧新划20个车位，物业负责夜间巡查")
    shoot(page, "journey-meeting-run")

    # ---- Close, summarise, publish (the page saves what was typed before it moves on).
    page.locator("[data-move=close]").click()
    expect(page.locator("[data-badges]")).to_contain_text(label(Meeting.Status.CLOSED))
    page.locator("[data-summary]").fill("会议议定在北门内侧新划20个车位，由物业负责夜间巡查。")
    page.locator("[data-move=publish-minutes]").click()
    expect(page.locator("[data-published-note]")).to_be_visible()
    expect(page.locator("[data-run-status]")).to_have_text(zh("The minutes are published."))
    page.evaluate("window.scrollTo(0, 0)")
    shoot(page, "journey-meeting-run-published")
    meeting.refresh_from_db()
    assert meeting.status == "closed" and meeting.minutes_published_at is not None
    assert meeting.summary == "会议议定在北门内侧新划20个车位，由物业负责夜间巡查。"

    # ---- The resident, on the phone, finds the minutes among the published ones and reads them.
    phone = phone_page
    signed_in(phone, resident)
    visit(phone, f"{live_server.url}/meetings/?view=minutes", "journey-meeting-list-minutes-phone")
    card = phone.locator(f".mtg-card[data-meeting-id='{meeting.pk}']")
    expect(card).to_contain_text("北门停车联席会议")
    card.locator(f"a[href='/meetings/{meeting.pk}/minutes/']").tap()
    phone.wait_for_url(f"{live_server.url}/meetings/{meeting.pk}/minutes/")
    settle(phone)
    shoot(phone, "journey-meeting-minutes-phone")
    minutes = phone.locator("#meeting-minutes")
    expect(minutes.locator("[data-title]")).to_have_text("北门停车联席会议")
    expect(minutes.locator("[data-draft]")).to_be_hidden()
    expect(minutes.locator("[data-summary]")).to_have_text("会议议定在北门内侧新划20个车位，由物业负责夜间巡查。")
    expect(minutes.locator("[data-items]")).to_contain_text("北门停车位不够，夜间乱停")
    expect(minutes.locator("[data-items]")).to_contain_text("北门内侧新划20个车位，物业负责夜间巡查")
    expect(minutes.locator("[data-people]")).to_contain_text("陈委员")
    requests_e2e.fits_the_phone(phone)


# ---------------------------------------------------------------- 5. the public


def test_a_visitor_reads_the_estates_projects_money_grade_and_minutes(
    page: Page, live_server: Any, world: World, staff: User, office: dict[str, Any]
) -> None:
    held = minutes_published(
        world, staff, title="十月联席会议", summary="议定：主路拓宽期间，北门临时单向通行。", days_ago=20
    )
    visit(page, f"{live_server.url}/", "journey-home-public")
    page.locator("#public-estates .estate-card").get_by_role("link", name="蕴园小区").click()
    page.wait_for_url(f"{live_server.url}/estates/{world.estate.pk}/")
    settle(page)
    shoot(page, "journey-estate-public")
    shoot_top(page, "journey-estate-public-top", height=1380)
    expect(page.get_by_role("heading", level=1)).to_have_text("蕴园小区")
    expect(page.locator("[data-field=address]")).to_have_text("阳泉市城区上站街道小阳泉北社区")
    expect(page.locator("[data-field=building_count]")).to_have_text("6")
    expect(page.locator("[data-manage]")).to_be_hidden()

    # Projects, each with its stage and progress.
    projects = page.locator("#estate-projects tbody tr")
    expect(projects).to_have_count(3)
    for key, status, percent in (("lift", "in_service", 100), ("road", "construction", 40), ("parking", "proposed", 0)):
        row = page.locator(f"#estate-projects tr[data-project-id='{office[key].pk}']")
        expect(row.locator("th a")).to_have_text(office[key].title)
        expect(row.locator(f".status--{status}")).to_have_text(label(Project.Status(status)))
        expect(row.locator("progress")).to_have_attribute("value", str(percent))
        expect(row.locator(".progress__value")).to_have_text(f"{percent}%")

    # The money: 720,000 received, 625,000 spent; by source.
    expect(page.locator("#estate-notices")).to_contain_text("主路拓宽施工期间北门单向通行")
    money = page.locator("#estate-money")
    expect(money.locator("[data-total=pledged]")).to_have_text("¥8,000.00")
    expect(money.locator("[data-total=received]")).to_have_text("¥720,000.00")
    expect(money.locator("[data-total=spent]")).to_have_text("¥625,000.00")
    expect(money.locator("[data-total=balance]")).to_have_text("¥95,000.00")
    subsidy = money.locator("[data-by-source] tr", has_text="政府补贴")
    expect(subsidy).to_contain_text("¥550,000.00")
    expect(money.locator("[data-by-source] tr")).to_have_count(4)

    # The latest grade, and its trend also as a table.
    grade = page.locator("#estate-grade")
    expect(grade.locator(".rating-grade--excellent")).to_have_text("优秀")
    expect(grade.locator("[data-grade-field=score]")).to_contain_text("92.00")
    expect(grade.locator("#estate-grade-chart svg")).to_be_visible()
    grade.locator("details[data-chart-table] summary").click()
    trend = grade.locator("details[data-chart-table] tbody tr")
    expect(trend).to_have_count(2)
    expect(trend.nth(0)).to_contain_text("86.5")
    expect(trend.nth(1)).to_contain_text("92")

    # The published minutes, one click away.
    link = page.locator("#estate-meetings a", has_text="十月联席会议")
    expect(link).to_have_attribute("href", f"/meetings/{held.pk}/minutes/")
    link.click()
    page.wait_for_url(f"{live_server.url}/meetings/{held.pk}/minutes/")
    settle(page)
    shoot(page, "journey-meeting-minutes-public")
    expect(page.locator("#meeting-minutes [data-summary]")).to_have_text("议定：主路拓宽期间，北门临时单向通行。")
