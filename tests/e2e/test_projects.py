"""Renovation projects in a real browser: staff propose, move and report on a project with photos;
visitors read the project and the estate's money; owners see their share and vote; the staff
dashboard draws its charts with tables beside them; the 公示 sheet prints."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.urls import re_path
from django.views.static import serve
from PIL import Image
from playwright.sync_api import Page, expect

from config.urls import urlpatterns as site_urlpatterns
from estates.models import User
from renovations import services
from renovations.models import ProgressUpdate, Project, ProjectPhoto
from tests.conftest import World
from tests.e2e.conftest import page_through, settle, shoot, visit

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _media(request: Any, path: str) -> Any:
    return serve(request, path, document_root=django_settings.MEDIA_ROOT)


# The site as configured, plus the uploaded photos, which the live server (DEBUG off) does not serve.
urlpatterns = [*site_urlpatterns, re_path(r"^media/(?P<path>.*)$", _media)]


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.ROOT_URLCONF = __name__
    return settings.MEDIA_ROOT


def png(path: Path, colour: tuple[int, int, int] = (27, 94, 69)) -> Path:
    Image.new("RGB", (320, 240), colour).save(path, "PNG")
    return path


def no_sideways_scroll(page: Page) -> None:
    width = (page.viewport_size or {}).get("width", 1280)
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.fixture
def lift(world: World, staff: User) -> Project:
    """3号楼3单元加装电梯: a major matter voted by the unit, with floor coefficients, money in and
    out (one receipt reversed), and the vote open."""
    project = services.create_project(
        world.estate,
        by=staff,
        kind="lift",
        title="3号楼3单元加装电梯",
        description="为3号楼3单元加装一部电梯。",
        budget=Decimal("100000.00"),
        consent_rule="major",
        consent_scope="unit",
        buildings=[world.building],
        units=[world.unit],
        planned_start=date(2021, 3, 1),
        planned_end=date(2021, 6, 30),
        lift_floor_coefficients={"1": "0", "2": "0.6", "3": "0.8", "4": "1", "5": "1.2", "6": "1.4"},
    )
    wrong = services.record_ledger_entry(
        project,
        by=staff,
        kind="receipt",
        source="government_subsidy",
        amount=Decimal("60000.00"),
        occurred_on=date(2021, 1, 10),
    )
    services.reverse_ledger_entry(wrong, by=staff, note="金额录错")
    services.record_ledger_entry(
        project,
        by=staff,
        kind="receipt",
        source="government_subsidy",
        amount=Decimal("50000.00"),
        occurred_on=date(2021, 1, 12),
    )
    services.record_ledger_entry(
        project,
        by=staff,
        kind="pledge",
        source="residents",
        amount=Decimal("30000.00"),
        occurred_on=date(2021, 1, 15),
    )
    services.record_ledger_entry(
        project,
        by=staff,
        kind="expense",
        amount=Decimal("8000.00"),
        occurred_on=date(2021, 2, 1),
        payer_or_payee="阳泉市建工集团",
        note="勘察设计费",
    )
    services.add_progress_update(project, by=staff, text="完成入户调研，业主意见已汇总。", percent=10)
    services.transition_project(project, by=staff, to="surveyed", note="调研完成")
    services.transition_project(project, by=staff, to="consent", note="开始表决")
    services.cast_ballot(
        project,
        by=staff,
        household=world.neighbour_household,
        choice="agree",
        is_paper=True,
        paper_reference="P-001",
    )
    return project


def test_staff_creates_a_project_moves_it_and_reports_progress_with_a_photo(
    page: Page, live_server: Any, world: World, staff: User, signed_in: Any, media: Path, tmp_path: Path
) -> None:
    signed_in(page, staff)
    visit(page, f"{live_server.url}/estates/{world.estate.pk}/", "estate-detail-staff-no-projects")
    expect(page.locator("#estate-projects [data-state=empty]")).to_be_visible()
    page.locator("[data-propose-project]").click()
    page.wait_for_url(f"**/projects/new/?estate={world.estate.pk}")
    settle(page)
    shoot(page, "project-new")
    form = page.locator("#project-form")
    form.locator("[name=kind]").select_option("road")
    form.locator("[name=title]").fill("蕴园小区道路拓宽")
    form.locator("[name=description]").fill("拓宽主路，增加停车位。")
    form.get_by_label("3号楼", exact=True).check()
    form.locator("[name=budget]").fill("50000.00")
    form.locator("[name=planned_start]").fill("2023-04-01")
    expect(page.locator("#lift-section")).to_be_hidden()
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/projects/\d+/$"))
    settle(page)
    project = Project.objects.get(title="蕴园小区道路拓宽")
    assert (project.kind, project.budget, project.status) == ("road", Decimal("50000.00"), "proposed")
    assert list(project.buildings.all()) == [world.building]
    expect(page.locator("[data-status] .status--proposed")).to_be_visible()
    expect(page.locator("#staff-tools")).to_be_visible()

    # Move it on: proposed → surveyed.
    page.locator("#tool-move summary").click()
    move = page.locator("#move-form")
    expect(move.locator("[name=to] option")).to_have_count(2)
    move.locator("[name=to]").select_option("surveyed")
    expect(move.locator("[data-override-field]")).to_be_hidden()
    move.locator("[name=note]").fill("入户调研完成")
    move.locator("button[type=submit]").click()
    expect(page.locator("[data-status] .status--surveyed")).to_be_visible()
    expect(page.locator("[data-step=surveyed]")).to_have_attribute("aria-current", "step")
    expect(page.locator("#project-timeline")).to_contain_text("入户调研完成")
    project.refresh_from_db()
    assert project.status == "surveyed"

    # A progress update with a photo, uploaded with its own progress bar.
    page.locator("#tool-update summary").click()
    update = page.locator("#update-form")
    update.locator("[name=text]").fill("施工队进场，开始破路。")
    update.locator("[name=percent]").fill("30")
    update.locator("[name=stage]").select_option("before")
    update.locator("[name=photos]").set_input_files(str(png(tmp_path / "road.png")))
    expect(update.locator(".upload")).to_have_count(1)
    update.locator(".upload__caption").fill("施工前的主路")
    shoot(page, "project-update-form")
    update.locator("button[type=submit]").click()
    expect(page.locator("[data-progress] progress")).to_have_attribute("value", "30")
    expect(page.locator("[data-progress]")).to_contain_text("30%")
    photo = page.locator("#project-photos [data-stage=before] img")
    expect(photo).to_have_attribute("alt", "施工前的主路")
    page.wait_for_function(
        "() => [...document.querySelectorAll('#project-photos img')].every(img => img.complete && img.naturalWidth > 0)"
    )
    expect(update.locator(".upload")).to_have_count(0)
    shoot(page, "project-detail-staff")
    stored = ProjectPhoto.objects.get(project=project)
    assert stored.caption == "施工前的主路"
    assert stored.stage == "before"
    assert stored.update == ProgressUpdate.objects.get(project=project, percent=30)


def test_failed_photo_shows_its_error_and_the_update_is_kept(
    page: Page, live_server: Any, world: World, staff: User, signed_in: Any, media: Path, tmp_path: Path, console: Any
) -> None:
    console.allow(r"status of 400")
    project = services.create_project(world.estate, by=staff, kind="greening", title="绿化提升", budget="1000.00")
    signed_in(page, staff)
    visit(page, f"{live_server.url}/projects/{project.pk}/", "project-detail-before-upload")
    page.locator("#tool-update summary").click()
    update = page.locator("#update-form")
    update.locator("[name=text]").fill("补种树木。")
    update.locator("[name=percent]").fill("50")
    fake = tmp_path / "not-a-photo.jpg"
    fake.write_text("this is text, not a photo")
    update.locator("[name=photos]").set_input_files([str(png(tmp_path / "ok.png")), str(fake)])
    update.locator("button[type=submit]").click()
    failed = update.locator(".upload--failed")
    expect(failed).to_have_count(1)
    expect(failed).to_contain_text("not-a-photo.jpg")
    expect(failed.locator(".field-error")).to_be_visible()
    expect(update.locator(".upload--done")).to_have_count(1)
    expect(update.locator("[data-form-error]")).to_be_visible()
    expect(update.locator("[data-finish]")).to_be_visible()
    shoot(page, "project-update-photo-error")
    assert ProgressUpdate.objects.filter(project=project).count() == 1
    assert ProjectPhoto.objects.filter(project=project).count() == 1

    update.locator("[data-finish]").click()
    expect(update.locator(".upload")).to_have_count(0)
    expect(page.locator("[data-progress] progress")).to_have_attribute("value", "50")


def test_visitor_reads_the_project_page_and_the_estates_money(
    page: Page, live_server: Any, world: World, lift: Project
) -> None:
    visit(page, f"{live_server.url}/projects/{lift.pk}/", "project-detail-public")
    expect(page.get_by_role("heading", level=1)).to_have_text("3号楼3单元加装电梯")
    expect(page.locator("#staff-tools")).to_be_hidden()
    expect(page.locator("[data-manage]").first).to_be_hidden()
    expect(page.locator("[data-progress] progress")).to_have_attribute("value", "10")
    expect(page.locator("[data-step=consent]")).to_have_attribute("aria-current", "step")
    expect(page.locator("[data-step=proposed]")).to_have_class(re.compile(r"\bis-done\b"))

    ledger = page.locator("#project-ledger")
    expect(ledger.locator("tbody tr")).to_have_count(5)
    reversal = ledger.locator("tr.ledger__row--reversal")
    expect(reversal).to_contain_text("-¥60,000.00")
    expect(reversal).to_contain_text("金额录错")
    expect(ledger.locator("tr.ledger__row--reversed")).to_have_count(1)
    money = page.locator("#project-money")
    expect(money.locator("[data-total=received]")).to_have_text("¥50,000.00")
    expect(money.locator("[data-total=spent]")).to_have_text("¥8,000.00")
    expect(money.locator("[data-total=balance]")).to_have_text("¥42,000.00")
    expect(money.locator("[data-total=pledged]")).to_have_text("¥30,000.00")

    consent = page.locator("#project-consent")
    expect(consent).to_be_visible()
    # One of the two households (65.20 of 143.70 m²) took part and agreed.
    expect(consent.locator("[data-tally] tr").first).to_contain_text("1/2")
    expect(consent.locator("[data-tally] tr").first).to_contain_text("652/1437")
    expect(consent.locator("#my-vote")).to_be_hidden()
    expect(page.locator("#project-timeline .timeline__item")).not_to_have_count(0)
    expect(page.locator("#project-timeline")).to_contain_text("调研完成")

    visit(page, f"{live_server.url}/estates/{world.estate.pk}/", "estate-detail-money")
    projects = page.locator("#estate-projects")
    expect(projects.get_by_role("link", name="3号楼3单元加装电梯")).to_be_visible()
    expect(projects.locator("progress")).to_have_attribute("value", "10")
    expect(page.locator("[data-propose-project]")).to_be_hidden()
    estate_money = page.locator("#estate-money")
    expect(estate_money.locator("[data-total=received]")).to_have_text("¥50,000.00")
    expect(estate_money.locator("[data-total=spent]")).to_have_text("¥8,000.00")
    expect(estate_money.locator("[data-total=balance]")).to_have_text("¥42,000.00")
    expect(estate_money.locator("[data-by-source] tr")).to_have_count(2)


def test_visitor_on_a_phone_reads_the_project_list_and_page_without_sideways_scrolling(
    phone_page: Page, live_server: Any, world: World, lift: Project
) -> None:
    page = phone_page
    visit(page, f"{live_server.url}/projects/", "phone-project-list")
    rows = page.locator("#project-list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first.locator("progress")).to_be_visible()
    no_sideways_scroll(page)
    rows.first.get_by_role("link", name="3号楼3单元加装电梯").click()
    page.wait_for_url(f"**/projects/{lift.pk}/")
    settle(page)
    shoot(page, "phone-project-detail")
    expect(page.locator("#project-ledger tbody tr")).to_have_count(5)
    no_sideways_scroll(page)
    visit(page, f"{live_server.url}/estates/{world.estate.pk}/", "phone-estate-detail-money")
    expect(page.locator("#estate-money [data-total=balance]")).to_have_text("¥42,000.00")
    no_sideways_scroll(page)


def test_project_list_filters_by_kind_and_status(
    page: Page, live_server: Any, world: World, staff: User, lift: Project
) -> None:
    services.create_project(world.estate, by=staff, kind="road", title="蕴园小区道路拓宽", budget="50000.00")
    visit(page, f"{live_server.url}/projects/", "project-list")
    expect(page.locator("#project-list tbody tr")).to_have_count(2)
    page.locator("#project-kind").select_option("lift")
    page.locator("#project-list form button[type=submit]").click()
    page.wait_for_url(re.compile(r"kind=lift"))
    settle(page)
    expect(page.locator("#project-list tbody tr")).to_have_count(1)
    expect(page.locator("#project-kind")).to_have_value("lift")
    page.goto(f"{live_server.url}/projects/?status=in_service")
    settle(page)
    expect(page.locator("#project-list [data-state=empty]")).to_be_visible()
    shoot(page, "project-list-empty")


def test_owner_sees_their_share_before_the_vote_buttons_and_votes(
    page: Page, live_server: Any, world: World, lift: Project, resident: User, signed_in: Any
) -> None:
    signed_in(page, resident)
    visit(page, f"{live_server.url}/projects/{lift.pk}/", "project-detail-owner")
    mine = page.locator("#my-vote")
    expect(mine).to_be_visible()
    household = mine.locator(f"[data-household-id='{world.household.pk}']")
    expect(household.locator(".my-share")).to_contain_text("¥")
    share_box = household.locator(".my-share").bounding_box()
    buttons = household.locator(".vote-buttons")
    assert share_box is not None and share_box["y"] < (buttons.bounding_box() or {"y": 0})["y"]
    buttons.locator("[data-choice=agree]").click()
    expect(household.locator("[data-choice=agree]")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#project-consent [data-tally] tr").first).to_contain_text("1/1")
    shoot(page, "project-detail-owner-voted")
    assert lift.ballots.get(household=world.household).choice == "agree"
    expect(page.locator("#staff-tools")).to_be_hidden()


def test_staff_dashboard_draws_the_project_charts_with_tables(
    page: Page, live_server: Any, world: World, staff: User, lift: Project, signed_in: Any
) -> None:
    services.create_project(world.estate, by=staff, kind="road", title="蕴园小区道路拓宽", budget="50000.00")
    signed_in(page, staff)
    visit(page, f"{live_server.url}/", "dashboard-staff-charts")
    charts = page.locator("#project-charts")
    for chart in ("#chart-status", "#chart-kind", "#chart-money"):
        expect(charts.locator(f"{chart} svg")).to_be_visible()
        table = charts.locator(f"{chart} + details table")
        expect(table).to_be_attached()
    expect(charts.locator("[data-figure=project_count]")).to_have_text("2")
    charts.locator("#chart-kind + details summary").click()
    kinds = charts.locator("#chart-kind + details table")
    expect(kinds).to_be_visible()
    expect(kinds.locator("tbody tr")).to_have_count(2)
    expect(charts.locator("#chart-money + details table tbody tr")).to_have_count(2)
    shoot(page, "dashboard-staff-charts-table")


def test_staff_dashboard_charts_on_a_phone(
    phone_page: Page, live_server: Any, world: World, staff: User, lift: Project, signed_in: Any
) -> None:
    page = phone_page
    signed_in(page, staff)
    visit(page, f"{live_server.url}/", "phone-dashboard-staff-charts")
    expect(page.locator("#chart-status svg")).to_be_visible()
    no_sideways_scroll(page)


def test_print_sheet_shows_the_figures_and_a_qr_code(page: Page, live_server: Any, world: World, lift: Project) -> None:
    visit(page, f"{live_server.url}/projects/{lift.pk}/print/", "project-print")
    sheet = page.locator("#project-print")
    expect(sheet.locator(".qr svg")).to_be_visible()
    expect(sheet.locator("[data-percent]")).to_have_text("10%")
    expect(sheet.locator("[data-total=balance]")).to_have_text("¥42,000.00")
    expect(sheet.locator("[data-expenses] tr")).to_have_count(1)
    expect(sheet.locator("[data-expenses]")).to_contain_text("勘察设计费")
    expect(sheet.locator("[data-tally] tr")).to_have_count(2)
    expect(page.locator("#print-button")).to_be_enabled()
    page.emulate_media(media="print")
    expect(page.locator("#print-button")).to_be_hidden()
    expect(page.locator(".site-header")).to_be_hidden()
    shoot(page, "project-print-media-print")


def test_staff_sets_the_lift_cost_shares_in_the_edit_form(
    page: Page, live_server: Any, world: World, staff: User, signed_in: Any
) -> None:
    project = services.create_project(
        world.estate,
        by=staff,
        kind="lift",
        title="3号楼3单元加装电梯",
        budget=Decimal("100000.00"),
        consent_rule="major",
        consent_scope="unit",
        units=[world.unit],
    )
    signed_in(page, staff)
    visit(page, f"{live_server.url}/projects/{project.pk}/edit/", "project-edit-lift")
    form = page.locator("#project-form")
    expect(form.get_by_label("3号楼3单元", exact=True)).to_be_checked()
    expect(page.locator("#lift-section")).to_be_visible()
    coefficients = form.locator("[data-floor-table=coefficients] [data-rows] tr")
    expect(coefficients).to_have_count(6)
    for number, value in enumerate(["0", "0.6", "0.8", "1", "1.2", "1.4"]):
        coefficients.nth(number).locator("[data-value]").fill(value)
    form.locator("[data-floor-table=compensations] [data-rows] tr").first.locator("[data-value]").fill("3000")
    form.locator("[name=shared_cost]").fill("90000")
    form.locator("button[type=submit]").click()
    page.wait_for_url(f"**/projects/{project.pk}/")
    settle(page)
    project.refresh_from_db()
    assert project.lift_floor_coefficients == {"1": "0", "2": "0.6", "3": "0.8", "4": "1", "5": "1.2", "6": "1.4"}
    assert project.lift_compensations == {"1": "3000.00"}
    assert project.shared_cost == Decimal("90000.00")
    assert project.lift_weigh_by_area is True


def test_staff_records_money_and_reverses_a_mistake(
    page: Page, live_server: Any, world: World, staff: User, signed_in: Any
) -> None:
    project = services.create_project(world.estate, by=staff, kind="road", title="道路拓宽", budget="50000.00")
    signed_in(page, staff)
    visit(page, f"{live_server.url}/projects/{project.pk}/", "project-detail-ledger-empty")
    page.locator("#tool-ledger summary").click()
    form = page.locator("#ledger-form")
    form.locator("[name=kind]").select_option("expense")
    expect(form.locator("[data-source-field]")).to_be_hidden()
    form.locator("[name=amount]").fill("1234.50")
    form.locator("[name=payer_or_payee]").fill("施工队")
    form.locator("[name=note]").fill("材料费")
    form.locator("button[type=submit]").click()
    ledger = page.locator("#project-ledger")
    expect(ledger.locator("tbody tr")).to_have_count(1)
    expect(page.locator("#project-money [data-total=spent]")).to_have_text("¥1,234.50")

    ledger.locator("tbody tr").first.locator("button").click()
    dialog = page.locator("#reverse-dialog")
    expect(dialog).to_be_visible()
    dialog.locator("[name=note]").fill("重复录入")
    shoot(page, "project-ledger-reverse-dialog")
    dialog.locator("button[type=submit]").click()
    expect(dialog).to_be_hidden()
    expect(ledger.locator("tbody tr")).to_have_count(2)
    expect(ledger.locator("tr.ledger__row--reversal")).to_contain_text("重复录入")
    expect(ledger.locator("tbody button")).to_have_count(0)
    expect(page.locator("#project-money [data-total=spent]")).to_have_text("¥0.00")
    shoot(page, "project-ledger-reversed")
    assert [str(entry.amount) for entry in project.ledger.order_by("id")] == ["1234.50", "-1234.50"]


def test_staff_starts_construction_only_with_a_reason_when_money_is_short(
    page: Page, live_server: Any, world: World, staff: User, signed_in: Any, console: Any
) -> None:
    console.allow(r"status of 409")
    project = services.create_project(world.estate, by=staff, kind="road", title="道路拓宽", budget="50000.00")
    services.transition_project(project, by=staff, to="surveyed")
    services.transition_project(project, by=staff, to="funding")
    signed_in(page, staff)
    visit(page, f"{live_server.url}/projects/{project.pk}/", "project-detail-funding")
    page.locator("#tool-move summary").click()
    move = page.locator("#move-form")
    move.locator("[name=to]").select_option("construction")
    expect(move.locator("[data-override-field]")).to_be_visible()
    move.locator("button[type=submit]").click()
    expect(move.locator("[data-form-error]")).to_be_visible()
    expect(move.locator("[data-form-error]")).to_contain_text("50000.00")
    move.locator("[name=override_reason]").fill("政府补贴已批复，下月到账")
    move.locator("button[type=submit]").click()
    expect(page.locator("[data-status] .status--construction")).to_be_visible()
    expect(page.locator("[data-override]")).to_contain_text("政府补贴已批复")
    shoot(page, "project-detail-override")
    project.refresh_from_db()
    assert (project.status, project.funding_override_reason) == ("construction", "政府补贴已批复，下月到账")


def test_staff_records_a_passed_inspection_and_puts_the_project_in_service(
    page: Page, live_server: Any, world: World, staff: User, signed_in: Any
) -> None:
    project = services.create_project(world.estate, by=staff, kind="lighting", title="太阳能路灯", budget="0.00")
    for status in ("surveyed", "funding", "construction", "inspection"):
        services.transition_project(project, by=staff, to=status)
    signed_in(page, staff)
    visit(page, f"{live_server.url}/projects/{project.pk}/", "project-detail-inspection")
    expect(page.locator("#tool-ballot")).to_be_hidden()
    page.locator("#tool-inspection summary").click()
    form = page.locator("#inspection-form")
    form.locator("[name=inspectors]").fill("质监站 王工")
    form.locator("[name=passed]").check()
    form.locator("button[type=submit]").click()
    expect(page.locator("#project-timeline .timeline__item--inspection")).to_have_count(1)
    page.locator("#tool-move summary").click()
    move = page.locator("#move-form")
    move.locator("[name=to]").select_option("in_service")
    move.locator("button[type=submit]").click()
    expect(page.locator("[data-status] .status--in_service")).to_be_visible()
    expect(page.locator("#move-form [data-no-next]")).to_be_visible()
    shoot(page, "project-detail-in-service")
    project.refresh_from_db()
    assert project.status == "in_service"
    assert project.inspections.get().passed is True


def test_staff_records_a_paper_ballot(
    page: Page, live_server: Any, world: World, staff: User, signed_in: Any, lift: Project
) -> None:
    signed_in(page, staff)
    visit(page, f"{live_server.url}/projects/{lift.pk}/", "project-detail-consent-staff")
    page.locator("#tool-ballot summary").click()
    form = page.locator("#ballot-form")
    expect(form.locator("[name=household] option")).to_have_count(3)
    form.locator("[name=household]").select_option(str(world.household.pk))
    form.locator("[name=choice]").select_option("disagree")
    form.locator("[name=paper_reference]").fill("P-002")
    form.locator("button[type=submit]").click()
    expect(form.locator("[data-form-status]")).not_to_be_empty()
    expect(page.locator("#project-consent [data-verdict]")).to_contain_text("2")
    ballot = lift.ballots.get(household=world.household)
    assert (ballot.choice, ballot.is_paper, ballot.paper_reference) == ("disagree", True, "P-002")


def test_owner_on_a_phone_in_large_text_votes_without_sideways_scrolling(
    phone_page: Page, live_server: Any, world: World, lift: Project, resident: User, signed_in: Any
) -> None:
    page = phone_page
    signed_in(page, resident, next_url=f"/projects/{lift.pk}/")
    settle(page)
    page.locator("#large-text-toggle").click()
    expect(page.locator("html")).to_have_class(re.compile(r"\blarge-text\b"))
    vote = page.locator(f"#my-vote [data-household-id='{world.household.pk}'] .vote-buttons button")
    expect(vote).to_have_count(3)
    heights = [box["height"] for box in (vote.nth(i).bounding_box() for i in range(3)) if box]
    assert min(heights) >= 48
    shoot(page, "phone-project-detail-owner-large-text")
    no_sideways_scroll(page)


def test_visitor_pages_through_the_project_list(page: Page, live_server: Any, world: World, staff: User) -> None:
    for n in range(21):
        services.create_project(world.estate, by=staff, kind="road", title=f"道路修缮第{n + 1}段", budget="1000.00")
    page_through(
        page, f"{live_server.url}/projects/", "#project-list tbody tr", per_page=20, total=21, name="project-list"
    )
