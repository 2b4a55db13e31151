"""The dashboard at / in a real browser: each role sees its sections filled from the API, the
admins' comparison tables sort by a click or a key, and the first view needs at most three API
calls in a row (calls made side by side count once).

Each test writes the API calls of the first view, with the depth of each in the chain, to
test-artifacts/dashboard-api-calls/<persona>.json.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from itertools import count
from typing import Any
from urllib.parse import urlparse

import pytest
from django.utils import timezone
from playwright.sync_api import Page, Request, Response, expect

from estates.models import Community, Estate, Organisation, User
from governance import services
from governance.models import RatingRound, RequestCategory, ResidentRequest
from renovations import services as renovations
from renovations.models import Project
from tests.conftest import World
from tests.e2e.conftest import SCREENSHOTS, settle, shoot, visit
from tests.site_pages import next_and_held_meetings

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CALLS = SCREENSHOTS.parent / "dashboard-api-calls"
MAX_CHAIN = 3


# ---------------------------------------------------------------- the API calls of a first view


class ApiCalls:
    """The /api/ requests of a page, in the order the browser sent them, each with the moment
    (an event counter) it was sent and its answer came. A call sent after another's answer came
    may depend on it; the chain's length is the longest run of such calls (an upper bound: a call
    that merely started late counts as waiting)."""

    def __init__(self, page: Page) -> None:
        self.clock = count()
        self.calls: dict[Request, dict[str, Any]] = {}
        page.on("request", self._sent)
        page.on("response", self._answered)

    def _sent(self, request: Request) -> None:
        url = urlparse(request.url)
        if url.path.startswith("/api/"):
            query = f"?{url.query}" if url.query else ""
            self.calls[request] = {"path": url.path + query, "sent": next(self.clock), "answered": None}

    def _answered(self, response: Response) -> None:
        call = self.calls.get(response.request)
        if call is not None:
            call["answered"] = next(self.clock)

    def chain(self, persona: str) -> int:
        calls = sorted(self.calls.values(), key=lambda call: call["sent"])
        for call in calls:
            before = [c["depth"] for c in calls if c["answered"] is not None and c["answered"] < call["sent"]]
            call["depth"] = 1 + max(before, default=0)
        CALLS.mkdir(parents=True, exist_ok=True)
        rows = [{"path": call["path"], "depth": call["depth"]} for call in calls]
        (CALLS / f"{persona}.json").write_text(json.dumps(rows, ensure_ascii=False, indent=2))
        return max((call["depth"] for call in calls), default=0)


def first_view(page: Page, base_url: str, persona: str) -> ApiCalls:
    """Open / afresh (after the sign-in's own visit has settled) and record its API calls."""
    settle(page)
    calls = ApiCalls(page)
    visit(page, base_url + "/", f"dashboard-{persona}")
    assert calls.calls, "the page made no API call"
    depth = calls.chain(persona)
    assert depth <= MAX_CHAIN, [(c["path"], c["depth"]) for c in calls.calls.values()]
    return calls


# ---------------------------------------------------------------- the scene


@pytest.fixture
def plumbing(db: Any) -> RequestCategory:
    category, _created = RequestCategory.objects.get_or_create(
        code="plumbing",
        defaults={"name_zh": "上下水与排污", "name_en": "Plumbing and sewage", "take_within": 24, "resolve_within": 48},
    )
    return category


def published(estate: Estate, company: Organisation | None, months_ago: int, score: str) -> RatingRound:
    today = timezone.localdate()
    index = today.year * 12 + today.month - 1 - months_ago
    start = date(index // 12, index % 12 + 1, 1)
    end = (start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    value = Decimal(score)
    return RatingRound.objects.create(
        estate=estate,
        company=company,
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


@pytest.fixture
def scene(
    world: World,
    plumbing: RequestCategory,
    resident: User,
    staff: User,
    property_staff: User,
    committee: User,
    street_admin: User,
) -> dict[str, Any]:
    """In 蕴园小区: an overdue request, one quoted for the committee, one waiting; a meeting in two
    days and one with published minutes; grades for the last two months and this month's round
    open; the lift under construction at 40 %. On the same street, 桃北社区 with 桃园小区 and its
    company 桃园物业, with nothing open."""

    def file(description: str) -> ResidentRequest:
        return services.file_request(
            world.estate,
            by=resident,
            category=plumbing,
            place_kind="household",
            household=world.household,
            description=description,
        )

    overdue = services.accept_request(file("厨房下水道堵了"), by=property_staff)
    ResidentRequest.objects.filter(pk=overdue.pk).update(due_at=timezone.now() - timedelta(days=1))
    quoted = services.accept_request(file("楼道水管漏水"), by=property_staff)
    quoted = services.quote_request(quoted, by=property_staff, amount="350.00", note="更换管道")
    waiting = file("单元门禁坏了")

    meeting, held = next_and_held_meetings(world, staff)

    published(world.estate, world.property_org, 2, "86.50")
    published(world.estate, world.property_org, 1, "92.00")
    today = timezone.localdate()
    open_round = services.open_rating_round(world.estate, by=staff, period_start=today.replace(day=1))

    lift = renovations.create_project(world.estate, by=staff, kind="lift", title="3号楼3单元加装电梯")
    Project.objects.filter(pk=lift.pk).update(status="construction", progress=40)

    quiet = Community.objects.create(street=world.street, name="桃北社区")
    quiet_estate = Estate.objects.create(community=quiet, name="桃园小区", management_mode="property_company")
    quiet_company = Organisation.objects.create(kind="property_company", name="桃园物业", community=quiet)
    quiet_company.estates.add(quiet_estate)
    return {
        "overdue": overdue,
        "quoted": quoted,
        "waiting": waiting,
        "meeting": meeting,
        "held": held,
        "round": open_round,
        "lift": lift,
    }


# ---------------------------------------------------------------- each role


def test_staff_sees_requests_meetings_grades_and_project_charts(
    page: Page, live_server: Any, scene: dict[str, Any], staff: User, signed_in: Any
) -> None:
    signed_in(page, staff)
    first_view(page, live_server.url, "staff")
    section = page.locator("#dash-staff")
    requests = section.locator("#staff-requests")
    expect(requests.locator("[data-figure=open_count]")).to_have_text("3")
    expect(requests.locator("[data-figure=overdue_count]")).to_have_text("1")
    overdue = requests.locator(f"[data-request-id='{scene['overdue'].pk}'] a")
    expect(overdue).to_have_attribute("href", f"/requests/{scene['overdue'].pk}/")
    expect(requests.locator(".req-badge--late")).to_have_count(1)
    meeting = section.locator(f"#staff-meetings [data-meeting-id='{scene['meeting'].pk}'] a")
    expect(meeting).to_have_text("下月联席会议")
    expect(meeting).to_have_attribute("href", f"/meetings/{scene['meeting'].pk}/")
    grades = section.locator("#staff-grades")
    expect(grades.locator(".chart svg")).to_have_count(1)
    grades.locator("details[data-chart-table] summary").click()
    table = grades.locator("details[data-chart-table] table")
    expect(table.locator("tbody tr")).to_have_count(2)
    expect(table).to_contain_text("92")
    expect(page.locator("#project-charts #chart-status svg")).to_be_visible()
    expect(page.locator("#dash-property, #dash-committee, #dash-resident, #dash-area")).to_have_count(0)
    shoot(page, "dashboard-staff-grades-table")


def test_property_staff_sees_the_queue_late_first(
    page: Page, live_server: Any, scene: dict[str, Any], property_staff: User, signed_in: Any
) -> None:
    signed_in(page, property_staff)
    first_view(page, live_server.url, "property")
    section = page.locator("#dash-property")
    expect(section.locator("[data-companies]")).to_have_text("蕴和物业")
    items = section.locator("#property-queue [data-list] > li")
    expect(items).to_have_count(3)
    expect(items.first).to_have_attribute("data-request-id", str(scene["overdue"].pk))
    expect(items.first.locator(".req-badge--late")).to_be_visible()
    expect(items.first.locator("a")).to_have_attribute("href", f"/requests/{scene['overdue'].pk}/")
    counts = section.locator("[data-counts]")
    expect(counts.locator("div")).to_have_count(5)
    expect(counts.locator(".dash-count--late dd")).to_have_text("1")
    expect(section.locator("a[href='/requests/queue/']")).to_be_visible()
    assert "echarts" not in page.content()


def test_committee_member_sees_payments_and_ratings_to_give(
    page: Page, live_server: Any, scene: dict[str, Any], committee: User, signed_in: Any
) -> None:
    signed_in(page, committee)
    first_view(page, live_server.url, "committee")
    payments = page.locator("#committee-payments")
    item = payments.locator(f"[data-request-id='{scene['quoted'].pk}']")
    expect(item.locator(".dash-item__amount")).to_have_text("¥350.00")
    expect(item.locator("a")).to_have_attribute("href", f"/requests/approvals/?estate={scene['quoted'].estate_id}")
    expect(payments.locator("[data-summary]")).to_contain_text("¥350.00")
    ratings = page.locator("#committee-ratings")
    expect(ratings.locator(f"[data-round-id='{scene['round'].pk}'] a")).to_have_attribute("href", "/ratings/")
    expect(ratings).to_contain_text("蕴和物业")


def test_resident_sees_their_requests_notices_and_project_progress(
    phone_page: Page, live_server: Any, scene: dict[str, Any], resident: User, signed_in: Any
) -> None:
    page = phone_page
    signed_in(page, resident)
    first_view(page, live_server.url, "resident")
    requests = page.locator("#resident-requests")
    expect(requests.locator("[data-list] > li")).to_have_count(3)
    expect(requests.locator("[data-list] > li").first).to_have_attribute("data-request-id", str(scene["waiting"].pk))
    expect(requests.locator("[data-all]")).to_contain_text("3")
    project = page.locator(f"#resident-projects [data-project-id='{scene['lift'].pk}']")
    expect(project.locator("progress")).to_have_attribute("value", "40")
    expect(project.locator(".progress__value")).to_have_text("40%")
    expect(page.locator("#resident-projects [data-all-projects]")).to_have_attribute(
        "href", f"/projects/?estate={scene['lift'].estate_id}"
    )
    expect(page.locator("#my-notices [data-state=empty]")).to_be_visible()
    expect(page.locator("#my-estates .estate-card")).to_have_count(1)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_street_admin_compares_and_sorts_by_click_and_by_keyboard(
    page: Page, live_server: Any, scene: dict[str, Any], street_admin: User, signed_in: Any
) -> None:
    signed_in(page, street_admin)
    first_view(page, live_server.url, "street-admin")
    block = page.locator("#area-communities")
    expect(block.locator(".chart svg")).to_have_count(1)
    expect(block.locator("details[data-chart-table]")).to_be_attached()
    table = block.locator("table[data-sortable]")
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(2)
    headings = table.locator("thead th")
    expect(headings.nth(0)).to_have_attribute("aria-sort", "ascending")

    # A click on "open requests" sorts by it, fewest first; a second click, most first.
    open_button = headings.nth(2).get_by_role("button")
    open_button.click()
    expect(headings.nth(2)).to_have_attribute("aria-sort", "ascending")
    expect(headings.nth(0)).not_to_have_attribute("aria-sort", "ascending")
    expect(rows.first.locator("th")).to_have_text("桃北社区")
    open_button.click()
    expect(headings.nth(2)).to_have_attribute("aria-sort", "descending")
    expect(rows.first.locator("th")).to_have_text("小阳泉北社区")
    expect(rows.first.locator("td").nth(1)).to_have_text("3")
    shoot(page, "dashboard-street-admin-sorted")

    # The keyboard does the same: Tab reaches the heading's button, Enter and Space press it.
    grade_button = headings.nth(5).get_by_role("button")
    open_button.focus()
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(grade_button).to_be_focused()
    page.keyboard.press("Enter")
    expect(headings.nth(5)).to_have_attribute("aria-sort", "ascending")
    expect(headings.nth(2)).not_to_have_attribute("aria-sort", "descending")
    # Without a grade, 桃北社区 stays last in both orders.
    expect(rows.last.locator("th")).to_have_text("桃北社区")
    page.keyboard.press("Space")
    expect(headings.nth(5)).to_have_attribute("aria-sort", "descending")
    expect(rows.first.locator("th")).to_have_text("小阳泉北社区")
    expect(rows.last.locator("th")).to_have_text("桃北社区")

    companies = page.locator("#area-companies table[data-sortable] tbody tr")
    expect(companies).to_have_count(2)
    expect(page.locator("#area-companies")).to_contain_text("优秀")
    expect(page.locator("#rating-ranking tbody tr")).to_have_count(1)


def test_visitor_sees_the_public_overview_filled(page: Page, live_server: Any, scene: dict[str, Any]) -> None:
    calls = first_view(page, live_server.url, "visitor")
    assert all(call["path"].split("?")[0] != "/api/v1/dashboard/" for call in calls.calls.values())
    figures = page.locator("#public-figures")
    expect(figures.locator("[data-figure=estates]")).to_have_text("3")
    expect(figures.locator("[data-figure=in_service]")).to_have_text("0")
    expect(figures.locator("[data-figure=balance]")).to_have_text("¥0.00")
    minutes = page.locator(f"#public-minutes [data-meeting-id='{scene['held'].pk}'] a")
    expect(minutes).to_have_text("停车位议事会")
    expect(minutes).to_have_attribute("href", f"/meetings/{scene['held'].pk}/minutes/")
    grades = page.locator("#public-grades [data-list] > li")
    expect(grades).to_have_count(2)
    expect(grades.first).to_contain_text("92.00")
    expect(grades.first.locator(".rating-grade--excellent")).to_be_visible()
    expect(page.locator("#public-estates .estate-card")).to_have_count(3)
