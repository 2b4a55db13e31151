"""The registry's models: database constraints, field validation and small derived values."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

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
    mask_phone,
    phone_validator,
)


def _violates(model: type, **fields: Any) -> None:
    """Creating the row must be refused by the database itself."""
    with pytest.raises(IntegrityError), transaction.atomic():
        model.objects.create(**fields)


# mask_phone


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("13812341234", "138****1234"),
        ("0353-1234567", "035****4567"),
        ("03531234567", "035****4567"),
        ("010-12345678", "010****5678"),
        ("0353-12345678", "035*****5678"),
        ("", ""),
        ("1234567", "*******"),
        ("12345", "*****"),
    ],
)
def test_mask_phone_keeps_first_three_and_last_four_digits(phone: str, masked: str) -> None:
    assert mask_phone(phone) == masked


def test_user_masked_phone_and_display_name() -> None:
    user = User(username="li", full_name="李居民", phone="13812341234")
    assert user.masked_phone == "138****1234"
    assert user.display_name == "李居民"
    assert str(user) == "李居民"
    nameless = User(username="li2")
    assert nameless.display_name == "li2"
    assert str(nameless) == "li2"


@pytest.mark.parametrize("phone", ["13812341234", "19900001111", "0353-1234567", "03531234567", "010-12345678"])
def test_phone_validator_accepts_mobiles_and_landlines(phone: str) -> None:
    phone_validator(phone)


@pytest.mark.parametrize("phone", ["12812341234", "1381234123", "138123412345", "abc", "0353-12", "+8613812341234"])
def test_phone_validator_refuses_other_numbers(phone: str) -> None:
    with pytest.raises(ValidationError):
        phone_validator(phone)


# Unique names


def test_district_names_are_unique(world: Any) -> None:
    _violates(District, name="城区")


def test_street_names_are_unique_within_a_district(world: Any) -> None:
    _violates(Street, district=world.district, name="上站街道")
    other_district = District.objects.create(name="矿区")
    assert Street.objects.create(district=other_district, name="上站街道").pk


def test_community_names_are_unique_within_a_street(world: Any) -> None:
    _violates(Community, street=world.street, name="小阳泉北社区")
    assert Community.objects.create(street=world.other_street, name="小阳泉北社区").pk


def test_estate_names_are_unique_within_a_community(world: Any) -> None:
    _violates(Estate, community=world.community, name="蕴园小区")
    assert Estate.objects.create(community=world.other_community, name="蕴园小区").pk


def test_building_names_are_unique_within_an_estate(world: Any) -> None:
    _violates(Building, estate=world.estate, name="3号楼")
    assert Building.objects.create(estate=world.other_estate, name="3号楼").pk


def test_unit_names_are_unique_within_a_building(world: Any) -> None:
    _violates(Unit, building=world.building, name="3单元")
    assert Unit.objects.create(building=world.building, name="4单元").pk


def test_household_rooms_are_unique_within_a_unit(world: Any) -> None:
    _violates(Household, unit=world.unit, room="501", floor=5, floor_area=Decimal("60"))
    other_unit = Unit.objects.create(building=world.building, name="4单元")
    assert Household.objects.create(unit=other_unit, room="501", floor=5, floor_area=Decimal("60")).pk


def test_organisation_names_are_unique_per_community_and_kind(world: Any) -> None:
    _violates(Organisation, community=world.community, kind="owners_committee", name="蕴园小区业主委员会")
    assert Organisation.objects.create(community=world.community, kind="party_branch", name="蕴园小区业主委员会").pk
    assert Organisation.objects.create(
        community=world.other_community, kind="owners_committee", name="蕴园小区业主委员会"
    ).pk


# Check constraints


@pytest.mark.parametrize("area", [Decimal("0"), Decimal("-1.00")])
def test_household_floor_area_must_be_positive(world: Any, area: Decimal) -> None:
    _violates(Household, unit=world.unit, room="601", floor=6, floor_area=area)


@pytest.mark.parametrize("floor", [-6, 201])
def test_household_floor_must_lie_between_minus_five_and_two_hundred(world: Any, floor: int) -> None:
    _violates(Household, unit=world.unit, room="X1", floor=floor, floor_area=Decimal("50"))


@pytest.mark.parametrize("floor", [-5, 200])
def test_household_floor_bounds_are_allowed(world: Any, floor: int) -> None:
    assert Household.objects.create(unit=world.unit, room=f"B{floor}", floor=floor, floor_area=Decimal("50")).pk


@pytest.mark.parametrize("floors", [0, 201])
def test_building_floors_must_lie_between_one_and_two_hundred(world: Any, floors: int) -> None:
    _violates(Building, estate=world.estate, name="9号楼", floors=floors)


@pytest.mark.parametrize("year", [1899, 2101])
def test_building_built_year_must_be_plausible(world: Any, year: int) -> None:
    _violates(Building, estate=world.estate, name="9号楼", built_year=year)


@pytest.mark.parametrize("year", [1899, 2101])
def test_estate_built_year_must_be_plausible(world: Any, year: int) -> None:
    _violates(Estate, community=world.community, name="新小区", built_year=year)


def test_estate_management_mode_must_be_a_known_one(world: Any) -> None:
    _violates(Estate, community=world.community, name="新小区", management_mode="anarchy")


def test_organisation_kind_must_be_a_known_one(world: Any) -> None:
    _violates(Organisation, community=world.community, kind="club", name="棋牌社")


# Memberships: the scope column must match the role


def test_resident_membership_with_a_community_is_refused(world: Any) -> None:
    user = User.objects.create_user("m1")
    _violates(Membership, user=user, role="resident", community=world.community)


def test_resident_membership_with_household_and_community_is_refused(world: Any) -> None:
    user = User.objects.create_user("m1")
    _violates(Membership, user=user, role="resident", household=world.household, community=world.community)


def test_membership_without_any_scope_is_refused(world: Any) -> None:
    user = User.objects.create_user("m1")
    _violates(Membership, user=user, role="community_staff")


def test_committee_membership_with_a_household_is_refused(world: Any) -> None:
    user = User.objects.create_user("m1")
    _violates(Membership, user=user, role="committee_member", household=world.household)


def test_street_admin_membership_with_a_district_is_refused(world: Any) -> None:
    user = User.objects.create_user("m1")
    _violates(Membership, user=user, role="street_admin", district=world.district)


def test_unknown_role_is_refused(world: Any) -> None:
    user = User.objects.create_user("m1")
    _violates(Membership, user=user, role="king", community=world.community)


@pytest.mark.parametrize(
    ("role", "scope_attr", "field"),
    [
        ("district_admin", "district", "district"),
        ("street_admin", "street", "street"),
        ("community_staff", "community", "community"),
        ("resident", "household", "household"),
        ("committee_member", "committee_org", "organisation"),
        ("property_staff", "property_org", "organisation"),
        ("mediator", "mediation_org", "organisation"),
        ("organisation_member", "committee_org", "organisation"),
    ],
)
def test_each_role_is_stored_with_its_own_scope(world: Any, role: str, scope_attr: str, field: str) -> None:
    user = User.objects.create_user("m1", full_name="成员")
    scope = getattr(world, scope_attr)
    membership = Membership.objects.create(user=user, role=role, **{field: scope})
    assert membership.scope_field == field
    assert membership.scope_object == scope
    assert str(membership) == f"成员 · {membership.get_role_display()} · {scope}"


def test_the_same_role_over_the_same_scope_is_held_once(world: Any) -> None:
    user = User.objects.create_user("m1")
    Membership.objects.create(user=user, role="community_staff", community=world.community)
    _violates(Membership, user=user, role="community_staff", community=world.community)
    assert Membership.objects.create(user=user, role="community_staff", community=world.other_community).pk


def test_active_memberships_leave_out_ended_ones(world: Any) -> None:
    user = User.objects.create_user("m1")
    current = Membership.objects.create(user=user, role="community_staff", community=world.community)
    Membership.objects.create(user=user, role="community_staff", community=world.other_community, ended_on="2024-01-01")
    assert list(Membership.objects.filter(user=user).active()) == [current]


# Field validation (what full_clean, and so the services, refuse with a message)


def test_household_full_clean_names_the_bad_fields(world: Any) -> None:
    household = Household(unit=world.unit, room="701", floor=201, floor_area=Decimal("0"))
    with pytest.raises(ValidationError) as caught:
        household.full_clean()
    assert set(caught.value.message_dict) == {"floor", "floor_area"}


def test_building_full_clean_refuses_zero_floors(world: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        Building(estate=world.estate, name="9号楼", floors=0).full_clean()
    assert "floors" in caught.value.message_dict


def test_estate_full_clean_refuses_a_latitude_beyond_the_pole(world: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        Estate(community=world.community, name="新小区", latitude=Decimal("91")).full_clean()
    assert "latitude" in caught.value.message_dict


# Labels


def test_unit_and_household_labels_read_as_residents_say_them(world: Any) -> None:
    assert str(world.unit) == "3号楼3单元"
    assert str(world.household) == "3号楼3单元501"
    assert str(world.estate) == "蕴园小区"
    assert str(world.building) == "3号楼"
    assert str(world.community) == "小阳泉北社区"
    assert str(world.street) == "上站街道"
    assert str(world.district) == "城区"
    assert str(world.committee_org) == "蕴园小区业主委员会"


def test_estate_with_counts_counts_buildings_and_households(world: Any) -> None:
    Building.objects.create(estate=world.estate, name="4号楼")
    estate = Estate.objects.with_counts().get(pk=world.estate.pk)
    assert (estate.building_count, estate.household_count) == (2, 2)
    empty = Estate.objects.create(community=world.community, name="空小区")
    empty = Estate.objects.with_counts().get(pk=empty.pk)
    assert (empty.building_count, empty.household_count) == (0, 0)
