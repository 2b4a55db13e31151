"""The registry's HTML pages: who may open them, and that they keep the house's CSP rules."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from tests.conftest import World

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<[^>]+\sstyle=", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+=", re.IGNORECASE)


def client_as(user: Any | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def public_urls(world: World) -> list[str]:
    return ["/", "/estates/", f"/estates/{world.estate.pk}/", "/accounts/login/"]


def staff_urls(world: World) -> list[str]:
    return ["/", "/registry/", f"/registry/estates/{world.estate.pk}/"]


def assert_strict_page(response: Any) -> None:
    csp = response.headers.get("Content-Security-Policy", "")
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    html = response.content.decode()
    assert INLINE_SCRIPT.findall(html) == []
    assert INLINE_STYLE.findall(html) == []
    assert INLINE_HANDLER.findall(html) == []


def test_visitor_opens_every_public_page(world: World) -> None:
    client = client_as(None)
    for url in public_urls(world):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_strict_page(response)


def test_staff_opens_dashboard_registry_and_manage_page(world: World, staff: Any) -> None:
    client = client_as(staff)
    for url in staff_urls(world):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_strict_page(response)


def test_public_overview_and_dashboard_use_different_templates(world: World, staff: Any) -> None:
    anonymous = client_as(None).get("/")
    signed_in = client_as(staff).get("/")
    assert "estates/home_public.html" in [t.name for t in anonymous.templates]
    assert "estates/home_dashboard.html" in [t.name for t in signed_in.templates]
    assert 'id="public-estates"' in anonymous.content.decode()
    assert 'id="dashboard"' in signed_in.content.decode()


@pytest.mark.parametrize("path", ["/registry/", "/registry/estates/{pk}/"])
def test_visitor_is_sent_to_login_from_staff_pages(world: World, path: str) -> None:
    url = path.format(pk=world.estate.pk)
    response = client_as(None).get(url)
    assert response.status_code == 302
    assert response.url == f"/accounts/login/?next={url}"


def test_outsider_gets_404_on_another_communitys_manage_page(world: World, outsider: Any) -> None:
    response = client_as(outsider).get(f"/registry/estates/{world.estate.pk}/")
    assert response.status_code == 404


def test_outsider_opens_the_manage_page_of_their_own_estate(world: World, outsider: Any) -> None:
    response = client_as(outsider).get(f"/registry/estates/{world.other_estate.pk}/")
    assert response.status_code == 200
    assert "体委小区" in response.content.decode()


def test_resident_gets_404_on_registry_and_manage_page(world: World, resident: Any) -> None:
    client = client_as(resident)
    assert client.get("/registry/").status_code == 404
    assert client.get(f"/registry/estates/{world.estate.pk}/").status_code == 404


def test_street_admin_opens_manage_page_of_an_estate_below(world: World, street_admin: Any) -> None:
    assert client_as(street_admin).get(f"/registry/estates/{world.estate.pk}/").status_code == 200


def test_unknown_estate_page_is_404(world: World) -> None:
    assert client_as(None).get("/estates/999999/").status_code == 404


def test_registry_menu_link_only_for_staff(world: World, staff: Any, resident: Any) -> None:
    assert 'href="/registry/"' in client_as(staff).get("/estates/").content.decode()
    assert 'href="/registry/"' not in client_as(resident).get("/estates/").content.decode()
    assert 'href="/registry/"' not in client_as(None).get("/estates/").content.decode()


def test_manage_page_links_to_public_page_and_household_import(world: World, staff: Any) -> None:
    html = client_as(staff).get(f"/registry/estates/{world.estate.pk}/").content.decode()
    assert f'href="/estates/{world.estate.pk}/"' in html
    assert f'href="/registry/estates/{world.estate.pk}/import/"' in html


def test_estate_page_names_the_estate_and_loads_its_script(world: World) -> None:
    html = client_as(None).get(f"/estates/{world.estate.pk}/").content.decode()
    assert "<h1>蕴园小区</h1>" in html
    assert 'src="/static/js/estate-detail.js"' in html
    assert f'data-estate-id="{world.estate.pk}"' in html


def test_estate_page_needs_one_query(world: World, django_assert_num_queries: Any) -> None:
    client = client_as(None)
    # 1. the estate
    with django_assert_num_queries(1):
        assert client.get(f"/estates/{world.estate.pk}/").status_code == 200


def test_estate_list_page_needs_no_query(world: World, django_assert_num_queries: Any) -> None:
    client = client_as(None)
    with django_assert_num_queries(0):
        assert client.get("/estates/").status_code == 200


def test_estate_list_offers_every_management_mode(world: World) -> None:
    html = client_as(None).get("/estates/").content.decode()
    for value in ("property_company", "self_managed", "none"):
        assert f'<option value="{value}">' in html


def test_login_page_signs_in_with_username_and_password(world: World, staff: Any) -> None:
    client = Client()
    page = client.get("/accounts/login/")
    html = page.content.decode()
    assert 'name="username"' in html
    assert 'name="password"' in html
    response = client.post("/accounts/login/", {"username": "staff", "password": "pw-staff"})
    assert response.status_code == 302
    assert response.url == "/"


def test_login_page_shows_error_and_keeps_username(world: World, staff: Any) -> None:
    response = Client().post("/accounts/login/", {"username": "staff", "password": "wrong"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'role="alert"' in html
    assert 'value="staff"' in html
    assert_strict_page(response)


def test_pages_render_in_chinese_by_default(world: World) -> None:
    html = client_as(None).get("/").content.decode()
    assert '<html lang="zh-hans">' in html


def test_language_switch_renders_english(world: World) -> None:
    client = client_as(None)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/estates/"})
    assert response.status_code == 302
    html = client.get("/estates/").content.decode()
    assert '<html lang="en">' in html
    assert "Search by estate, address or community" in html
    # The switch back to Chinese is offered, written in Chinese.
    assert 'value="zh-hans"' in html
    assert "中文" in html
