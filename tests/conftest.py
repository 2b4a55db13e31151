"""Personas and clients shared by every test.

The world: 城区 → 上站街道 → 小阳泉北社区 → 蕴园小区 (our side) and 城区 → 北大街街道 →
中心广场社区 → 体委小区 (the outsider's side). Personas:

- staff      community staff of 小阳泉北社区 (manages 蕴园小区)
- outsider   community staff of 中心广场社区: must see nothing private of 蕴园小区
- resident   lives in 蕴园小区 3号楼3单元 501 (owner)
- neighbour  lives in 蕴园小区 3号楼3单元 502
- committee  member of 蕴园小区's owners' committee
- property   staff of 蕴园小区's property company
- mediator   member of 蕴园小区's dispute-mediation team
- street_admin  admin of 上站街道
- superuser
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from estates.models import (
    Building,
    Community,
    District,
    Estate,
    Household,
    Membership,
    Organisation,
    Street,
    Unit,
    User,
)


@pytest.fixture(autouse=True)
def _test_settings(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.LANGUAGE_CODE = "zh-hans"
    # Throttles count per address in the shared cache: keep them out of the way, except
    # in the tests that set a low rate on purpose.
    rates = dict.fromkeys(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "100000/minute")
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)


# Rows that data migrations seed (request categories, rating criteria). A transactional test
# (a live server, a real worker, threads) ends with a flush that empties them; they are put back
# right after, so that the next test on the worker finds the database as migrated.
SEEDING_MIGRATIONS = (
    "governance.migrations.0002_seed_request_categories",
    "governance.migrations.0005_seed_rating_criteria",
)


def _is_transactional(item: pytest.Item) -> bool:
    marker = item.get_closest_marker("django_db")
    if marker and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])):
        return True
    return bool({"transactional_db", "live_server"} & set(getattr(item, "fixturenames", ())))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Any:
    result = yield
    # After the last test the test database is gone: nothing to put back.
    if nextitem is not None and _is_transactional(item):
        from django.apps import apps
        from pytest_django.plugin import blocking_manager_key

        with item.config.stash[blocking_manager_key].unblock():
            for name in SEEDING_MIGRATIONS:
                importlib.import_module(name).seed(apps, None)
    return result


@dataclass
class World:
    district: District
    street: Street
    other_street: Street
    community: Community
    other_community: Community
    estate: Estate
    other_estate: Estate
    building: Building
    unit: Unit
    household: Household
    neighbour_household: Household
    other_household: Household
    committee_org: Organisation
    property_org: Organisation
    mediation_org: Organisation
    other_committee_org: Organisation


def make_user(username: str, *, phone: str = "", full_name: str = "", **extra: Any) -> User:
    user = User.objects.create_user(
        username=username, password="pw-" + username, phone=phone, full_name=full_name, **extra
    )
    return user


@pytest.fixture
def world(db: Any) -> World:
    district = District.objects.create(name="城区", city="阳泉市")
    street = Street.objects.create(district=district, name="上站街道")
    other_street = Street.objects.create(district=district, name="北大街街道")
    community = Community.objects.create(street=street, name="小阳泉北社区")
    other_community = Community.objects.create(street=other_street, name="中心广场社区")
    estate = Estate.objects.create(community=community, name="蕴园小区", management_mode="property_company")
    other_estate = Estate.objects.create(community=other_community, name="体委小区", management_mode="self_managed")
    building = Building.objects.create(estate=estate, name="3号楼", floors=6)
    unit = Unit.objects.create(building=building, name="3单元")
    household = Household.objects.create(unit=unit, room="501", floor=5, floor_area=Decimal("78.50"))
    neighbour_household = Household.objects.create(unit=unit, room="502", floor=5, floor_area=Decimal("65.20"))
    other_building = Building.objects.create(estate=other_estate, name="1号楼", floors=5)
    other_unit = Unit.objects.create(building=other_building, name="1单元")
    other_household = Household.objects.create(unit=other_unit, room="101", floor=1, floor_area=Decimal("55.00"))
    committee_org = Organisation.objects.create(kind="owners_committee", name="蕴园小区业主委员会", community=community)
    property_org = Organisation.objects.create(kind="property_company", name="蕴和物业", community=community)
    mediation_org = Organisation.objects.create(
        kind="mediation_team", name="蕴园小区居民纠纷化解队", community=community
    )
    other_committee_org = Organisation.objects.create(
        kind="management_committee", name="体委小区居民物管会", community=other_community
    )
    for org in (committee_org, property_org, mediation_org):
        org.estates.add(estate)
    other_committee_org.estates.add(other_estate)
    return World(
        district=district,
        street=street,
        other_street=other_street,
        community=community,
        other_community=other_community,
        estate=estate,
        other_estate=other_estate,
        building=building,
        unit=unit,
        household=household,
        neighbour_household=neighbour_household,
        other_household=other_household,
        committee_org=committee_org,
        property_org=property_org,
        mediation_org=mediation_org,
        other_committee_org=other_committee_org,
    )


@pytest.fixture
def staff(world: World) -> User:
    user = make_user("staff", phone="13800001111", full_name="王社工")
    Membership.objects.create(user=user, role="community_staff", community=world.community)
    return user


@pytest.fixture
def outsider(world: World) -> User:
    user = make_user("outsider", phone="13800002222", full_name="赵外人")
    Membership.objects.create(user=user, role="community_staff", community=world.other_community)
    return user


@pytest.fixture
def resident(world: World) -> User:
    user = make_user("resident", phone="13812341234", full_name="李居民")
    Membership.objects.create(user=user, role="resident", household=world.household, is_owner=True)
    return user


@pytest.fixture
def neighbour(world: World) -> User:
    user = make_user("neighbour", phone="13955556666", full_name="张邻居")
    Membership.objects.create(user=user, role="resident", household=world.neighbour_household, is_owner=True)
    return user


@pytest.fixture
def committee(world: World) -> User:
    user = make_user("committee", phone="13700003333", full_name="陈委员")
    Membership.objects.create(user=user, role="committee_member", organisation=world.committee_org, position="委员")
    return user


@pytest.fixture
def property_staff(world: World) -> User:
    user = make_user("property", phone="13600004444", full_name="刘物业")
    Membership.objects.create(user=user, role="property_staff", organisation=world.property_org)
    return user


@pytest.fixture
def mediator(world: World) -> User:
    user = make_user("mediator", phone="13500005555", full_name="周调解")
    Membership.objects.create(user=user, role="mediator", organisation=world.mediation_org)
    return user


@pytest.fixture
def street_admin(world: World) -> User:
    user = make_user("street_admin", phone="13400006666", full_name="孙街道")
    Membership.objects.create(user=user, role="street_admin", street=world.street)
    return user


@pytest.fixture
def superuser(world: World) -> User:
    return User.objects.create_superuser(username="root", password="pw-root", email="root@example.com")


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def api_as(api: APIClient) -> Any:
    """api_as(user) -> an API client signed in as that user (or anonymous for None)."""

    def _as(user: User | None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user=user)
        return client

    return _as
