"""Disputes (纠纷) in a real browser: a resident raises one from a phone (邻里来说事); the mediator
takes it on, adds the other household, holds a session (听事) and settles it (解事); the resident
sees the outcome, and the other household sees only households, never names."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from estates.models import User
from governance import services
from governance.models import Dispute
from tests.conftest import World
from tests.e2e.conftest import page_through, settle, shoot, visit

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def fits_the_phone(page: Page) -> None:
    """No sideways scrolling on a 360px phone."""
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_resident_raises_a_dispute_and_the_mediator_hears_and_settles_it(
    phone_page: Page,
    page: Page,
    live_server: Any,
    world: World,
    resident: User,
    neighbour: User,
    mediator: User,
    signed_in: Any,
) -> None:
    # 说事: the resident, on a phone.
    phone = phone_page
    signed_in(phone, resident)
    visit(phone, f"{live_server.url}/disputes/new/", "dispute-new-phone")
    fits_the_phone(phone)
    form = phone.locator("#dispute-form")
    expect(form.locator(".disp-home")).to_contain_text("3号楼3单元501")
    # Sent without a kind: the page says so and keeps what was typed.
    form.locator("[name=title]").fill("楼上漏水")
    form.locator("[name=description]").fill("卫生间天花板渗水一周了，楼上502")
    form.locator("button[type=submit]").click()
    expect(form.locator("[data-error-for=kind]")).to_be_visible()
    expect(form.locator("[name=title]")).to_have_value("楼上漏水")
    form.locator("label.req-tile", has=phone.locator("input[value=leak]")).click()
    form.locator("button[type=submit]").click()
    phone.wait_for_url(re.compile(r"/disputes/\d+/$"))
    settle(phone)
    shoot(phone, "dispute-detail-phone-raised")
    dispute = Dispute.objects.get()
    assert (dispute.stage, dispute.kind, dispute.raised_by_id) == ("raised", "leak", resident.pk)
    expect(phone.locator("[data-raised-notice]")).to_be_visible()
    expect(phone.locator(".disp-stepper [data-step=raised]")).to_have_class(re.compile("is-current"))
    expect(phone.locator("#dispute-actions")).to_be_hidden()
    fits_the_phone(phone)

    # The mediator, at a desk: the dispute on the list, taken on in one click.
    signed_in(page, mediator)
    visit(page, f"{live_server.url}/disputes/", "dispute-list-mediator")
    card = page.locator(f".disp-card[data-dispute-id='{dispute.pk}']")
    expect(card).to_contain_text("楼上漏水")
    expect(card).to_contain_text("3号楼3单元501")
    card.locator("a").click()
    page.wait_for_url(f"**/disputes/{dispute.pk}/")
    settle(page)
    page.locator("form[data-action=take-on] button[type=submit]").click()
    expect(page.locator("[data-field=mediators]")).to_contain_text("周调解")
    expect(page.locator("form[data-action=sessions]")).to_be_visible()

    # The other household, found by building and room.
    add = page.locator("[data-action-box=add-party]")
    add.locator("summary").click()
    add.locator("select[data-building]").select_option(label="3号楼")
    expect(add.locator("select[data-household] option", has_text="3号楼3单元502")).to_have_count(1)
    add.locator("select[data-household]").select_option(label="3号楼3单元502")
    add.locator("button[type=submit]").click()
    expect(page.locator("[data-parties]")).to_contain_text("3号楼3单元502")

    # 听事: a session with its notes.
    session = page.locator("form[data-action=sessions]")
    session.locator("[name=place]").fill("社区调解室")
    session.locator("[name=notes]").fill("双方到场，楼上同意请师傅检修防水")
    session.locator("button[type=submit]").click()
    expect(page.locator(".disp-stepper [data-step=heard]")).to_have_class(re.compile("is-current"))
    expect(page.locator("[data-sessions] li")).to_have_count(1)
    expect(page.locator("[data-sessions]")).to_contain_text("社区调解室")
    shoot(page, "dispute-detail-mediator-heard")

    # 解事: settled with an agreement.
    settle_form = page.locator("form[data-action=settle]")
    settle_form.locator("label.req-tile", has=page.locator("input[value=agreement]")).click()
    settle_form.locator("[name=note]").fill("楼上负责修复，费用自理")
    settle_form.locator("button[type=submit]").click()
    expect(page.locator("[data-badges] .disp-stage--settled")).to_be_visible()
    expect(page.locator("#dispute-actions")).to_be_hidden()
    expect(page.locator("[data-timeline] li")).to_have_count(5)
    shoot(page, "dispute-detail-mediator-settled")
    dispute.refresh_from_db()
    assert (dispute.stage, dispute.outcome, dispute.outcome_note) == ("settled", "agreement", "楼上负责修复，费用自理")
    assert dispute.sessions.count() == 1

    # The resident sees the outcome on their phone.
    visit(phone, f"{live_server.url}/disputes/{dispute.pk}/", "dispute-detail-phone-settled")
    expect(phone.locator("[data-field=outcome]")).to_contain_text("楼上负责修复")
    fits_the_phone(phone)

    # The other household sees the dispute by households, without the resident's name or phone.
    phone.context.clear_cookies()
    signed_in(phone, neighbour)
    visit(phone, f"{live_server.url}/disputes/{dispute.pk}/", "dispute-detail-phone-other-party")
    parties = phone.locator("[data-parties]")
    expect(parties).to_contain_text("3号楼3单元501")
    expect(parties).not_to_contain_text("李居民")
    expect(phone.locator("[data-row=raised_by]")).to_be_hidden()


def test_resident_pages_through_their_disputes(
    page: Page, live_server: Any, world: World, resident: User, neighbour: User, signed_in: Any
) -> None:
    by = User.objects.get(pk=resident.pk)
    for n in range(21):
        services.raise_dispute(
            world.estate,
            by=by,
            kind="leak",
            title=f"楼上漏水第{n + 1}次",
            description="卫生间天花板渗水",
            parties=[
                {"household": world.household, "side": "applicant"},
                {"household": world.neighbour_household, "side": "respondent"},
            ],
        )
    signed_in(page, resident)
    page_through(page, f"{live_server.url}/disputes/", ".disp-card", per_page=20, total=21, name="dispute-list")
