"""The rating pages (物业服务评定): who may open each, where the others are sent, and that they keep
the house's CSP rules. The pages draw their data from the API (tested in test_ratings_api.py)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from estates.models import User
from tests.conftest import World
from tests.estates.test_pages import assert_strict_page

PERSONAS = [
    "anonymous",
    "resident",
    "committee",
    "property_staff",
    "mediator",
    "staff",
    "outsider",
    "street_admin",
    "superuser",
]


def client_as(request: Any, name: str) -> Client:
    client = Client()
    if name == "anonymous":
        request.getfixturevalue("world")
    else:
        client.force_login(request.getfixturevalue(name))
    return client


# Where /ratings/ takes each persona: the scoring page itself (200) or another rating page.
HOME = {
    "committee": None,
    "staff": "/ratings/manage/",
    "outsider": "/ratings/manage/",
    "street_admin": "/ratings/manage/",
    "superuser": "/ratings/manage/",
    "anonymous": "/ratings/companies/",
    "resident": "/ratings/companies/",
    "property_staff": "/ratings/companies/",
    "mediator": "/ratings/companies/",
}


@pytest.mark.parametrize("name", PERSONAS)
def test_the_rating_home_scores_for_committee_members_and_sends_the_others_on(request: Any, name: str) -> None:
    response = client_as(request, name).get("/ratings/")
    if HOME[name] is None:
        assert response.status_code == 200
        assert_strict_page(response)
        assert "governance/ratings_score.html" in [t.name for t in response.templates]
    else:
        assert response.status_code == 302
        assert response.url == HOME[name]


def test_the_scoring_page_is_made_for_a_phone(request: Any) -> None:
    html = client_as(request, "committee").get("/ratings/").content.decode()
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in html
    assert 'id="criterion-row"' in html
    assert html.count('class="req-star"') == 5
    assert "js/ratings-score.js" in html


MANAGERS = {"staff", "outsider", "street_admin", "superuser"}


@pytest.mark.parametrize("name", PERSONAS)
def test_only_staff_open_the_page_to_run_rounds(request: Any, name: str) -> None:
    response = client_as(request, name).get("/ratings/manage/")
    if name == "anonymous":
        assert response.status_code == 302
        assert response.url == "/accounts/login/?next=/ratings/manage/"
    elif name in MANAGERS:
        assert response.status_code == 200
        assert_strict_page(response)
    else:
        assert response.status_code == 404


def test_staff_run_the_rounds_of_their_own_estates(world: World, staff: User, outsider: User) -> None:
    client = Client()
    client.force_login(staff)
    html = client.get("/ratings/manage/").content.decode()
    assert f'<option value="{world.estate.pk}">蕴园小区</option>' in html
    assert "体委小区" not in html


@pytest.mark.parametrize("name", PERSONAS)
def test_the_companies_page_is_public(request: Any, name: str) -> None:
    response = client_as(request, name).get("/ratings/companies/")
    assert response.status_code == 200
    assert_strict_page(response)
    assert "vendor/echarts/6.1.0/echarts.min.js" in response.content.decode()


@pytest.mark.parametrize(
    ("name", "area"),
    [("street_admin", "street"), ("staff", "community"), ("committee", ""), ("anonymous", "")],
)
def test_the_companies_page_starts_with_the_users_own_area(request: Any, world: World, name: str, area: str) -> None:
    html = client_as(request, name).get("/ratings/companies/").content.decode()
    expected = {"street": f"street-{world.street.pk}", "community": f"community-{world.community.pk}", "": ""}[area]
    assert f'data-default-area="{expected}"' in html
    assert f'<option value="district-{world.district.pk}">城区</option>' in html


def test_the_estate_page_has_a_place_for_the_grade_and_its_trend(world: World) -> None:
    response = Client().get(f"/estates/{world.estate.pk}/")
    html = response.content.decode()
    assert_strict_page(response)
    assert 'id="estate-grade"' in html
    assert 'id="estate-grade-chart"' in html
    assert html.index("vendor/echarts/6.1.0/echarts.min.js") < html.index("js/estate-detail.js")


def test_the_dashboard_has_a_place_for_the_ranking(street_admin: User) -> None:
    client = Client()
    client.force_login(street_admin)
    response = client.get("/")
    assert_strict_page(response)
    assert 'id="rating-ranking"' in response.content.decode()


def test_the_main_menu_links_to_the_ratings(world: World) -> None:
    html = Client().get("/ratings/companies/").content.decode()
    assert 'href="/ratings/" aria-current="page"' in html
