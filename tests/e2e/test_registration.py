"""A visitor signs up on a phone, agreeing to the privacy notice, and is told what to do next;
community staff then link them to their household on the registry page, and end the link when
they move out."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from estates.models import Consent, Membership, User
from estates.privacy import PRIVACY_NOTICE_VERSION
from tests.conftest import World
from tests.e2e.conftest import settle, shoot, visit
from tests.e2e.test_accessibility import axe_violations, report

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def sign_up(phone: Page, live_server: Any) -> None:
    visit(phone, live_server.url + "/accounts/login/", "register-from-login-phone")
    phone.locator("main a[href='/accounts/register/']").click()
    phone.wait_for_url("**/accounts/register/")
    settle(phone)
    form = phone.locator("#register-form")
    form.locator("[name=full_name]").fill("黄新人")
    form.locator("[name=phone]").fill("13912345678")
    form.locator("[name=username]").fill("newcomer")
    form.locator("[name=password]").fill("Lift-3-unit-3")
    form.locator("[name=password_confirm]").fill("Lift-3-unit-3")
    shoot(phone, "register-filled-phone")

    # Without the box ticked the API refuses, and says so beside the box; nothing typed is lost.
    form.get_by_role("button").click()
    consent = form.locator("[name=privacy_consent]")
    expect(consent).to_have_attribute("aria-invalid", "true")
    expect(form.locator("#register-consent-error")).to_be_visible()
    expect(form.locator("[name=username]")).to_have_value("newcomer")
    assert not User.objects.filter(username="newcomer").exists()
    shoot(phone, "register-consent-missing-phone")

    consent.check()
    form.get_by_role("button").click()
    phone.wait_for_url(live_server.url + "/")


def test_a_visitor_signs_up_on_a_phone_and_staff_link_their_home(
    phone_page: Page, page: Page, live_server: Any, world: World, staff: User, signed_in: Any, console: Any
) -> None:
    console.allow(r"status of 400")
    sign_up(phone_page, live_server)

    # Signed in, with no role yet: the dashboard says what to do next, with the username to give.
    settle(phone_page)
    next_step = phone_page.locator("#next-step")
    expect(next_step).to_be_visible()
    expect(next_step.locator("[data-username]")).to_have_text("newcomer")
    expect(phone_page.locator(".site-user")).to_have_text("黄新人")
    shoot(phone_page, "register-next-step-phone")
    assert not (violations := axe_violations(phone_page, live_server)), report(violations)
    person = User.objects.get(username="newcomer")
    consent = Consent.objects.get(user=person)
    assert (consent.version, consent.address) == (PRIVACY_NOTICE_VERSION, "127.0.0.1")

    # Staff open the household 502 and link the person, after a typo the API refused.
    signed_in(page, staff)
    visit(page, f"{live_server.url}/registry/estates/{world.estate.pk}/?building={world.building.pk}", "residents")
    row = page.locator(f"tr[data-household-id='{world.neighbour_household.pk}']")
    row.locator("[data-action=add-resident]").click()
    dialog = page.locator("#resident-dialog")
    expect(dialog).to_be_visible()
    dialog.locator("[name=username]").fill("newcomr")
    dialog.locator("[name=is_owner]").check()
    dialog.locator("button[type=submit]").click()
    expect(dialog.locator("[name=username]")).to_have_attribute("aria-invalid", "true")
    expect(dialog.locator(".field-error")).to_be_visible()
    shoot(page, "residents-unknown-username")
    dialog.locator("[name=username]").fill("newcomer")
    dialog.locator("button[type=submit]").click()
    expect(dialog).to_be_hidden()
    resident = row.locator(f"li[data-person-id='{person.pk}']")
    expect(resident).to_contain_text("黄新人")
    expect(resident).to_contain_text("13912345678")
    shoot(page, "residents-linked")
    membership = Membership.objects.get(user=person)
    assert (membership.household_id, membership.is_owner, membership.ended_on) == (
        world.neighbour_household.pk,
        True,
        None,
    )

    # The person's dashboard is now a resident's.
    visit(phone_page, live_server.url + "/", "register-linked-dashboard-phone")
    expect(phone_page.locator("#dash-resident")).to_be_visible()
    expect(phone_page.locator("#next-step")).to_have_count(0)

    # They move out: staff end the residence (after confirming), and the row is empty again.
    page.once("dialog", lambda confirm: confirm.accept())
    resident.locator("[data-action=end-resident]").click()
    expect(row.locator(f"li[data-person-id='{person.pk}']")).to_have_count(0)
    shoot(page, "residents-ended")
    membership.refresh_from_db()
    assert membership.ended_on is not None
