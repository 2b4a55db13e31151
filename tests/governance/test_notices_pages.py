"""The notice pages (公告): public reading, the staff's form, the notices on the estate page and
on the dashboard, and the house's CSP rules. The data comes from the API (test_notices_api.py)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client

from estates.models import User
from governance import services
from governance.models import Notice
from tests.conftest import World
from tests.estates.test_pages import assert_strict_page
from tests.governance.conftest import T0, fresh

PERSONAS = ["resident", "staff", "outsider", "committee", "mediator", "street_admin"]
WRITERS = {"staff", "outsider", "street_admin"}


def client_as(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def notice(world: World, staff: User) -> Notice:
    with time_machine.travel(T0 - timedelta(days=1), tick=False):
        return services.create_notice(
            world.community,
            by=fresh(staff),
            estate=world.estate,
            title="停水通知",
            body="3号楼停水",
            publish_from=T0,
            publish_until=T0 + timedelta(days=7),
        )


def test_the_public_reads_the_list_and_a_published_notice(notice: Notice) -> None:
    client = client_as(None)
    with time_machine.travel(T0 + timedelta(days=1), tick=False):
        for path in ("/notices/", f"/notices/{notice.pk}/"):
            response = client.get(path)
            assert response.status_code == 200, path
            assert_strict_page(response)
        assert "停水通知" in client.get(f"/notices/{notice.pk}/").content.decode()


@pytest.mark.parametrize(("at", "code"), [(T0 - timedelta(days=1), 404), (T0 + timedelta(days=8), 404)])
def test_a_draft_or_ended_notice_is_404_for_the_public_and_the_outsider(
    notice: Notice, outsider: User, staff: User, at: Any, code: int
) -> None:
    with time_machine.travel(at, tick=False):
        assert client_as(None).get(f"/notices/{notice.pk}/").status_code == code
        assert client_as(outsider).get(f"/notices/{notice.pk}/").status_code == code
        assert client_as(staff).get(f"/notices/{notice.pk}/").status_code == 200


@pytest.mark.parametrize("name", PERSONAS)
def test_the_form_opens_for_community_staff_only(request: Any, name: str) -> None:
    response = client_as(request.getfixturevalue(name)).get("/notices/new/")
    if name in WRITERS:
        assert response.status_code == 200, name
        assert_strict_page(response)
    else:
        assert response.status_code == 404, name
    assert client_as(None).get("/notices/new/").status_code == 302


@pytest.mark.parametrize("name", PERSONAS)
def test_the_edit_page_opens_for_the_notices_community_staff_only(request: Any, notice: Notice, name: str) -> None:
    response = client_as(request.getfixturevalue(name)).get(f"/notices/{notice.pk}/edit/")
    assert response.status_code == (200 if name in {"staff", "street_admin"} else 404), name


def test_the_form_offers_the_staffs_communities_and_estates(world: World, staff: User) -> None:
    html = client_as(staff).get("/notices/new/").content.decode()
    assert f'value="c:{world.community.pk}"' in html
    assert f'<option value="e:{world.estate.pk}">蕴园小区</option>' in html
    assert "体委小区" not in html


def test_the_estate_page_and_the_dashboard_have_a_notices_section(world: World, resident: User) -> None:
    html = client_as(None).get(f"/estates/{world.estate.pk}/").content.decode()
    assert 'id="estate-notices"' in html
    assert f'href="/notices/?estate={world.estate.pk}"' in html
    html = client_as(resident).get("/").content.decode()
    assert 'id="my-notices"' in html


def test_nav_links_to_notices_for_everyone(world: World) -> None:
    assert 'href="/notices/"' in client_as(None).get("/").content.decode()


def test_staff_see_the_write_button(world: World, staff: User, resident: User) -> None:
    assert 'href="/notices/new/"' in client_as(staff).get("/notices/").content.decode()
    assert 'href="/notices/new/"' not in client_as(resident).get("/notices/").content.decode()
