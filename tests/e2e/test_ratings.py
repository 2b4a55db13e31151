"""Service ratings (物业服务评定) in a real browser: staff open this month's round; the committee
member scores it on a phone with big stars and changes a score; staff close it and publish the
grade; the estate's public page shows it with its trend. A street admin sees the companies of
the street ranked, on the dashboard and on the ranking page with a company's trend chart."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from estates.models import User
from governance import services
from governance.models import RatingRound, RatingSheet
from tests.conftest import World
from tests.e2e.conftest import shoot, visit
from tests.e2e.test_requests import fits_the_phone
from tests.governance import test_ratings_services as shared

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

criteria = shared.criteria


def earlier_month(today: date, months: int) -> date:
    year, month = today.year, today.month - months
    while month < 1:
        year, month = year - 1, month + 12
    return date(year, month, 1)


def published(world: World, month: date, score: str) -> RatingRound:
    value = Decimal(score)
    start, end = services.period_of("month", month)
    return RatingRound.objects.create(
        estate=world.estate,
        company=world.property_org,
        period_start=start,
        period_end=end,
        closes_on=end,
        status="published",
        member_count=1,
        scorer_count=1,
        committee_score=value,
        score=value,
        grade=RatingRound.grade_for(value),
        closed_at=timezone.now(),
        published_at=timezone.now(),
    )


def tap_stars(form: Any, code: str, stars: int) -> None:
    form.locator(f"fieldset[data-code={code}] label.req-star", has=form.page.locator(f"input[value='{stars}']")).click()


def test_member_scores_on_a_phone_staff_close_and_publish_and_the_estate_page_shows_the_grade(
    phone_page: Page,
    page: Page,
    live_server: Any,
    world: World,
    staff: User,
    committee: User,
    criteria: Any,
    signed_in: Any,
) -> None:
    published(world, earlier_month(timezone.localdate(), 1), "84.50")

    # Staff open this month's round at their desk (the month is filled in for them).
    signed_in(page, staff)
    visit(page, f"{live_server.url}/ratings/manage/", "ratings-manage")
    page.locator("[data-open-form] button[type=submit]").click()
    expect(page.locator("[data-open-form] [data-form-status]")).not_to_be_empty()
    current = RatingRound.objects.get(status="open")
    card = page.locator(f".rating-round[data-round-id='{current.pk}']")
    expect(card.locator(".rating-status--open")).to_be_visible()
    expect(card.locator("[data-quorum]")).to_contain_text("0")

    # The committee member scores on a phone: six rows of big stars.
    phone = phone_page
    signed_in(phone, committee)
    visit(phone, f"{live_server.url}/ratings/", "ratings-score-phone")
    fits_the_phone(phone)
    form = phone.locator(f"form[data-round-id='{current.pk}']")
    expect(form.locator("fieldset.rating-criterion")).to_have_count(6)
    expect(form.locator("fieldset[data-code=cleaning] legend")).to_have_text("保洁")
    # Sent with a row left out: the page asks for it and nothing is stored.
    for code in ("cleaning", "order_security", "repair", "responsiveness", "attitude"):
        tap_stars(form, code, 5)
    form.locator("[data-submit]").click()
    expect(form.locator("[data-form-error]")).to_contain_text("绿化")
    assert not RatingSheet.objects.exists()
    tap_stars(form, "greening", 4)
    expect(form.locator("fieldset[data-code=greening] [data-words]")).to_contain_text("80")
    form.locator("[name=comment]").fill("保洁及时，绿化还可以更好")
    shoot(phone, "ratings-score-phone-filled")
    form.locator("[data-submit]").click()
    expect(form.locator("[data-form-status]")).not_to_be_empty()
    expect(form.locator("[data-saved-note]")).to_be_visible()
    sheet = RatingSheet.objects.get()
    assert dict(sheet.scores.values_list("criterion__code", "score")) == {
        "cleaning": 100,
        "order_security": 100,
        "repair": 100,
        "greening": 80,
        "responsiveness": 100,
        "attitude": 100,
    }

    # Back later: the saved sheet is shown, and one score is changed (the same sheet).
    visit(phone, f"{live_server.url}/ratings/", "ratings-score-phone-saved")
    form = phone.locator(f"form[data-round-id='{current.pk}']")
    expect(form.locator("fieldset[data-code=greening] input[value='4']")).to_be_checked()
    expect(form.locator("[name=comment]")).to_have_value("保洁及时，绿化还可以更好")
    tap_stars(form, "attitude", 3)
    form.locator("[data-submit]").click()
    expect(form.locator("[data-form-status]")).not_to_be_empty()
    shoot(phone, "ratings-score-phone-changed")
    fits_the_phone(phone)
    assert RatingSheet.objects.count() == 1
    assert RatingSheet.objects.get().scores.get(criterion__code="attitude").score == 60

    # Staff close the round (the grade is computed) and publish it.
    visit(page, f"{live_server.url}/ratings/manage/", "ratings-manage-scored")
    card = page.locator(f".rating-round[data-round-id='{current.pk}']")
    card.locator("[data-action=close]").click()
    card = page.locator(f".rating-round[data-round-id='{current.pk}']")
    expect(card.locator(".rating-status--closed")).to_be_visible()
    expect(card.locator("[data-grade]")).to_contain_text("92.00")
    card.locator("[data-sheets] summary").click()
    expect(card.locator("[data-sheets-body] tr")).to_have_count(1)
    shoot(page, "ratings-manage-closed")
    card.locator("[data-action=publish]").click()
    card = page.locator(f".rating-round[data-round-id='{current.pk}']")
    expect(card.locator(".rating-status--published")).to_be_visible()
    assert RatingRound.objects.get(pk=current.pk).status == "published"

    # The phone no longer has a round to score.
    visit(phone, f"{live_server.url}/ratings/", "ratings-score-phone-none")
    expect(phone.locator("#rating-score [data-state=empty]")).to_be_visible()

    # The public estate page: the latest grade, and the trend of the two published months.
    page.context.clear_cookies()  # signed out: the public's view
    visit(page, f"{live_server.url}/estates/{world.estate.pk}/", "estate-grade")
    section = page.locator("#estate-grade")
    expect(section.locator(".rating-grade--excellent")).to_contain_text("优秀")
    expect(section.locator("[data-grade-field=score]")).to_contain_text("92.00")
    expect(section.locator("#estate-grade-chart svg")).to_have_count(1)
    expect(section.locator("details[data-chart-table] tbody tr")).to_have_count(2)


def test_street_admin_sees_the_companies_ranked_and_a_companys_trend(
    page: Page, live_server: Any, world: World, street_admin: User, criteria: Any, signed_in: Any
) -> None:
    today = timezone.localdate()
    published(world, earlier_month(today, 2), "78.00")
    published(world, earlier_month(today, 1), "86.50")
    signed_in(page, street_admin)
    visit(page, f"{live_server.url}/", "dashboard-ranking")
    ranking = page.locator("#rating-ranking")
    expect(ranking.locator("[data-area-name]")).to_have_text("上站街道")
    expect(ranking.locator("tbody tr")).to_have_count(1)
    expect(ranking.locator("tbody tr")).to_contain_text("蕴和物业")
    expect(ranking.locator("tbody tr")).to_contain_text("86.50")

    ranking.locator("[data-ranking-link]").click()
    page.wait_for_url(re.compile(r"/ratings/companies/\?area=street-\d+$"))
    visit(page, page.url, "ratings-companies")
    row = page.locator(f"#ranking tr[data-company-id='{world.property_org.pk}']")
    expect(row).to_contain_text("良好")
    row.locator("button").click()
    trend = page.locator("#company-trend")
    expect(trend.locator("#company-trend-chart svg")).to_have_count(1)
    expect(trend.locator("details[data-chart-table] tbody tr")).to_have_count(2)
    shoot(page, "ratings-companies-trend")
