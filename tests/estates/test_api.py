"""The registry's REST API: who sees what, who may write, bad input, filters, pages, query budgets."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from rest_framework.test import APIClient

from estates.errors import Conflict, Invalid, NotAllowed, api_exception_handler
from estates.models import Building, Community, Estate, Household, Membership, Organisation, Unit, User

PERSONAS = [
    "anonymous",
    "resident",
    "neighbour",
    "committee",
    "property_staff",
    "mediator",
    "staff",
    "street_admin",
    "outsider",
    "superuser",
]
SIGNED_IN = PERSONAS[1:]

# English responses keep the whole-body checks independent of the zh-hans catalogue.
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def person(request: Any, name: str) -> User | None:
    """The persona, loaded afresh (no scope cached from an earlier request), or None for anonymous."""
    if name == "anonymous":
        request.getfixturevalue("world")
        return None
    user = request.getfixturevalue(name)
    return User.objects.get(pk=user.pk)


def client_for(request: Any, name: str) -> APIClient:
    client = APIClient()
    user = person(request, name)
    if user is not None:
        client.force_authenticate(user=user)
    return client


def ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def error_text(response: Any) -> str:
    """Every message in an error body, flattened into one string."""
    body = response.json()
    parts: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        else:
            parts.append(str(value))

    walk(body)
    text = " ".join(parts)
    assert text.strip(), body
    return text


# ---------------------------------------------------------------- communities


@pytest.mark.parametrize("persona", PERSONAS)
def test_everyone_lists_every_community(world: Any, persona: str, request: Any) -> None:
    response = client_for(request, persona).get("/api/v1/communities/")
    assert sorted(ids(response)) == sorted([world.community.pk, world.other_community.pk])


@pytest.mark.parametrize("persona", ["anonymous", "outsider", "resident"])
def test_community_detail_is_public(world: Any, persona: str, request: Any) -> None:
    response = client_for(request, persona).get(f"/api/v1/communities/{world.community.pk}/")
    assert response.status_code == 200
    assert response.json()["name"] == "小阳泉北社区"


def test_community_detail_whole_body(api: APIClient, world: Any) -> None:
    response = api.get(f"/api/v1/communities/{world.community.pk}/", **EN)
    assert response.json() == {
        "id": world.community.pk,
        "name": "小阳泉北社区",
        "street": world.street.pk,
        "street_name": "上站街道",
        "district": world.district.pk,
        "district_name": "城区",
        "address": "",
        "phone": "",
    }


def test_communities_filter_by_street_district_and_search(api: APIClient, world: Any) -> None:
    assert ids(api.get("/api/v1/communities/", {"street": world.street.pk})) == [world.community.pk]
    assert ids(api.get("/api/v1/communities/", {"street": world.other_street.pk})) == [world.other_community.pk]
    assert len(ids(api.get("/api/v1/communities/", {"district": world.district.pk}))) == 2
    assert ids(api.get("/api/v1/communities/", {"search": "中心广场"})) == [world.other_community.pk]


@pytest.mark.parametrize("persona", ["staff", "superuser"])
def test_communities_are_read_only_in_the_api(world: Any, persona: str, request: Any) -> None:
    client = client_for(request, persona)
    response = client.post("/api/v1/communities/", {"name": "新社区", "street": world.street.pk}, format="json")
    assert response.status_code == 405
    assert client.delete(f"/api/v1/communities/{world.community.pk}/").status_code == 405


def test_unknown_community_is_404(api: APIClient, world: Any) -> None:
    assert api.get("/api/v1/communities/999999/").status_code == 404


# ---------------------------------------------------------------- estates


CAN_MANAGE = {
    "anonymous": set(),
    "resident": set(),
    "neighbour": set(),
    "committee": set(),
    "property_staff": set(),
    "mediator": set(),
    "staff": {"estate"},
    "street_admin": {"estate"},
    "outsider": {"other_estate"},
    "superuser": {"estate", "other_estate"},
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_everyone_lists_every_estate_and_sees_which_they_manage(world: Any, persona: str, request: Any) -> None:
    response = client_for(request, persona).get("/api/v1/estates/")
    assert response.status_code == 200
    rows = {row["id"]: row["can_manage"] for row in response.json()["results"]}
    expected = {getattr(world, name).pk for name in CAN_MANAGE[persona]}
    assert rows == {
        world.estate.pk: world.estate.pk in expected,
        world.other_estate.pk: world.other_estate.pk in expected,
    }


@pytest.mark.parametrize("persona", PERSONAS)
def test_managed_filter_keeps_the_estates_the_user_manages(world: Any, persona: str, request: Any) -> None:
    response = client_for(request, persona).get("/api/v1/estates/", {"managed": "true"})
    assert set(ids(response)) == {getattr(world, name).pk for name in CAN_MANAGE[persona]}


def test_managed_false_lists_every_estate(world: Any, staff: User, api_as: Any) -> None:
    assert len(ids(api_as(staff).get("/api/v1/estates/", {"managed": "false"}))) == 2


@pytest.mark.parametrize("persona", ["anonymous", "outsider", "resident"])
def test_estate_detail_is_public(world: Any, persona: str, request: Any) -> None:
    response = client_for(request, persona).get(f"/api/v1/estates/{world.estate.pk}/")
    assert response.status_code == 200
    assert response.json()["name"] == "蕴园小区"


def test_estate_detail_whole_body(api: APIClient, world: Any) -> None:
    response = api.get(f"/api/v1/estates/{world.estate.pk}/", **EN)
    assert response.json() == {
        "id": world.estate.pk,
        "name": "蕴园小区",
        "community": world.community.pk,
        "community_name": "小阳泉北社区",
        "street": world.street.pk,
        "street_name": "上站街道",
        "district_name": "城区",
        "address": "",
        "management_mode": "property_company",
        "management_mode_display": "Property company",
        "built_year": None,
        "description": "",
        "latitude": None,
        "longitude": None,
        "building_count": 1,
        "household_count": 2,
        "organisations": [
            {
                "id": world.mediation_org.pk,
                "kind": "mediation_team",
                "kind_display": "Dispute-mediation team",
                "name": "蕴园小区居民纠纷化解队",
            },
            {
                "id": world.committee_org.pk,
                "kind": "owners_committee",
                "kind_display": "Owners' committee",
                "name": "蕴园小区业主委员会",
            },
            {
                "id": world.property_org.pk,
                "kind": "property_company",
                "kind_display": "Property company",
                "name": "蕴和物业",
            },
        ],
        "can_manage": False,
    }


def test_estates_filter_by_place_and_mode(api: APIClient, world: Any) -> None:
    assert ids(api.get("/api/v1/estates/", {"community": world.community.pk})) == [world.estate.pk]
    assert ids(api.get("/api/v1/estates/", {"street": world.other_street.pk})) == [world.other_estate.pk]
    assert len(ids(api.get("/api/v1/estates/", {"district": world.district.pk}))) == 2
    assert ids(api.get("/api/v1/estates/", {"management_mode": "self_managed"})) == [world.other_estate.pk]
    assert ids(api.get("/api/v1/estates/", {"management_mode": "none"})) == []


def test_estates_search_name_address_and_community(api: APIClient, world: Any) -> None:
    Estate.objects.filter(pk=world.other_estate.pk).update(address="城市广场西巷")
    assert ids(api.get("/api/v1/estates/", {"search": "蕴园"})) == [world.estate.pk]
    assert ids(api.get("/api/v1/estates/", {"search": "西巷"})) == [world.other_estate.pk]
    assert ids(api.get("/api/v1/estates/", {"search": "小阳泉北"})) == [world.estate.pk]
    assert ids(api.get("/api/v1/estates/", {"search": "不存在"})) == []


def test_estates_order_by_name_either_way(api: APIClient, world: Any) -> None:
    ascending = ids(api.get("/api/v1/estates/", {"ordering": "name"}))
    assert ids(api.get("/api/v1/estates/", {"ordering": "-name"})) == ascending[::-1]


@pytest.mark.parametrize(
    "params", [{"management_mode": "anarchy"}, {"community": "abc"}, {"street": "x"}, {"district": "one"}]
)
def test_bad_estate_filter_is_400(api: APIClient, world: Any, params: dict[str, str]) -> None:
    response = api.get("/api/v1/estates/", params)
    assert response.status_code == 400
    error_text(response)


def test_staff_registers_an_estate(world: Any, staff: User, api_as: Any) -> None:
    response = api_as(staff).post(
        "/api/v1/estates/",
        {"name": "新园小区", "community": world.community.pk, "built_year": 1998, "management_mode": "none"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["name"], body["community"], body["built_year"]) == ("新园小区", world.community.pk, 1998)
    assert (body["building_count"], body["household_count"], body["organisations"]) == (0, 0, [])
    assert body["can_manage"] is True
    assert Estate.objects.filter(pk=body["id"], community=world.community).exists()


def test_street_admin_registers_an_estate_in_their_street(world: Any, street_admin: User, api_as: Any) -> None:
    response = api_as(street_admin).post(
        "/api/v1/estates/", {"name": "新园小区", "community": world.community.pk}, format="json"
    )
    assert response.status_code == 201


@pytest.mark.parametrize("persona", ["outsider", "resident", "committee", "property_staff", "mediator", "neighbour"])
def test_others_cannot_register_an_estate_here(world: Any, persona: str, request: Any) -> None:
    response = client_for(request, persona).post(
        "/api/v1/estates/", {"name": "新园小区", "community": world.community.pk}, format="json"
    )
    assert response.status_code == 403
    error_text(response)
    assert not Estate.objects.filter(name="新园小区").exists()


def test_anonymous_cannot_write_estates(api: APIClient, world: Any) -> None:
    assert api.post("/api/v1/estates/", {"name": "x", "community": world.community.pk}).status_code == 401
    assert api.patch(f"/api/v1/estates/{world.estate.pk}/", {"name": "x"}).status_code == 401
    assert api.delete(f"/api/v1/estates/{world.estate.pk}/").status_code == 401


def test_staff_updates_their_estate(world: Any, staff: User, api_as: Any) -> None:
    response = api_as(staff).patch(
        f"/api/v1/estates/{world.estate.pk}/",
        {"address": "上站街道蕴园路1号", "built_year": 1992, "latitude": "37.857000", "longitude": "113.583000"},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["address"], body["built_year"], body["latitude"]) == ("上站街道蕴园路1号", 1992, "37.857000")
    assert body["household_count"] == 2
    world.estate.refresh_from_db()
    assert world.estate.built_year == 1992


@pytest.mark.parametrize("persona", ["outsider", "resident", "committee"])
def test_others_cannot_update_our_estate(world: Any, persona: str, request: Any) -> None:
    response = client_for(request, persona).patch(
        f"/api/v1/estates/{world.estate.pk}/", {"name": "改名"}, format="json"
    )
    assert response.status_code == 403
    world.estate.refresh_from_db()
    assert world.estate.name == "蕴园小区"


def test_staff_cannot_move_an_estate_to_another_community(world: Any, staff: User, api_as: Any) -> None:
    response = api_as(staff).patch(
        f"/api/v1/estates/{world.estate.pk}/", {"community": world.other_community.pk}, format="json"
    )
    assert response.status_code == 403


def test_estates_are_not_deleted(world: Any, staff: User, api_as: Any) -> None:
    response = api_as(staff).delete(f"/api/v1/estates/{world.estate.pk}/")
    assert response.status_code == 409
    error_text(response)
    assert Estate.objects.filter(pk=world.estate.pk).exists()


@pytest.mark.parametrize("persona", ["outsider", "resident", "committee"])
def test_others_are_refused_before_being_told_estates_are_not_deleted(world: Any, persona: str, request: Any) -> None:
    assert client_for(request, persona).delete(f"/api/v1/estates/{world.estate.pk}/").status_code == 403


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "蕴园小区"}, None),  # taken in this community
        ({"name": ""}, "name"),
        ({"built_year": 1800}, "built_year"),
        ({"built_year": "old"}, "built_year"),
        ({"management_mode": "anarchy"}, "management_mode"),
        ({"latitude": "100"}, "latitude"),
        ({"longitude": "-181"}, "longitude"),
        ({"community": 999999}, "community"),
    ],
)
def test_bad_estate_input_is_400_with_a_message(
    world: Any, staff: User, api_as: Any, payload: dict[str, Any], field: str | None
) -> None:
    data = {"name": "新园小区", "community": world.community.pk, **payload}
    response = api_as(staff).post("/api/v1/estates/", data, format="json")
    assert response.status_code == 400
    error_text(response)
    if field:
        assert field in response.json()


def test_malformed_json_is_400(world: Any, staff: User, api_as: Any) -> None:
    response = api_as(staff).post("/api/v1/estates/", "{not json", content_type="application/json")
    assert response.status_code == 400
    error_text(response)


def test_unknown_estate_is_404(api: APIClient, world: Any) -> None:
    assert api.get("/api/v1/estates/999999/").status_code == 404


# ---------------------------------------------------------------- buildings


@pytest.mark.parametrize("persona", PERSONAS)
def test_everyone_lists_every_building(world: Any, persona: str, request: Any) -> None:
    response = client_for(request, persona).get("/api/v1/buildings/")
    assert len(ids(response)) == 2


def test_building_detail_whole_body(api: APIClient, world: Any) -> None:
    response = api.get(f"/api/v1/buildings/{world.building.pk}/", **EN)
    assert response.json() == {
        "id": world.building.pk,
        "estate": world.estate.pk,
        "estate_name": "蕴园小区",
        "name": "3号楼",
        "floors": 6,
        "has_lift": False,
        "built_year": None,
        "unit_count": 1,
        "household_count": 2,
    }


def test_buildings_filter_by_estate_community_and_lift(api: APIClient, world: Any) -> None:
    lift = Building.objects.create(estate=world.estate, name="1号楼", has_lift=True)
    assert set(ids(api.get("/api/v1/buildings/", {"estate": world.estate.pk}))) == {world.building.pk, lift.pk}
    assert len(ids(api.get("/api/v1/buildings/", {"community": world.other_community.pk}))) == 1
    assert ids(api.get("/api/v1/buildings/", {"has_lift": "true"})) == [lift.pk]


def test_staff_adds_updates_and_deletes_a_building(world: Any, staff: User, api_as: Any) -> None:
    client = api_as(staff)
    created = client.post(
        "/api/v1/buildings/", {"estate": world.estate.pk, "name": "1号楼", "floors": 7, "has_lift": True}, format="json"
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created.json()["unit_count"] == 0
    updated = client.patch(f"/api/v1/buildings/{pk}/", {"built_year": 1990, "estate": world.other_estate.pk})
    assert updated.status_code == 200, updated.content
    assert (updated.json()["built_year"], updated.json()["estate"]) == (1990, world.estate.pk)
    assert client.delete(f"/api/v1/buildings/{pk}/").status_code == 204
    assert not Building.objects.filter(pk=pk).exists()


def test_building_with_households_is_not_deleted(world: Any, staff: User, api_as: Any) -> None:
    response = api_as(staff).delete(f"/api/v1/buildings/{world.building.pk}/")
    assert response.status_code == 409
    error_text(response)


@pytest.mark.parametrize("persona", ["outsider", "resident", "committee", "property_staff"])
def test_others_cannot_write_our_buildings(world: Any, persona: str, request: Any) -> None:
    client = client_for(request, persona)
    empty = Building.objects.create(estate=world.estate, name="9号楼")
    assert client.post("/api/v1/buildings/", {"estate": world.estate.pk, "name": "1号楼"}).status_code == 403
    assert client.patch(f"/api/v1/buildings/{world.building.pk}/", {"has_lift": True}).status_code == 403
    assert client.delete(f"/api/v1/buildings/{empty.pk}/").status_code == 403
    assert Building.objects.filter(pk=empty.pk).exists()


def test_anonymous_cannot_write_buildings(api: APIClient, world: Any) -> None:
    assert api.post("/api/v1/buildings/", {"estate": world.estate.pk, "name": "1号楼"}).status_code == 401


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"floors": 0}, "floors"),
        ({"floors": 300}, "floors"),
        ({"floors": -1}, "floors"),
        ({"name": "3号楼"}, None),
        ({"built_year": 3000}, "built_year"),
        ({"estate": None}, "estate"),
    ],
)
def test_bad_building_input_is_400_with_a_message(
    world: Any, staff: User, api_as: Any, payload: dict[str, Any], field: str | None
) -> None:
    data = {"estate": world.estate.pk, "name": "1号楼", **payload}
    response = api_as(staff).post("/api/v1/buildings/", data, format="json")
    assert response.status_code == 400
    error_text(response)
    if field:
        assert field in response.json()


def test_building_cannot_lose_floors_that_households_live_on(world: Any, staff: User, api_as: Any) -> None:
    response = api_as(staff).patch(f"/api/v1/buildings/{world.building.pk}/", {"floors": 4}, format="json")
    assert response.status_code == 400
    assert "floors" in response.json()


# ---------------------------------------------------------------- units


@pytest.mark.parametrize("persona", PERSONAS)
def test_everyone_lists_every_unit(world: Any, persona: str, request: Any) -> None:
    assert len(ids(client_for(request, persona).get("/api/v1/units/"))) == 2


def test_unit_detail_whole_body(api: APIClient, world: Any) -> None:
    response = api.get(f"/api/v1/units/{world.unit.pk}/", **EN)
    assert response.json() == {
        "id": world.unit.pk,
        "building": world.building.pk,
        "building_name": "3号楼",
        "estate": world.estate.pk,
        "estate_name": "蕴园小区",
        "name": "3单元",
        "household_count": 2,
    }


def test_units_filter_by_building_and_estate(api: APIClient, world: Any) -> None:
    assert ids(api.get("/api/v1/units/", {"building": world.building.pk})) == [world.unit.pk]
    assert ids(api.get("/api/v1/units/", {"estate": world.estate.pk})) == [world.unit.pk]
    assert len(ids(api.get("/api/v1/units/", {"estate": world.other_estate.pk}))) == 1


def test_staff_adds_renames_and_deletes_a_unit(world: Any, staff: User, api_as: Any) -> None:
    client = api_as(staff)
    created = client.post("/api/v1/units/", {"building": world.building.pk, "name": "4单元"}, format="json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created.json()["household_count"] == 0
    renamed = client.patch(f"/api/v1/units/{pk}/", {"name": "5单元"}, format="json")
    assert (renamed.status_code, renamed.json()["name"]) == (200, "5单元")
    assert client.delete(f"/api/v1/units/{pk}/").status_code == 204


def test_unit_with_households_is_not_deleted(world: Any, staff: User, api_as: Any) -> None:
    assert api_as(staff).delete(f"/api/v1/units/{world.unit.pk}/").status_code == 409


def test_duplicate_unit_is_400_with_a_message(world: Any, staff: User, api_as: Any) -> None:
    response = api_as(staff).post("/api/v1/units/", {"building": world.building.pk, "name": "3单元"}, format="json")
    assert response.status_code == 400
    error_text(response)


@pytest.mark.parametrize("persona", ["outsider", "resident", "committee"])
def test_others_cannot_write_our_units(world: Any, persona: str, request: Any) -> None:
    client = client_for(request, persona)
    assert client.post("/api/v1/units/", {"building": world.building.pk, "name": "4单元"}).status_code == 403
    assert client.patch(f"/api/v1/units/{world.unit.pk}/", {"name": "改名"}).status_code == 403
    assert client.delete(f"/api/v1/units/{world.unit.pk}/").status_code == 403


# ---------------------------------------------------------------- households


HOUSEHOLDS_SEEN = {
    "resident": {"household"},
    "neighbour": {"neighbour_household"},
    "committee": {"household", "neighbour_household"},
    "property_staff": {"household", "neighbour_household"},
    "mediator": {"household", "neighbour_household"},
    "staff": {"household", "neighbour_household"},
    "street_admin": {"household", "neighbour_household"},
    "outsider": {"other_household"},
    "superuser": {"household", "neighbour_household", "other_household"},
}


@pytest.mark.parametrize("persona", SIGNED_IN)
def test_households_listed_to_each_persona(world: Any, persona: str, request: Any) -> None:
    response = client_for(request, persona).get("/api/v1/households/")
    assert set(ids(response)) == {getattr(world, name).pk for name in HOUSEHOLDS_SEEN[persona]}


@pytest.mark.parametrize("persona", SIGNED_IN)
def test_household_detail_follows_the_list(world: Any, persona: str, request: Any) -> None:
    client = client_for(request, persona)
    for name in ("household", "neighbour_household", "other_household"):
        response = client.get(f"/api/v1/households/{getattr(world, name).pk}/")
        assert response.status_code == (200 if name in HOUSEHOLDS_SEEN[persona] else 404)


def test_anonymous_is_refused_households(api: APIClient, world: Any) -> None:
    for url in ("/api/v1/households/", f"/api/v1/households/{world.household.pk}/"):
        response = api.get(url)
        assert response.status_code == 401
        error_text(response)


def test_household_detail_whole_body(world: Any, staff: User, resident: User, api_as: Any) -> None:
    response = api_as(staff).get(f"/api/v1/households/{world.household.pk}/", **EN)
    assert response.json() == {
        "id": world.household.pk,
        "unit": world.unit.pk,
        "unit_name": "3单元",
        "building": world.building.pk,
        "building_name": "3号楼",
        "estate": world.estate.pk,
        "estate_name": "蕴园小区",
        "label": "3号楼3单元501",
        "room": "501",
        "floor": 5,
        "floor_area": "78.50",
        "residents": [{"id": resident.pk, "name": "李居民", "phone": "13812341234", "is_owner": True}],
    }


def test_former_residents_are_not_listed(world: Any, staff: User, resident: User, api_as: Any) -> None:
    Membership.objects.filter(user=resident).update(ended_on="2024-01-01")
    assert api_as(staff).get(f"/api/v1/households/{world.household.pk}/").json()["residents"] == []


def test_households_filter_by_unit_building_estate_floor_and_room(world: Any, superuser: User, api_as: Any) -> None:
    client = api_as(superuser)
    ours = {world.household.pk, world.neighbour_household.pk}
    assert set(ids(client.get("/api/v1/households/", {"unit": world.unit.pk}))) == ours
    assert set(ids(client.get("/api/v1/households/", {"building": world.building.pk}))) == ours
    assert set(ids(client.get("/api/v1/households/", {"estate": world.estate.pk}))) == ours
    assert ids(client.get("/api/v1/households/", {"floor": 1})) == [world.other_household.pk]
    assert ids(client.get("/api/v1/households/", {"search": "502"})) == [world.neighbour_household.pk]


def test_outsider_filtering_by_our_estate_gets_nothing(world: Any, outsider: User, api_as: Any) -> None:
    assert ids(api_as(outsider).get("/api/v1/households/", {"estate": world.estate.pk})) == []


def test_staff_registers_a_household(world: Any, staff: User, api_as: Any) -> None:
    response = api_as(staff).post(
        "/api/v1/households/", {"unit": world.unit.pk, "room": "601", "floor": 6, "floor_area": "88.8"}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["label"], body["floor"], body["floor_area"], body["residents"]) == ("3号楼3单元601", 6, "88.80", [])
    assert Household.objects.get(pk=body["id"]).floor_area == Decimal("88.80")


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"floor": 7}, "floor"),  # above the top floor of 3号楼 (6)
        ({"floor": -6}, "floor"),
        ({"floor": "five"}, "floor"),
        ({"floor_area": "-5"}, "floor_area"),
        ({"floor_area": "0"}, "floor_area"),
        ({"floor_area": "many"}, "floor_area"),
        ({"floor_area": "1234567.891"}, "floor_area"),
        ({"room": ""}, "room"),
        ({"unit": 999999}, "unit"),
    ],
)
def test_bad_household_input_is_400_with_a_message(
    world: Any, staff: User, api_as: Any, payload: dict[str, Any], field: str
) -> None:
    data = {"unit": world.unit.pk, "room": "601", "floor": 6, "floor_area": "80", **payload}
    response = api_as(staff).post("/api/v1/households/", data, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    error_text(response)


def test_floor_above_the_top_says_which_building(world: Any, staff: User, api_as: Any) -> None:
    response = api_as(staff).post(
        "/api/v1/households/", {"unit": world.unit.pk, "room": "701", "floor": 7, "floor_area": "80"}, format="json"
    )
    message = response.json()["floor"][0]
    assert "7" in message
    assert "6" in message
    assert "3号楼" in message


def test_duplicate_room_is_refused_with_a_message(world: Any, staff: User, api_as: Any) -> None:
    response = api_as(staff).post(
        "/api/v1/households/", {"unit": world.unit.pk, "room": "501", "floor": 5, "floor_area": "80"}, format="json"
    )
    assert response.status_code in (400, 409)
    error_text(response)
    assert Household.objects.filter(unit=world.unit, room="501").count() == 1


def test_renaming_to_a_taken_room_is_refused_with_a_message(world: Any, staff: User, api_as: Any) -> None:
    response = api_as(staff).patch(f"/api/v1/households/{world.household.pk}/", {"room": "502"}, format="json")
    assert response.status_code in (400, 409)
    error_text(response)


def test_staff_updates_a_household(world: Any, staff: User, api_as: Any) -> None:
    response = api_as(staff).patch(f"/api/v1/households/{world.household.pk}/", {"floor_area": "79.10"}, format="json")
    assert (response.status_code, response.json()["floor_area"]) == (200, "79.10")


def test_household_cannot_move_to_another_estates_unit(world: Any, superuser: User, api_as: Any) -> None:
    other_unit = Unit.objects.get(building__estate=world.other_estate)
    response = api_as(superuser).patch(
        f"/api/v1/households/{world.household.pk}/", {"unit": other_unit.pk, "floor": 1}, format="json"
    )
    assert response.status_code == 400
    assert "unit" in response.json()


def test_staff_deletes_an_empty_household(world: Any, staff: User, api_as: Any) -> None:
    assert api_as(staff).delete(f"/api/v1/households/{world.neighbour_household.pk}/").status_code == 204
    assert not Household.objects.filter(pk=world.neighbour_household.pk).exists()


def test_household_with_residents_is_not_deleted(world: Any, staff: User, resident: User, api_as: Any) -> None:
    response = api_as(staff).delete(f"/api/v1/households/{world.household.pk}/")
    assert response.status_code == 409
    error_text(response)


def test_outsider_gets_404_writing_another_communitys_household(world: Any, outsider: User, api_as: Any) -> None:
    client = api_as(outsider)
    url = f"/api/v1/households/{world.household.pk}/"
    assert client.patch(url, {"floor_area": "1.00"}, format="json").status_code == 404
    assert client.put(url, {"unit": world.unit.pk, "room": "501", "floor": 5, "floor_area": "1"}).status_code == 404
    assert client.delete(url).status_code == 404
    world.household.refresh_from_db()
    assert world.household.floor_area == Decimal("78.50")


def test_outsider_cannot_register_a_household_in_our_unit(world: Any, outsider: User, api_as: Any) -> None:
    response = api_as(outsider).post(
        "/api/v1/households/", {"unit": world.unit.pk, "room": "601", "floor": 6, "floor_area": "80"}, format="json"
    )
    assert response.status_code == 403
    assert not Household.objects.filter(room="601").exists()


@pytest.mark.parametrize("persona", ["resident", "committee", "property_staff", "mediator"])
def test_those_who_see_a_household_still_cannot_change_it(world: Any, persona: str, request: Any) -> None:
    client = client_for(request, persona)
    url = f"/api/v1/households/{world.household.pk}/"
    assert client.patch(url, {"floor_area": "1.00"}, format="json").status_code == 403
    assert client.delete(url).status_code == 403
    response = client.post(
        "/api/v1/households/", {"unit": world.unit.pk, "room": "601", "floor": 6, "floor_area": "80"}, format="json"
    )
    assert response.status_code == 403


def test_anonymous_cannot_write_households(api: APIClient, world: Any) -> None:
    assert api.post("/api/v1/households/", {"unit": world.unit.pk, "room": "601"}).status_code == 401
    assert api.delete(f"/api/v1/households/{world.household.pk}/").status_code == 401


# ---------------------------------------------------------------- phone masking


RESIDENT_PHONE_SEEN_BY = {
    "resident": "13812341234",  # their own
    "staff": "13812341234",
    "street_admin": "13812341234",
    "superuser": "13812341234",
    "committee": "138****1234",
    "property_staff": "138****1234",
    "mediator": "138****1234",
}


@pytest.mark.parametrize(("persona", "phone"), RESIDENT_PHONE_SEEN_BY.items())
def test_residents_phone_is_masked_for_all_but_the_person_and_staff(
    world: Any, resident: User, persona: str, phone: str, request: Any
) -> None:
    response = client_for(request, persona).get(f"/api/v1/households/{world.household.pk}/")
    assert response.json()["residents"][0]["phone"] == phone


def test_co_resident_sees_the_other_residents_phone_masked(world: Any, resident: User, api_as: Any) -> None:
    spouse = User.objects.create_user("spouse", phone="13911112222", full_name="李家属")
    Membership.objects.create(user=spouse, role="resident", household=world.household)
    response = api_as(resident).get(f"/api/v1/households/{world.household.pk}/")
    assert response.json()["residents"] == [
        {"id": resident.pk, "name": "李居民", "phone": "13812341234", "is_owner": True},
        {"id": spouse.pk, "name": "李家属", "phone": "139****2222", "is_owner": False},
    ]


MEMBER_PHONE_SEEN_BY = {
    "committee": "13700003333",  # their own
    "staff": "13700003333",
    "street_admin": "13700003333",
    "superuser": "13700003333",
    "co_member": "137****3333",
}


@pytest.mark.parametrize(("persona", "phone"), MEMBER_PHONE_SEEN_BY.items())
def test_organisation_members_phone_is_masked_for_co_members(
    world: Any, committee: User, persona: str, phone: str, request: Any
) -> None:
    if persona == "co_member":
        viewer = User.objects.create_user("co_member", phone="13733334444")
        Membership.objects.create(user=viewer, role="committee_member", organisation=world.committee_org)
        client = APIClient()
        client.force_authenticate(viewer)
    else:
        client = client_for(request, persona)
    members = client.get(f"/api/v1/organisations/{world.committee_org.pk}/").json()["members"]
    assert {m["person"]["id"]: m["person"]["phone"] for m in members}[committee.pk] == phone


@pytest.mark.parametrize("persona", ["anonymous", "outsider", "resident", "property_staff", "mediator"])
def test_organisation_members_are_hidden_from_non_members(
    world: Any, committee: User, persona: str, request: Any
) -> None:
    response = client_for(request, persona).get(f"/api/v1/organisations/{world.committee_org.pk}/")
    assert response.status_code == 200
    assert response.json()["members"] == []


# ---------------------------------------------------------------- organisations


@pytest.mark.parametrize("persona", PERSONAS)
def test_everyone_lists_every_organisation(world: Any, persona: str, request: Any) -> None:
    assert len(ids(client_for(request, persona).get("/api/v1/organisations/"))) == 4


def test_organisation_detail_whole_body(world: Any, staff: User, committee: User, api_as: Any) -> None:
    membership = Membership.objects.get(user=committee)
    response = api_as(staff).get(f"/api/v1/organisations/{world.committee_org.pk}/", **EN)
    assert response.json() == {
        "id": world.committee_org.pk,
        "kind": "owners_committee",
        "kind_display": "Owners' committee",
        "name": "蕴园小区业主委员会",
        "community": world.community.pk,
        "community_name": "小阳泉北社区",
        "estates": [world.estate.pk],
        "estate_names": ["蕴园小区"],
        "phone": "",
        "description": "",
        "founded_on": None,
        "members": [
            {
                "id": membership.pk,
                "role": "committee_member",
                "role_display": "Committee member",
                "position": "委员",
                "person": {"id": committee.pk, "name": "陈委员", "phone": "13700003333"},
                "started_on": None,
            }
        ],
    }


def test_former_members_are_not_listed(world: Any, staff: User, committee: User, api_as: Any) -> None:
    Membership.objects.filter(user=committee).update(ended_on="2024-01-01")
    assert api_as(staff).get(f"/api/v1/organisations/{world.committee_org.pk}/").json()["members"] == []


def test_organisations_filter_by_kind_community_estate_and_search(api: APIClient, world: Any) -> None:
    assert ids(api.get("/api/v1/organisations/", {"kind": "property_company"})) == [world.property_org.pk]
    assert ids(api.get("/api/v1/organisations/", {"community": world.other_community.pk})) == [
        world.other_committee_org.pk
    ]
    assert len(ids(api.get("/api/v1/organisations/", {"estate": world.estate.pk}))) == 3
    assert ids(api.get("/api/v1/organisations/", {"search": "物业"})) == [world.property_org.pk]
    assert api.get("/api/v1/organisations/", {"kind": "club"}).status_code == 400


def test_staff_registers_an_organisation(world: Any, staff: User, api_as: Any) -> None:
    response = api_as(staff).post(
        "/api/v1/organisations/",
        {
            "kind": "party_branch",
            "name": "蕴园小区党支部",
            "community": world.community.pk,
            "estates": [world.estate.pk],
            "founded_on": "2019-07-01",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["estates"], body["estate_names"], body["founded_on"]) == (
        [world.estate.pk],
        ["蕴园小区"],
        "2019-07-01",
    )
    assert body["members"] == []


def test_staff_updates_an_organisation_and_its_estates(world: Any, staff: User, api_as: Any) -> None:
    response = api_as(staff).patch(
        f"/api/v1/organisations/{world.property_org.pk}/",
        {"phone": "0353-1234567", "estates": [], "community": world.other_community.pk},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["phone"], body["estates"], body["community"]) == ("0353-1234567", [], world.community.pk)


def test_staff_cannot_link_an_organisation_to_another_communitys_estate(world: Any, staff: User, api_as: Any) -> None:
    response = api_as(staff).patch(
        f"/api/v1/organisations/{world.property_org.pk}/", {"estates": [world.other_estate.pk]}, format="json"
    )
    assert response.status_code == 403
    assert "estates" in response.json()
    assert list(world.property_org.estates.all()) == [world.estate]


@pytest.mark.parametrize("persona", ["outsider", "committee", "resident", "property_staff"])
def test_others_cannot_write_our_organisations(world: Any, persona: str, request: Any) -> None:
    client = client_for(request, persona)
    created = client.post(
        "/api/v1/organisations/",
        {"kind": "party_branch", "name": "党支部", "community": world.community.pk},
        format="json",
    )
    assert created.status_code == 403
    assert client.patch(f"/api/v1/organisations/{world.committee_org.pk}/", {"name": "改名"}).status_code == 403
    assert client.delete(f"/api/v1/organisations/{world.committee_org.pk}/").status_code == 403


def test_organisations_are_not_deleted(world: Any, staff: User, api_as: Any) -> None:
    assert api_as(staff).delete(f"/api/v1/organisations/{world.committee_org.pk}/").status_code == 409


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"kind": "club"}, "kind"),
        ({"name": "蕴园小区业主委员会", "kind": "owners_committee"}, None),
        ({"estates": [999999]}, "estates"),
        ({"founded_on": "yesterday"}, "founded_on"),
        ({"community": None}, "community"),
    ],
)
def test_bad_organisation_input_is_400_with_a_message(
    world: Any, staff: User, api_as: Any, payload: dict[str, Any], field: str | None
) -> None:
    data = {"kind": "party_branch", "name": "党支部", "community": world.community.pk, **payload}
    response = api_as(staff).post("/api/v1/organisations/", data, format="json")
    assert response.status_code == 400
    error_text(response)
    if field:
        assert field in response.json()


# ---------------------------------------------------------------- me


def test_anonymous_has_no_me(api: APIClient, world: Any) -> None:
    assert api.get("/api/v1/me/").status_code == 401


def test_me_whole_body_for_a_resident(world: Any, resident: User, api_as: Any) -> None:
    response = api_as(resident).get("/api/v1/me/", **EN)
    assert response.json() == {
        "id": resident.pk,
        "username": "resident",
        "name": "李居民",
        "full_name": "李居民",
        "phone": "13812341234",
        "email": "",
        "is_superuser": False,
        "roles": [
            {
                "role": "resident",
                "role_display": "Resident",
                "position": "",
                "scope_type": "household",
                "scope_id": world.household.pk,
                "scope_name": "3号楼3单元501",
                "estate_ids": [world.estate.pk],
            }
        ],
        "scope": {
            "is_superuser": False,
            "staff_community_ids": [],
            "staff_estate_ids": [],
            "member_estate_ids": [],
            "organisation_ids": [],
            "household_ids": [world.household.pk],
        },
    }


def test_me_for_community_staff(world: Any, staff: User, api_as: Any) -> None:
    body = api_as(staff).get("/api/v1/me/").json()
    assert [(r["role"], r["scope_type"], r["scope_id"], r["estate_ids"]) for r in body["roles"]] == [
        ("community_staff", "community", world.community.pk, [world.estate.pk])
    ]
    assert body["scope"]["staff_community_ids"] == [world.community.pk]
    assert body["scope"]["staff_estate_ids"] == [world.estate.pk]


def test_me_for_a_committee_member(world: Any, committee: User, api_as: Any) -> None:
    body = api_as(committee).get("/api/v1/me/").json()
    role = body["roles"][0]
    assert (role["role"], role["position"], role["scope_type"], role["scope_id"], role["scope_name"]) == (
        "committee_member",
        "委员",
        "organisation",
        world.committee_org.pk,
        "蕴园小区业主委员会",
    )
    assert role["estate_ids"] == [world.estate.pk]
    assert body["scope"]["member_estate_ids"] == [world.estate.pk]
    assert body["scope"]["organisation_ids"] == [world.committee_org.pk]


def test_me_for_a_street_admin(world: Any, street_admin: User, api_as: Any) -> None:
    body = api_as(street_admin).get("/api/v1/me/").json()
    assert [(r["role"], r["scope_type"], r["scope_name"], r["estate_ids"]) for r in body["roles"]] == [
        ("street_admin", "street", "上站街道", [world.estate.pk])
    ]


def test_me_for_a_superuser(world: Any, superuser: User, api_as: Any) -> None:
    body = api_as(superuser).get("/api/v1/me/").json()
    assert (body["is_superuser"], body["roles"], body["scope"]["is_superuser"]) == (True, [], True)


def test_me_leaves_out_ended_roles(world: Any, resident: User, api_as: Any) -> None:
    Membership.objects.filter(user=resident).update(ended_on="2024-01-01")
    body = api_as(resident).get("/api/v1/me/").json()
    assert (body["roles"], body["scope"]["household_ids"]) == ([], [])


# ---------------------------------------------------------------- auth/token


def test_token_for_a_correct_password(api: APIClient, world: Any, staff: User) -> None:
    response = api.post("/api/v1/auth/token/", {"username": "staff", "password": "pw-staff"}, format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    assert re.fullmatch(r"[0-9a-f]{40}", token)
    again = api.post("/api/v1/auth/token/", {"username": "staff", "password": "pw-staff"}, format="json")
    assert again.json() == {"token": token}


def test_token_signs_in_api_clients(api: APIClient, world: Any, resident: User) -> None:
    token = api.post("/api/v1/auth/token/", {"username": "resident", "password": "pw-resident"}).json()["token"]
    client = APIClient()
    response = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 200
    assert response.json()["username"] == "resident"
    assert ids(client.get("/api/v1/households/", HTTP_AUTHORIZATION=f"Token {token}")) == [world.household.pk]


def test_unknown_token_is_refused(api: APIClient, world: Any) -> None:
    response = api.get("/api/v1/me/", HTTP_AUTHORIZATION="Token 0000000000000000000000000000000000000000")
    assert response.status_code in (401, 403)
    error_text(response)


@pytest.mark.parametrize(
    "credentials",
    [{"username": "staff", "password": "wrong"}, {"username": "nobody", "password": "pw-staff"}],
)
def test_wrong_credentials_are_400_with_a_message(api: APIClient, world: Any, staff: User, credentials: Any) -> None:
    response = api.post("/api/v1/auth/token/", credentials, format="json")
    assert response.status_code == 400
    assert "token" not in response.json()
    error_text(response)


@pytest.mark.parametrize("payload", [{}, {"username": "staff"}, {"password": "pw-staff"}])
def test_missing_credentials_are_400(api: APIClient, world: Any, staff: User, payload: dict[str, str]) -> None:
    response = api.post("/api/v1/auth/token/", payload, format="json")
    assert response.status_code == 400
    error_text(response)


def test_inactive_user_gets_no_token(api: APIClient, world: Any, staff: User) -> None:
    User.objects.filter(pk=staff.pk).update(is_active=False)
    response = api.post("/api/v1/auth/token/", {"username": "staff", "password": "pw-staff"}, format="json")
    assert response.status_code == 400


def test_demo_account_refused_when_demo_logins_are_off(api: APIClient, world: Any, settings: Any) -> None:
    User.objects.create_user("demo-staff", password="huanxin-demo", is_demo=True)
    settings.DEMO_LOGINS_ENABLED = False
    response = api.post("/api/v1/auth/token/", {"username": "demo-staff", "password": "huanxin-demo"}, format="json")
    assert response.status_code == 400
    settings.DEMO_LOGINS_ENABLED = True
    response = api.post("/api/v1/auth/token/", {"username": "demo-staff", "password": "huanxin-demo"}, format="json")
    assert response.status_code == 200


def test_token_endpoint_locks_out_after_repeated_failures(
    api: APIClient, world: Any, staff: User, settings: Any
) -> None:
    settings.AXES_FAILURE_LIMIT = 3
    for _attempt in range(2):
        assert api.post("/api/v1/auth/token/", {"username": "staff", "password": "x"}).status_code == 400
    assert api.post("/api/v1/auth/token/", {"username": "staff", "password": "x"}).status_code == 429
    # Locked out: even the right password gets no token now.
    response = api.post("/api/v1/auth/token/", {"username": "staff", "password": "pw-staff"})
    assert response.status_code == 429
    assert b"token" not in response.content


def test_token_endpoint_only_accepts_post(api: APIClient, world: Any) -> None:
    assert api.get("/api/v1/auth/token/").status_code == 405


# ---------------------------------------------------------------- pagination


def test_page_size_is_chosen_by_the_client(api: APIClient, world: Any) -> None:
    first = api.get("/api/v1/organisations/", {"page_size": 3}).json()
    assert (first["count"], len(first["results"]), first["previous"]) == (4, 3, None)
    assert "page=2" in first["next"]
    second = api.get("/api/v1/organisations/", {"page_size": 3, "page": 2}).json()
    assert (len(second["results"]), second["next"]) == (1, None)
    assert not {o["id"] for o in first["results"]} & {o["id"] for o in second["results"]}


def test_page_size_is_capped_at_500(api: APIClient, world: Any) -> None:
    Unit.objects.bulk_create(Unit(building=world.building, name=f"U{i:03d}") for i in range(520))
    body = api.get("/api/v1/units/", {"page_size": 10000}).json()
    assert (body["count"], len(body["results"])) == (522, 500)


def test_default_page_holds_50(api: APIClient, world: Any) -> None:
    Unit.objects.bulk_create(Unit(building=world.building, name=f"U{i:03d}") for i in range(60))
    assert len(api.get("/api/v1/units/").json()["results"]) == 50
    assert len(api.get("/api/v1/units/", {"page_size": 0}).json()["results"]) == 50


def test_page_past_the_end_is_404(api: APIClient, world: Any) -> None:
    response = api.get("/api/v1/estates/", {"page": 99})
    assert response.status_code == 404
    error_text(response)


# ---------------------------------------------------------------- query budgets


def grow(world: Any, rows: int) -> None:
    """Add `rows` more of every registry thing, each with what its list shows (orgs, members, residents)."""
    for i in range(rows):
        Community.objects.create(street=world.street, name=f"社区{i}")
        estate = Estate.objects.create(community=world.community, name=f"小区{i}")
        building = Building.objects.create(estate=estate, name=f"{i}号楼")
        unit = Unit.objects.create(building=building, name="1单元")
        Unit.objects.create(building=world.building, name=f"U{i}")
        household = Household.objects.create(unit=world.unit, room=f"R{i}", floor=1, floor_area=Decimal("50"))
        Household.objects.create(unit=unit, room="101", floor=1, floor_area=Decimal("50"))
        dweller = User.objects.create_user(f"dweller{i}", phone="13900000000")
        Membership.objects.create(user=dweller, role="resident", household=household)
        organisation = Organisation.objects.create(community=world.community, kind="contractor", name=f"施工队{i}")
        organisation.estates.add(world.estate, estate)
        worker = User.objects.create_user(f"worker{i}")
        Membership.objects.create(user=worker, role="organisation_member", organisation=organisation)


BUDGETS = [
    # communities: count; page of communities joined with street and district
    ("/api/v1/communities/", "anonymous", 2),
    ("/api/v1/communities/", "staff", 2),
    # estates: count; page of estates with building/household counts joined up to the district;
    # prefetch of their organisations
    ("/api/v1/estates/", "anonymous", 3),
    # + the scope for can_manage: memberships; estates of the staffed communities
    ("/api/v1/estates/", "staff", 5),
    # + the scope: memberships only (a resident staffs nothing)
    ("/api/v1/estates/", "resident", 4),
    # + the scope: memberships; communities of the street; their estates
    ("/api/v1/estates/", "street_admin", 6),
    # buildings: count; page with unit/household counts joined with the estate
    ("/api/v1/buildings/", "anonymous", 2),
    ("/api/v1/buildings/", "staff", 2),
    # units: count; page with household counts joined with building and estate
    ("/api/v1/units/", "anonymous", 2),
    ("/api/v1/units/", "staff", 2),
    # households: scope (memberships; estates of the staffed communities); count; page joined up to
    # the estate; prefetch of active residents joined with their users; the log of the residents'
    # whole phone numbers shown (one insert, estates.privacy)
    ("/api/v1/households/", "staff", 6),
    # households: scope (memberships); count; page; residents
    ("/api/v1/households/", "resident", 4),
    # households: scope (memberships; estates the organisation serves); count; page; residents
    ("/api/v1/households/", "committee", 5),
    # count; page; residents; the log of the phone numbers shown
    ("/api/v1/households/", "superuser", 4),
    # organisations: count; page joined with the community; prefetch of estates; prefetch of
    # active members joined with user and organisation
    ("/api/v1/organisations/", "anonymous", 4),
    # + the scope for the members: memberships; estates of the staffed communities
    ("/api/v1/organisations/", "staff", 6),
    # me: scope (memberships; estates of the staffed communities); active memberships joined with
    # every scope; prefetch of the community's estates
    ("/api/v1/me/", "staff", 4),
    # me: scope (memberships); active memberships joined with every scope
    ("/api/v1/me/", "resident", 2),
]


@pytest.mark.parametrize("rows", [3, 30])
@pytest.mark.parametrize(("url", "persona", "queries"), BUDGETS)
def test_list_query_budget_does_not_grow_with_rows(
    world: Any, url: str, persona: str, queries: int, rows: int, request: Any, django_assert_num_queries: Any
) -> None:
    grow(world, rows)
    client = client_for(request, persona)
    with django_assert_num_queries(queries):
        response = client.get(url)
    assert response.status_code == 200


# ---------------------------------------------------------------- schema and docs


def test_openapi_schema_is_served(api: APIClient, world: Any) -> None:
    response = api.get("/api/schema/")
    assert response.status_code == 200
    text = response.content.decode()
    for path in ("/api/v1/estates/", "/api/v1/households/{id}/", "/api/v1/auth/token/", "/api/v1/me/"):
        assert f"{path}:" in text


def test_api_docs_load_no_external_assets(api: APIClient, world: Any) -> None:
    response = api.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assets = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", html)
    assert assets
    assert not [a for a in assets if a.startswith(("http:", "https:", "//"))]
    assert "swagger-ui-bundle.js" in html
    script = api.get("/api/docs/", {"script": ""})
    assert script.status_code == 200
    assert "/api/schema/" in script.content.decode()


# ---------------------------------------------------------------- domain errors as API answers


@pytest.mark.parametrize(
    ("exc", "status", "body"),
    [
        (Invalid("bad", field="floor"), 400, {"floor": ["bad"]}),
        (Invalid("bad"), 400, {"detail": "bad"}),
        (NotAllowed("no"), 403, {"detail": "no"}),
        (Conflict("taken", field="room"), 409, {"room": ["taken"]}),
        (
            DjangoValidationError({NON_FIELD_ERRORS: ["taken"], "name": ["empty"]}),
            400,
            {"non_field_errors": ["taken"], "name": ["empty"]},
        ),
        (DjangoValidationError("plain"), 400, {"detail": ["plain"]}),
    ],
)
def test_domain_errors_become_api_answers(exc: Exception, status: int, body: dict[str, Any]) -> None:
    response = api_exception_handler(exc, {})
    assert response is not None
    assert (response.status_code, response.data) == (status, body)


def test_integrity_error_becomes_a_409_with_a_message() -> None:
    response = api_exception_handler(IntegrityError("duplicate key"), {})
    assert response is not None
    assert response.status_code == 409
    assert response.data["detail"]
