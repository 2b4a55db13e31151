"""The renovation pages: who may open them, what they carry, that they keep the house's CSP rules;
and the `stats` API the staff dashboard's charts read in one call."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import translation
from rest_framework.test import APIClient

from estates.models import Estate, User
from renovations import services
from renovations.models import LedgerEntry, Project
from tests.conftest import World

from .conftest import Advance

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<[^>]+\sstyle=", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+=", re.IGNORECASE)


def client_as(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def api_client(user: User | None) -> APIClient:
    """An API client for the user, loaded afresh (no scope cached on the fixture's object)."""
    api = APIClient()
    if user is not None:
        api.force_authenticate(user=User.objects.get(pk=user.pk))
    return api


def assert_strict_page(response: Any) -> str:
    csp = response.headers.get("Content-Security-Policy", "")
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    html = response.content.decode()
    assert INLINE_SCRIPT.findall(html) == []
    assert INLINE_STYLE.findall(html) == []
    assert INLINE_HANDLER.findall(html) == []
    return html


def public_urls(project: Project) -> list[str]:
    return ["/projects/", f"/projects/{project.pk}/", f"/projects/{project.pk}/print/"]


def staff_urls(project: Project) -> list[str]:
    return ["/projects/new/", f"/projects/new/?estate={project.estate_id}", f"/projects/{project.pk}/edit/"]


# ---------------------------------------------------------------- who opens what


@pytest.mark.parametrize("persona", ["anonymous", "resident", "outsider", "committee", "staff"])
def test_everyone_opens_the_public_project_pages(lift: Project, persona: str, request: Any) -> None:
    client = client_as(None if persona == "anonymous" else request.getfixturevalue(persona))
    for url in public_urls(lift):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_strict_page(response)


@pytest.mark.parametrize("persona", ["staff", "street_admin", "superuser"])
def test_staff_and_admins_open_the_project_forms(lift: Project, persona: str, request: Any) -> None:
    client = client_as(request.getfixturevalue(persona))
    for url in staff_urls(lift):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_strict_page(response)


@pytest.mark.parametrize("path", ["/projects/new/", "/projects/new/?estate={estate}", "/projects/{pk}/edit/"])
def test_visitor_is_sent_to_login_from_the_project_forms(lift: Project, path: str) -> None:
    url = path.format(estate=lift.estate_id, pk=lift.pk)
    response = client_as(None).get(url)
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/?next=")


def test_outsider_gets_404_on_the_forms_of_another_communitys_project(lift: Project, outsider: User) -> None:
    client = client_as(outsider)
    assert client.get(f"/projects/{lift.pk}/edit/").status_code == 404
    assert client.get(f"/projects/new/?estate={lift.estate_id}").status_code == 404


def test_outsider_opens_the_form_for_their_own_estate(world: World, outsider: User) -> None:
    response = client_as(outsider).get(f"/projects/new/?estate={world.other_estate.pk}")
    assert response.status_code == 200
    assert f'data-estate-id="{world.other_estate.pk}"' in response.content.decode()


@pytest.mark.parametrize("persona", ["resident", "committee", "property_staff", "mediator"])
def test_people_who_are_not_staff_get_404_on_the_project_forms(lift: Project, persona: str, request: Any) -> None:
    client = client_as(request.getfixturevalue(persona))
    assert client.get("/projects/new/").status_code == 404
    assert client.get(f"/projects/new/?estate={lift.estate_id}").status_code == 404
    assert client.get(f"/projects/{lift.pk}/edit/").status_code == 404


@pytest.mark.parametrize("estate", ["abc", "999999", "-1"])
def test_new_project_form_for_an_unknown_estate_is_404(world: World, staff: User, estate: str) -> None:
    assert client_as(staff).get(f"/projects/new/?estate={estate}").status_code == 404


def test_unknown_project_pages_are_404(world: World, staff: User) -> None:
    for url in ("/projects/999999/", "/projects/999999/print/"):
        assert client_as(None).get(url).status_code == 404, url
    assert client_as(staff).get("/projects/999999/edit/").status_code == 404


# ---------------------------------------------------------------- what the pages carry


def test_new_project_form_without_an_estate_offers_the_estates_the_staff_manage(world: World, staff: User) -> None:
    html = client_as(staff).get("/projects/new/").content.decode()
    assert f'<option value="{world.estate.pk}"' in html
    assert f'<option value="{world.other_estate.pk}"' not in html
    assert 'src="/static/js/project-form.js"' in html


def test_edit_form_locks_what_the_owners_vote_on_once_the_vote_opened(
    lift: Project, road: Project, staff: User, advance: Advance
) -> None:
    advance(lift, Project.Status.CONSENT)
    locked = client_as(staff).get(f"/projects/{lift.pk}/edit/").content.decode()
    open_ = client_as(staff).get(f"/projects/{road.pk}/edit/").content.decode()
    assert "data-consent-locked" in locked
    assert re.search(r'<select id="project-consent-rule"[^>]*\bdisabled', locked)
    assert "data-consent-locked" not in open_
    assert not re.search(r'<select id="project-consent-rule"[^>]*\bdisabled', open_)


def test_project_page_names_the_project_and_loads_its_script(lift: Project) -> None:
    html = client_as(None).get(f"/projects/{lift.pk}/").content.decode()
    assert "<title>3号楼3单元加装电梯" in html
    assert f'data-project-id="{lift.pk}"' in html
    assert 'src="/static/js/project-detail.js"' in html
    assert f'href="/projects/{lift.pk}/print/"' in html
    # The steps of the stepper, in order, without "cancelled".
    steps = re.findall(r'data-step="(\w+)"', html)
    assert steps == ["proposed", "surveyed", "consent", "funding", "construction", "inspection", "in_service"]


def test_project_page_needs_one_query(lift: Project, django_assert_num_queries: Any) -> None:
    client = client_as(None)
    # the project with its estate
    with django_assert_num_queries(1):
        assert client.get(f"/projects/{lift.pk}/").status_code == 200


def test_project_list_page_offers_every_estate_and_filter(lift: Project, other_project: Project) -> None:
    html = client_as(None).get("/projects/").content.decode()
    for estate in Estate.objects.all():
        assert f'<option value="{estate.pk}">{estate.name}</option>' in html
    for name in ("search", "estate", "kind", "status", "year"):
        assert f'name="{name}"' in html
    assert 'href="/projects/new/"' not in html


def test_project_list_offers_a_new_project_only_to_staff(lift: Project, staff: User, resident: User) -> None:
    assert 'href="/projects/new/"' in client_as(staff).get("/projects/").content.decode()
    assert 'href="/projects/new/"' not in client_as(resident).get("/projects/").content.decode()


def test_print_sheet_has_an_inline_svg_qr_code_to_the_public_page(lift: Project, world: World) -> None:
    world.community.phone = "0353-2021234"
    world.community.save()
    response = client_as(None).get(f"/projects/{lift.pk}/print/")
    html = assert_strict_page(response)
    assert re.search(r'<svg viewBox="0 0 \d+ \d+" class="qr__code"><path ', html)
    assert f"http://testserver/projects/{lift.pk}/" in html
    assert "0353-2021234" in html
    assert "小阳泉北社区" in html
    assert 'href="/static/css/print.css"' in html
    assert 'src="/static/js/project-print.js"' in html
    assert 'id="print-button"' in html


def test_print_stylesheet_is_a4_black_on_white(settings: Any) -> None:
    css = (settings.BASE_DIR / "static" / "css" / "print.css").read_text()
    assert re.search(r"@page\s*{[^}]*size:\s*A4", css)
    assert re.search(r"@media print\s*{[^@]*\.no-print[^{]*{\s*display:\s*none", css)


def test_menu_links_to_the_projects_and_marks_the_current_page(lift: Project) -> None:
    html = client_as(None).get("/projects/").content.decode()
    assert re.search(r'<a href="/projects/" aria-current="page">', html)
    assert not re.search(r'<a href="/projects/" aria-current="page">', client_as(None).get("/").content.decode())


def test_estate_page_has_projects_and_money_sections(world: World, lift: Project) -> None:
    html = client_as(None).get(f"/estates/{world.estate.pk}/").content.decode()
    assert 'id="estate-projects"' in html
    assert 'id="estate-money"' in html
    assert f'href="/projects/?estate={world.estate.pk}"' in html


def test_dashboard_charts_only_for_staff_and_admins(
    world: World, staff: User, street_admin: User, resident: User, committee: User
) -> None:
    for user in (staff, street_admin):
        html = client_as(user).get("/").content.decode()
        assert 'id="project-charts"' in html
        assert 'src="/static/vendor/echarts/6.1.0/echarts.min.js" defer' in html
        # ECharts (a classic deferred script) comes before the page's module.
        assert html.index("echarts.min.js") < html.index("js/home.js")
    for user in (resident, committee):
        html = client_as(user).get("/").content.decode()
        assert 'id="project-charts"' not in html
        assert "echarts.min.js" not in html


# ---------------------------------------------------------------- the dashboard's stats


@pytest.fixture
def money(lift: Project, road: Project, staff: User) -> None:
    """Receipts and an expense over the two projects of 蕴园小区, one receipt reversed."""
    receipt = services.record_ledger_entry(
        lift,
        by=staff,
        kind="receipt",
        source="government_subsidy",
        amount=Decimal("60000.00"),
        occurred_on=date(2021, 2, 1),
    )
    services.record_ledger_entry(
        road, by=staff, kind="pledge", source="residents", amount=Decimal("12000.50"), occurred_on=date(2023, 2, 1)
    )
    services.record_ledger_entry(
        road, by=staff, kind="receipt", source="residents", amount=Decimal("10000.25"), occurred_on=date(2023, 3, 1)
    )
    services.record_ledger_entry(
        road, by=staff, kind="expense", amount=Decimal("4000.00"), occurred_on=date(2023, 4, 1), payer_or_payee="施工队"
    )
    services.reverse_ledger_entry(receipt, by=staff, note="录入错误")
    services.record_ledger_entry(
        lift,
        by=staff,
        kind="receipt",
        source="government_subsidy",
        amount=Decimal("50000.00"),
        occurred_on=date(2021, 2, 2),
    )


def test_stats_whole_body_for_an_estate(
    world: World, lift: Project, road: Project, other_project: Project, money: None
) -> None:
    Project.objects.filter(pk=road.pk).update(status=Project.Status.CONSTRUCTION)
    body = api_client(None).get("/api/v1/projects/stats/", {"estate": world.estate.pk}).json()
    with translation.override("zh-hans"):
        counts = {"proposed": 1, "construction": 1}
        by_status = [
            {"status": value, "status_display": str(label), "count": counts.get(value, 0)}
            for value, label in Project.Status.choices
        ]
        by_kind = [
            {"kind": "lift", "kind_display": str(Project.Kind.LIFT.label), "count": 1},
            {"kind": "road", "kind_display": str(Project.Kind.ROAD.label), "count": 1},
        ]
        by_source = [
            {"source": value, "source_display": str(label), "pledged": "0.00", "received": "0.00"}
            for value, label in LedgerEntry.Source.choices
        ]
    by_source[0]["received"] = "50000.00"  # government subsidy: 60000 reversed, then 50000
    by_source[1].update(pledged="12000.50", received="10000.25")  # residents
    assert body == {
        "project_count": 2,
        "by_status": by_status,
        "by_kind": by_kind,
        "money": {
            "pledged": "12000.50",
            "received": "60000.25",
            "spent": "4000.00",
            "balance": "56000.25",
            "by_source": by_source,
            "project_count": 2,
            "budget": "150000.00",
        },
    }


def test_stats_labels_follow_the_language(lift: Project) -> None:
    body = api_client(None).get("/api/v1/projects/stats/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert {"kind": "lift", "kind_display": "Lift", "count": 1} in body["by_kind"]
    assert body["by_status"][0] == {"status": "proposed", "status_display": "Proposed", "count": 1}


def test_managed_stats_count_only_the_users_own_projects(
    lift: Project, road: Project, other_project: Project, staff: User, outsider: User, resident: User
) -> None:
    assert api_client(staff).get("/api/v1/projects/stats/", {"managed": "true"}).json()["project_count"] == 2
    assert api_client(outsider).get("/api/v1/projects/stats/", {"managed": "true"}).json()["project_count"] == 1
    assert api_client(resident).get("/api/v1/projects/stats/", {"managed": "true"}).json()["project_count"] == 0
    assert api_client(None).get("/api/v1/projects/stats/", {"managed": "true"}).json()["project_count"] == 0
    assert api_client(None).get("/api/v1/projects/stats/").json()["project_count"] == 3


def test_stats_of_a_community_leave_out_other_communities(
    world: World, lift: Project, other_project: Project, street_admin: User
) -> None:
    body = api_client(street_admin).get("/api/v1/projects/stats/", {"community": world.other_community.pk}).json()
    assert body["project_count"] == 1
    assert body["by_kind"] == [{"kind": "parking", "kind_display": body["by_kind"][0]["kind_display"], "count": 1}]


def test_stats_refuse_a_bad_filter_with_400(world: World) -> None:
    response = api_client(None).get("/api/v1/projects/stats/", {"status": "finished"})
    assert response.status_code == 400
    assert "status" in response.json()


def grow(world: World, staff: User, rows: int) -> None:
    for number in range(rows):
        project = services.create_project(
            world.estate, by=staff, kind=["lift", "road", "parking"][number % 3], title=f"项目{number}", budget="10.00"
        )
        services.record_ledger_entry(
            project, by=staff, kind="receipt", source="shops", amount=Decimal("1.00"), occurred_on=date(2023, 1, 1)
        )


@pytest.mark.parametrize("rows", [1, 6])
def test_stats_query_budget(world: World, staff: User, rows: int, django_assert_num_queries: Any) -> None:
    grow(world, staff, rows)
    # counts and budgets grouped by status and kind; money by kind and source
    with django_assert_num_queries(2):
        assert api_client(None).get("/api/v1/projects/stats/", {"estate": world.estate.pk}).status_code == 200
    api = api_client(staff)
    # + the staff member's scope (memberships, estates), once per request
    with django_assert_num_queries(4):
        assert api.get("/api/v1/projects/stats/", {"managed": "true"}).status_code == 200
