"""The request pages (点单): who may open each, and that they keep the house's CSP rules.

The pages draw their data from the API (tested in test_api.py); here: the server's part.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from estates.models import User
from governance.models import ResidentRequest
from tests.conftest import World
from tests.estates.test_pages import assert_strict_page

PAGES = ["/requests/", "/requests/new/", "/requests/queue/", "/requests/approvals/", "/requests/overview/"]

# Who may open which page (everyone else signed in gets 404; the public is sent to sign in).
ALLOWED = {
    "/requests/": {
        "resident",
        "neighbour",
        "staff",
        "outsider",
        "committee",
        "property_staff",
        "mediator",
        "street_admin",
    },
    "/requests/new/": {"resident", "neighbour", "staff", "outsider", "street_admin", "superuser"},
    "/requests/queue/": {"property_staff"},
    "/requests/approvals/": {"committee"},
    "/requests/overview/": {"staff", "outsider", "street_admin", "superuser"},
}
PERSONAS = ["resident", "neighbour", "staff", "outsider", "committee", "property_staff", "mediator", "street_admin"]


def client_as(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.mark.parametrize("path", PAGES)
def test_visitor_is_sent_to_sign_in(world: World, path: str) -> None:
    response = client_as(None).get(path)
    assert response.status_code == 302
    assert response.url == f"/accounts/login/?next={path}"


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("name", PERSONAS)
def test_each_page_opens_for_those_who_may_use_it_and_is_404_for_the_rest(
    world: World, request: Any, path: str, name: str
) -> None:
    user = request.getfixturevalue(name)
    response = client_as(user).get(path)
    if name in ALLOWED[path]:
        assert response.status_code == 200, f"{name} {path}"
        assert_strict_page(response)
    else:
        assert response.status_code == 404, f"{name} {path}"


def test_superuser_opens_the_overview_and_the_form(superuser: User) -> None:
    client = client_as(superuser)
    for path in ("/requests/overview/", "/requests/new/", "/requests/"):
        assert client.get(path).status_code == 200, path


@pytest.mark.parametrize("name", ["resident", "staff", "committee", "property_staff"])
def test_request_page_opens_for_everyone_who_sees_the_request(
    request: Any, file_request: Callable[..., ResidentRequest], name: str
) -> None:
    target = file_request()
    response = client_as(request.getfixturevalue(name)).get(f"/requests/{target.pk}/")
    assert response.status_code == 200
    assert_strict_page(response)
    html = response.content.decode()
    assert f'data-request-id="{target.pk}"' in html
    # Every action the API may offer has its form on the page.
    for action in ("accept", "route", "start", "quote", "approve-payment", "reject-payment", "resolve", "confirm"):
        assert f'id="action-{action}"' in html
    for action in ("reopen", "withdraw", "reject", "escalate"):
        assert f'id="action-{action}"' in html


@pytest.mark.parametrize("name", ["neighbour", "outsider", "mediator"])
def test_request_page_is_404_outside_the_scope(
    request: Any, file_request: Callable[..., ResidentRequest], name: str
) -> None:
    target = file_request()
    response = client_as(request.getfixturevalue(name)).get(f"/requests/{target.pk}/")
    assert response.status_code == 404


def test_request_page_sends_the_public_to_sign_in(file_request: Callable[..., ResidentRequest]) -> None:
    target = file_request()
    response = client_as(None).get(f"/requests/{target.pk}/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_unknown_request_is_404(staff: User) -> None:
    assert client_as(staff).get("/requests/999999/").status_code == 404


def test_nav_links_to_requests_for_signed_in_users_only(world: World, resident: User) -> None:
    assert 'href="/requests/"' not in client_as(None).get("/").content.decode()
    html = client_as(resident).get("/").content.decode()
    assert 'href="/requests/"' in html


def test_tabs_show_the_pages_of_each_role(
    world: World, resident: User, property_staff: User, committee: User, staff: User
) -> None:
    def tabs(user: User) -> set[str]:
        html = client_as(user).get("/requests/").content.decode()
        return {path for path in PAGES if f'href="{path}"' in html}

    assert tabs(resident) == {"/requests/", "/requests/new/"}
    assert tabs(property_staff) == {"/requests/", "/requests/queue/"}
    assert tabs(committee) == {"/requests/", "/requests/approvals/"}
    assert tabs(staff) == {"/requests/", "/requests/new/", "/requests/overview/"}


def test_filters_offer_only_the_users_own_estates(
    world: World, outsider: User, staff: User, property_staff: User, committee: User
) -> None:
    def offered(user: User, path: str) -> set[str]:
        html = client_as(user).get(path).content.decode()
        return {name for name in (world.estate.name, world.other_estate.name) if f">{name}</option>" in html}

    assert offered(staff, "/requests/overview/") == {world.estate.name}
    assert offered(outsider, "/requests/overview/") == {world.other_estate.name}
    assert offered(property_staff, "/requests/queue/") == {world.estate.name}
    assert offered(committee, "/requests/approvals/") == {world.estate.name}
    assert offered(staff, "/requests/new/") == {world.estate.name}


def test_form_knows_whether_the_user_files_for_themself_or_for_a_resident(
    world: World, resident: User, staff: User
) -> None:
    resident_html = client_as(resident).get("/requests/new/").content.decode()
    assert 'data-is-resident="1" data-is-staff="0"' in resident_html
    assert 'id="behalf-step"' not in resident_html
    staff_html = client_as(staff).get("/requests/new/").content.decode()
    assert 'data-is-resident="0" data-is-staff="1"' in staff_html
    assert 'id="behalf-step"' in staff_html
    # The camera input the phone form relies on.
    assert 'accept="image/*" capture="environment" multiple' in resident_html


def test_queue_page_knows_the_users_company(world: World, property_staff: User) -> None:
    html = client_as(property_staff).get("/requests/queue/").content.decode()
    assert f'data-company-id="{world.property_org.pk}"' in html


def test_pages_answer_in_a_few_queries(
    world: World, staff: User, django_assert_max_num_queries: Any, categories: Any
) -> None:
    client = client_as(staff)
    client.get("/requests/overview/")  # the session and the user are warm from here on
    with django_assert_max_num_queries(12):
        assert client.get("/requests/overview/").status_code == 200
