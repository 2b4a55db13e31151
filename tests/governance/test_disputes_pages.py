"""The dispute pages (纠纷): who may open each, what each offers, and the house's CSP rules.
The data comes from the API (tested in test_disputes_api.py); here: the server's part."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from estates.models import User
from governance import services
from governance.models import Dispute
from tests.conftest import World
from tests.estates.test_pages import assert_strict_page
from tests.governance.conftest import fresh

PERSONAS = ["resident", "neighbour", "staff", "outsider", "committee", "property_staff", "mediator", "street_admin"]
# Who may raise a dispute (the page is 404 for the rest).
RAISES = {"resident", "neighbour", "staff", "outsider", "mediator", "street_admin"}


def client_as(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def dispute(world: World, resident: User) -> Dispute:
    return services.raise_dispute(
        world.estate,
        by=fresh(resident),
        kind="leak",
        title="楼上漏水",
        description="卫生间天花板渗水",
        parties=[
            {"household": world.household, "side": "applicant"},
            {"household": world.neighbour_household, "side": "respondent"},
        ],
    )


@pytest.mark.parametrize("path", ["/disputes/", "/disputes/new/", "/disputes/1/"])
def test_visitor_is_sent_to_sign_in(world: World, path: str) -> None:
    response = client_as(None).get(path)
    assert response.status_code == 302
    assert response.url == f"/accounts/login/?next={path}"


@pytest.mark.parametrize("name", PERSONAS)
def test_the_list_opens_for_everyone_signed_in(request: Any, name: str) -> None:
    response = client_as(request.getfixturevalue(name)).get("/disputes/")
    assert response.status_code == 200
    assert_strict_page(response)


@pytest.mark.parametrize("name", PERSONAS)
def test_the_form_opens_for_those_who_may_raise_a_dispute(request: Any, name: str) -> None:
    response = client_as(request.getfixturevalue(name)).get("/disputes/new/")
    if name in RAISES:
        assert response.status_code == 200, name
        assert_strict_page(response)
    else:
        assert response.status_code == 404, name


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("resident", 200),
        ("neighbour", 200),
        ("mediator", 200),
        ("staff", 200),
        ("street_admin", 200),
        ("committee", 404),
        ("property_staff", 404),
        ("outsider", 404),
    ],
)
def test_the_dispute_page_opens_only_for_parties_mediators_and_staff(
    request: Any, dispute: Dispute, name: str, code: int
) -> None:
    response = client_as(request.getfixturevalue(name)).get(f"/disputes/{dispute.pk}/")
    assert response.status_code == code
    if code == 200:
        assert_strict_page(response)
        html = response.content.decode()
        assert f'data-dispute-id="{dispute.pk}"' in html
        # Every action the API may offer has its form on the page.
        for action in ("take-on", "sessions", "settle", "hear", "add-party", "assign-mediators"):
            assert f'id="action-{action}"' in html


def test_a_neighbour_who_is_not_a_party_gets_404(world: World, resident: User, neighbour: User) -> None:
    own = services.raise_dispute(
        world.estate,
        by=fresh(resident),
        kind="noise",
        title="噪音",
        description="太吵",
        parties=[{"household": world.household, "side": "applicant"}],
    )
    assert client_as(neighbour).get(f"/disputes/{own.pk}/").status_code == 404


def test_the_form_offers_a_resident_their_home_and_staff_their_estates(
    world: World, resident: User, staff: User, mediator: User
) -> None:
    html = client_as(resident).get("/disputes/new/").content.decode()
    assert f'name="own_household" value="{world.household.pk}"' in html
    assert "data-others" not in html
    html = client_as(staff).get("/disputes/new/").content.decode()
    assert "data-own" not in html
    assert f'<option value="{world.estate.pk}">蕴园小区</option>' in html
    assert "体委小区" not in html
    html = client_as(mediator).get("/disputes/new/").content.decode()
    assert f'<option value="{world.estate.pk}">蕴园小区</option>' in html


def test_the_list_offers_filters_to_mediators_and_staff_only(world: World, resident: User, mediator: User) -> None:
    assert "data-filters" not in client_as(resident).get("/disputes/").content.decode()
    html = client_as(mediator).get("/disputes/").content.decode()
    assert "data-filters" in html
    assert f'<option value="{world.estate.pk}">蕴园小区</option>' in html


def test_nav_links_to_disputes_for_signed_in_users_only(world: World, resident: User) -> None:
    assert 'href="/disputes/"' not in client_as(None).get("/").content.decode()
    assert 'href="/disputes/"' in client_as(resident).get("/").content.decode()


def test_pages_answer_in_a_few_queries(dispute: Dispute, mediator: User, django_assert_max_num_queries: Any) -> None:
    client = client_as(mediator)
    client.get("/disputes/")  # the session and the user are warm from here on
    for path in ("/disputes/", "/disputes/new/", f"/disputes/{dispute.pk}/"):
        with django_assert_max_num_queries(10):
            assert client.get(path).status_code == 200
