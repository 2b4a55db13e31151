"""Smoke tests in a real browser: the registry's pages load their data and their forms work."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from estates.models import Building, Estate, Household
from tests.conftest import World
from tests.e2e.conftest import page_through, settle, shoot, visit

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_staff_signs_in_sees_the_estate_and_adds_a_building(
    page: Page, live_server: Any, world: World, staff: Any, signed_in: Any
) -> None:
    signed_in(page, staff)
    visit(page, live_server.url + "/", "dashboard-staff")
    dashboard = page.locator("#dashboard")
    expect(dashboard.locator("#my-roles")).to_contain_text("小阳泉北社区")
    expect(dashboard.locator(".estate-card", has_text="蕴园小区")).to_be_visible()
    expect(dashboard.locator(".estate-card", has_text="体委小区")).to_have_count(0)

    visit(page, f"{live_server.url}/estates/{world.estate.pk}/", "estate-detail-staff")
    expect(page.get_by_role("heading", level=1)).to_have_text("蕴园小区")
    buildings = page.locator("#estate-buildings table")
    expect(buildings.get_by_role("rowheader", name="3号楼")).to_be_visible()
    expect(page.get_by_text("蕴和物业")).to_be_visible()

    page.locator("[data-manage] a").click()
    page.wait_for_url(f"**/registry/estates/{world.estate.pk}/")
    settle(page)
    form = page.locator("#building-add-form")
    form.locator("[name=name]").fill("5号楼")
    form.locator("[name=floors]").fill("7")
    form.locator("[name=has_lift]").check()
    form.get_by_role("button").click()
    expect(page.locator("#buildings-table").get_by_role("rowheader", name="5号楼")).to_be_visible()
    expect(page.locator("#panel-heading")).to_contain_text("5号楼")
    shoot(page, "estate-manage-building-added")
    building = Building.objects.get(estate=world.estate, name="5号楼")
    assert (building.floors, building.has_lift) == (7, True)


def test_staff_adds_a_household_after_fixing_the_floor_the_api_refused(
    page: Page, live_server: Any, world: World, staff: Any, resident: Any, signed_in: Any, console: Any
) -> None:
    console.allow(r"status of 400")
    signed_in(page, staff)
    visit(page, f"{live_server.url}/registry/estates/{world.estate.pk}/", "estate-manage")
    page.locator(f"tr[data-building-id='{world.building.pk}']").get_by_role("button").first.click()
    unit = page.locator(f"article[data-unit-id='{world.unit.pk}']")
    expect(unit.get_by_text("李居民")).to_be_visible()
    expect(unit.get_by_text("13812341234")).to_be_visible()

    form = unit.locator("form")
    form.locator("[name=room]").fill("601")
    form.locator("[name=floor]").fill("9")
    form.locator("[name=floor_area]").fill("80.25")
    form.get_by_role("button").click()
    error = form.locator(".field-error")
    expect(error).to_contain_text("6")
    expect(form.locator("[name=floor]")).to_have_attribute("aria-invalid", "true")
    expect(form.locator("[name=room]")).to_have_value("601")
    expect(form.locator("[name=floor_area]")).to_have_value("80.25")
    shoot(page, "estate-manage-household-error")

    form.locator("[name=floor]").fill("6")
    form.get_by_role("button").click()
    expect(unit.get_by_role("rowheader", name="601")).to_be_visible()
    shoot(page, "estate-manage-household-added")
    household = Household.objects.get(unit=world.unit, room="601")
    assert (household.floor, str(household.floor_area)) == (6, "80.25")


def test_staff_edits_a_building_in_the_dialog_and_cannot_delete_one_with_households(
    page: Page, live_server: Any, world: World, staff: Any, signed_in: Any, console: Any
) -> None:
    console.allow(r"status of 409")
    signed_in(page, staff)
    visit(page, f"{live_server.url}/registry/estates/{world.estate.pk}/", "estate-manage-before-edit")
    row = page.locator(f"tr[data-building-id='{world.building.pk}']")
    row.get_by_role("button", name=re.compile("Edit|编辑")).click()
    dialog = page.locator("#building-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.locator("[name=name]")).to_have_value("3号楼")
    dialog.locator("[name=floors]").fill("7")
    shoot(page, "estate-manage-building-dialog")
    dialog.get_by_role("button", name=re.compile("^(Save|保存)$")).click()
    expect(dialog).to_be_hidden()
    expect(row.locator("td").first).to_have_text("7")

    page.once("dialog", lambda confirm: confirm.accept())
    row.get_by_role("button", name=re.compile("Delete|删除")).click()
    expect(page.locator("#buildings-section [data-section-error]")).to_be_visible()
    assert Building.objects.filter(pk=world.building.pk).exists()


def test_staff_registers_an_estate_after_the_api_asks_for_a_name(
    page: Page, live_server: Any, world: World, staff: Any, signed_in: Any, console: Any
) -> None:
    console.allow(r"status of 400")
    signed_in(page, staff)
    visit(page, f"{live_server.url}/registry/", "registry")
    expect(page.locator("#managed-estates").get_by_role("link", name="蕴园小区")).to_be_visible()
    form = page.locator("#new-estate-form")
    expect(form.locator("[name=community] option")).to_have_count(1)
    form.locator("[name=address]").fill("桃北东街 8 号")
    form.locator("button[type=submit]").click()
    expect(form.locator("[name=name]")).to_have_attribute("aria-invalid", "true")
    expect(form.locator(".field-error")).to_be_visible()
    expect(form.locator("[name=address]")).to_have_value("桃北东街 8 号")

    form.locator("[name=name]").fill("桃园小区")
    form.locator("button[type=submit]").click()
    expect(page.locator("#managed-estates").get_by_role("link", name="桃园小区")).to_be_visible()
    shoot(page, "registry-estate-added")
    estate = Estate.objects.get(name="桃园小区")
    assert (estate.community_id, estate.address) == (world.community.pk, "桃北东街 8 号")


def test_visitor_on_a_phone_finds_an_estate_and_opens_its_page(
    phone_page: Page, live_server: Any, world: World
) -> None:
    page = phone_page
    visit(page, live_server.url + "/", "phone-home-public")
    expect(page.locator("#public-estates .estate-card")).to_have_count(2)

    visit(page, live_server.url + "/estates/", "phone-estate-list")
    expect(page.locator(".estate-card")).to_have_count(2)
    page.locator("#estate-search").fill("蕴园")
    page.locator("#estate-list form button[type=submit]").click()
    page.wait_for_url(re.compile(r"search="))
    settle(page)
    cards = page.locator(".estate-card")
    expect(cards).to_have_count(1)
    shoot(page, "phone-estate-list-search")

    cards.get_by_role("link", name="蕴园小区").click()
    page.wait_for_url(f"**/estates/{world.estate.pk}/")
    settle(page)
    shoot(page, "phone-estate-detail")
    expect(page.get_by_role("heading", level=1)).to_have_text("蕴园小区")
    expect(page.locator("#estate-buildings").get_by_text("3号楼")).to_be_visible()
    expect(page.locator("[data-manage]")).to_be_hidden()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_large_text_mode_stays_on_across_pages(page: Page, live_server: Any, world: World) -> None:
    visit(page, live_server.url + "/", "home-public")
    body_size = "parseFloat(getComputedStyle(document.body).fontSize)"
    assert page.evaluate(body_size) >= 16
    toggle = page.locator("#large-text-toggle")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    toggle.click()
    expect(page.locator("html")).to_have_class(re.compile(r"\blarge-text\b"))
    expect(toggle).to_have_attribute("aria-pressed", "true")
    assert page.evaluate(body_size) >= 18

    visit(page, live_server.url + "/estates/", "estate-list-large-text")
    expect(page.locator("html")).to_have_class(re.compile(r"\blarge-text\b"))
    expect(page.locator("#large-text-toggle")).to_have_attribute("aria-pressed", "true")
    assert page.evaluate(body_size) >= 18
    heights = page.evaluate(
        "[...document.querySelectorAll('button, .button, input, select')]"
        ".map(el => el.getBoundingClientRect().height).filter(h => h > 0)"
    )
    assert min(heights) >= 44

    page.locator("#large-text-toggle").click()
    page.reload()
    settle(page)
    expect(page.locator("html")).not_to_have_class(re.compile(r"\blarge-text\b"))


def test_staff_on_a_phone_manages_households_without_sideways_scrolling(
    phone_page: Page, live_server: Any, world: World, staff: Any, resident: Any, signed_in: Any
) -> None:
    page = phone_page
    signed_in(page, staff, next_url=f"/registry/estates/{world.estate.pk}/?building={world.building.pk}")
    settle(page)
    expect(page.locator(f"article[data-unit-id='{world.unit.pk}']").get_by_text("李居民")).to_be_visible()
    shoot(page, "phone-estate-manage")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_resident_dashboard_shows_their_household_role_and_estate(
    page: Page, live_server: Any, world: World, resident: Any, signed_in: Any
) -> None:
    signed_in(page, resident)
    visit(page, live_server.url + "/", "dashboard-resident")
    expect(page.locator("#my-roles")).to_contain_text("3号楼3单元501")
    card = page.locator("#my-estates .estate-card")
    expect(card).to_have_count(1)
    expect(card).to_contain_text("蕴园小区")
    expect(card.locator("a[href^='/registry/']")).to_have_count(0)
    expect(page.locator(".site-nav a[href='/registry/']")).to_have_count(0)


def test_visitor_pages_through_the_estate_list(page: Page, live_server: Any, world: World) -> None:
    Estate.objects.bulk_create(Estate(community=world.community, name=f"测试小区{n:02d}") for n in range(23))
    page_through(page, f"{live_server.url}/estates/", ".estate-card", per_page=24, total=25, name="estate-list")
