"""Every write to the registry and every guard in front of it (estates/services.py)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError

from estates import services
from estates.errors import Conflict, Invalid, NotAllowed
from estates.models import Building, Estate, Household, Membership, Organisation, Unit, User
from estates.permissions import can_manage_estate
from estates.scope import scope_of

# Estates


def test_staff_registers_an_estate_in_their_community(world: Any, staff: User) -> None:
    estate = services.create_estate(world.community, by=staff, name="新园小区", built_year=1995)
    assert estate.pk
    assert (estate.community, estate.name, estate.built_year) == (world.community, "新园小区", 1995)
    assert estate.management_mode == Estate.ManagementMode.NONE


def test_new_estate_is_in_the_registering_staffs_scope_at_once(world: Any, staff: User) -> None:
    scope_of(staff)  # cached before the write
    estate = services.create_estate(world.community, by=staff, name="新园小区")
    assert estate.pk in scope_of(staff).staff_estate_ids
    assert can_manage_estate(staff, estate)


def test_street_admin_registers_an_estate_in_any_community_of_the_street(world: Any, street_admin: User) -> None:
    assert services.create_estate(world.community, by=street_admin, name="新园小区").pk


@pytest.mark.parametrize("persona", ["outsider", "resident", "committee", "property_staff", "mediator"])
def test_others_cannot_register_an_estate(world: Any, persona: str, request: Any) -> None:
    user = request.getfixturevalue(persona)
    with pytest.raises(NotAllowed):
        services.create_estate(world.community, by=user, name="新园小区")
    assert not Estate.objects.filter(name="新园小区").exists()


def test_anonymous_cannot_register_an_estate(world: Any) -> None:
    with pytest.raises(NotAllowed):
        services.create_estate(world.community, by=AnonymousUser(), name="新园小区")


def test_registering_a_duplicate_estate_name_is_refused_with_a_message(world: Any, staff: User) -> None:
    with pytest.raises(ValidationError) as caught:
        services.create_estate(world.community, by=staff, name="蕴园小区")
    assert caught.value.messages


def test_registering_an_estate_with_an_implausible_year_is_refused(world: Any, staff: User) -> None:
    with pytest.raises(ValidationError) as caught:
        services.create_estate(world.community, by=staff, name="新园小区", built_year=1800)
    assert "built_year" in caught.value.message_dict


def test_staff_updates_their_estate(world: Any, staff: User) -> None:
    estate = services.update_estate(world.estate, by=staff, address="城区北大街1号", management_mode="self_managed")
    world.estate.refresh_from_db()
    assert (world.estate.address, world.estate.management_mode) == ("城区北大街1号", "self_managed")
    assert estate.address == "城区北大街1号"


def test_update_without_changes_is_harmless(world: Any, staff: User) -> None:
    before = Estate.objects.get(pk=world.estate.pk).updated_at
    services.update_estate(world.estate, by=staff, name="蕴园小区")
    assert Estate.objects.get(pk=world.estate.pk).updated_at == before


@pytest.mark.parametrize("persona", ["outsider", "resident", "committee", "property_staff"])
def test_others_cannot_update_an_estate(world: Any, persona: str, request: Any) -> None:
    with pytest.raises(NotAllowed):
        services.update_estate(world.estate, by=request.getfixturevalue(persona), name="改名")
    world.estate.refresh_from_db()
    assert world.estate.name == "蕴园小区"


def test_staff_cannot_move_an_estate_to_a_community_they_do_not_staff(world: Any, staff: User) -> None:
    with pytest.raises(NotAllowed):
        services.update_estate(world.estate, by=staff, community=world.other_community)
    world.estate.refresh_from_db()
    assert world.estate.community == world.community


def test_superuser_moves_an_estate_between_communities(world: Any, superuser: User) -> None:
    services.update_estate(world.estate, by=superuser, community=world.other_community)
    world.estate.refresh_from_db()
    assert world.estate.community == world.other_community


# Buildings


def test_staff_adds_a_building(world: Any, staff: User) -> None:
    building = services.create_building(world.estate, by=staff, name="1号楼", floors=7, has_lift=True)
    assert (building.estate, building.floors, building.has_lift) == (world.estate, 7, True)


@pytest.mark.parametrize("persona", ["outsider", "resident", "committee"])
def test_others_cannot_add_a_building(world: Any, persona: str, request: Any) -> None:
    with pytest.raises(NotAllowed):
        services.create_building(world.estate, by=request.getfixturevalue(persona), name="1号楼")


def test_building_with_zero_floors_is_refused(world: Any, staff: User) -> None:
    with pytest.raises(ValidationError) as caught:
        services.create_building(world.estate, by=staff, name="1号楼", floors=0)
    assert "floors" in caught.value.message_dict


def test_staff_updates_a_building_but_cannot_move_it(world: Any, staff: User) -> None:
    building = services.update_building(world.building, by=staff, has_lift=True, estate=world.other_estate)
    assert building.has_lift
    assert building.estate_id == world.estate.pk


def test_outsider_cannot_update_a_building(world: Any, outsider: User) -> None:
    with pytest.raises(NotAllowed):
        services.update_building(world.building, by=outsider, has_lift=True)


def test_building_cannot_shrink_below_its_highest_household(world: Any, staff: User) -> None:
    with pytest.raises(Invalid) as caught:
        services.update_building(world.building, by=staff, floors=4)
    assert caught.value.field == "floors"
    assert "5" in str(caught.value.message)
    assert services.update_building(world.building, by=staff, floors=5).floors == 5


def test_empty_building_is_deleted_with_its_units(world: Any, staff: User) -> None:
    building = Building.objects.create(estate=world.estate, name="9号楼")
    Unit.objects.create(building=building, name="1单元")
    services.delete_building(building, by=staff)
    assert not Building.objects.filter(pk=building.pk).exists()
    assert not Unit.objects.filter(building_id=building.pk).exists()


def test_building_with_households_is_not_deleted(world: Any, staff: User) -> None:
    with pytest.raises(Conflict):
        services.delete_building(world.building, by=staff)
    assert Building.objects.filter(pk=world.building.pk).exists()


def test_outsider_cannot_delete_a_building(world: Any, outsider: User) -> None:
    building = Building.objects.create(estate=world.estate, name="9号楼")
    with pytest.raises(NotAllowed):
        services.delete_building(building, by=outsider)


# Units


def test_staff_adds_renames_and_deletes_a_unit(world: Any, staff: User) -> None:
    unit = services.create_unit(world.building, by=staff, name="4单元")
    assert unit.building == world.building
    unit = services.update_unit(unit, by=staff, name="5单元", building=Building(pk=999))
    assert (unit.name, unit.building_id) == ("5单元", world.building.pk)
    services.delete_unit(unit, by=staff)
    assert not Unit.objects.filter(pk=unit.pk).exists()


@pytest.mark.parametrize("persona", ["outsider", "resident", "committee"])
def test_others_cannot_add_change_or_delete_units(world: Any, persona: str, request: Any) -> None:
    user = request.getfixturevalue(persona)
    with pytest.raises(NotAllowed):
        services.create_unit(world.building, by=user, name="4单元")
    with pytest.raises(NotAllowed):
        services.update_unit(world.unit, by=user, name="改名")
    with pytest.raises(NotAllowed):
        services.delete_unit(world.unit, by=user)


def test_unit_with_households_is_not_deleted(world: Any, staff: User) -> None:
    with pytest.raises(Conflict):
        services.delete_unit(world.unit, by=staff)


def test_duplicate_unit_name_is_refused(world: Any, staff: User) -> None:
    with pytest.raises(ValidationError):
        services.create_unit(world.building, by=staff, name="3单元")


# Households


def test_staff_registers_a_household(world: Any, staff: User) -> None:
    household = services.create_household(world.unit, by=staff, room="601", floor=6, floor_area=Decimal("80.25"))
    household.refresh_from_db()
    assert (household.unit, household.room, household.floor, household.floor_area) == (
        world.unit,
        "601",
        6,
        Decimal("80.25"),
    )


def test_household_above_the_top_floor_is_refused(world: Any, staff: User) -> None:
    with pytest.raises(Invalid) as caught:
        services.create_household(world.unit, by=staff, room="701", floor=7, floor_area=Decimal("80"))
    assert caught.value.field == "floor"
    assert "3号楼" in str(caught.value.message)


def test_household_below_the_lowest_basement_is_refused(world: Any, staff: User) -> None:
    with pytest.raises(ValidationError) as caught:
        services.create_household(world.unit, by=staff, room="B6", floor=-6, floor_area=Decimal("80"))
    assert "floor" in caught.value.message_dict


def test_duplicate_room_is_a_conflict(world: Any, staff: User) -> None:
    with pytest.raises(Conflict) as caught:
        services.create_household(world.unit, by=staff, room="501", floor=5, floor_area=Decimal("80"))
    assert caught.value.field == "room"


@pytest.mark.parametrize("area", [Decimal("0"), Decimal("-3")])
def test_household_without_a_positive_area_is_refused(world: Any, staff: User, area: Decimal) -> None:
    with pytest.raises(ValidationError) as caught:
        services.create_household(world.unit, by=staff, room="601", floor=6, floor_area=area)
    assert "floor_area" in caught.value.message_dict


@pytest.mark.parametrize("persona", ["outsider", "resident", "committee", "property_staff", "mediator"])
def test_others_cannot_register_a_household(world: Any, persona: str, request: Any) -> None:
    with pytest.raises(NotAllowed):
        services.create_household(
            world.unit, by=request.getfixturevalue(persona), room="601", floor=6, floor_area=Decimal("80")
        )


def test_staff_updates_a_household(world: Any, staff: User) -> None:
    household = services.update_household(world.household, by=staff, floor_area=Decimal("79.00"), room="501A")
    household.refresh_from_db()
    assert (household.room, household.floor_area) == ("501A", Decimal("79.00"))


def test_household_moves_to_another_unit_of_the_same_estate(world: Any, staff: User) -> None:
    unit = Unit.objects.create(building=world.building, name="4单元")
    household = services.update_household(world.household, by=staff, unit=unit)
    assert Household.objects.get(pk=household.pk).unit == unit


def test_household_does_not_move_to_another_estate(world: Any, superuser: User) -> None:
    other_unit = Unit.objects.get(building__estate=world.other_estate)
    with pytest.raises(Invalid) as caught:
        services.update_household(world.household, by=superuser, unit=other_unit)
    assert caught.value.field == "unit"


def test_household_update_above_the_top_floor_is_refused(world: Any, staff: User) -> None:
    with pytest.raises(Invalid):
        services.update_household(world.household, by=staff, floor=9)


def test_household_renamed_to_a_taken_room_is_a_conflict(world: Any, staff: User) -> None:
    with pytest.raises(Conflict):
        services.update_household(world.household, by=staff, room="502")


def test_outsider_cannot_update_a_household(world: Any, outsider: User) -> None:
    with pytest.raises(NotAllowed):
        services.update_household(world.household, by=outsider, floor_area=Decimal("1"))


def test_staff_deletes_an_empty_household(world: Any, staff: User) -> None:
    services.delete_household(world.neighbour_household, by=staff)
    assert not Household.objects.filter(pk=world.neighbour_household.pk).exists()


def test_household_with_residents_is_not_deleted(world: Any, staff: User, resident: User) -> None:
    with pytest.raises(Conflict):
        services.delete_household(world.household, by=staff)
    assert Membership.objects.filter(user=resident, household=world.household).exists()


def test_household_whose_residents_moved_out_is_deleted(world: Any, staff: User, resident: User) -> None:
    Membership.objects.filter(user=resident).update(ended_on=date(2024, 1, 1))
    services.delete_household(world.household, by=staff)
    assert not Household.objects.filter(pk=world.household.pk).exists()


@pytest.mark.parametrize("persona", ["outsider", "resident", "committee"])
def test_others_cannot_delete_a_household(world: Any, persona: str, request: Any) -> None:
    with pytest.raises(NotAllowed):
        services.delete_household(world.neighbour_household, by=request.getfixturevalue(persona))


# Organisations


def test_staff_registers_an_organisation_serving_their_estate(world: Any, staff: User) -> None:
    organisation = services.create_organisation(
        world.community, by=staff, kind="party_branch", name="蕴园小区党支部", estates=[world.estate]
    )
    assert list(organisation.estates.all()) == [world.estate]
    assert organisation.community == world.community


def test_outsider_cannot_register_an_organisation_in_another_community(world: Any, outsider: User) -> None:
    with pytest.raises(NotAllowed):
        services.create_organisation(world.community, by=outsider, kind="party_branch", name="党支部")


def test_organisation_cannot_be_linked_to_an_estate_the_staff_does_not_manage(world: Any, staff: User) -> None:
    with pytest.raises(NotAllowed) as caught:
        services.create_organisation(
            world.community, by=staff, kind="contractor", name="建工集团", estates=[world.other_estate]
        )
    assert caught.value.field == "estates"
    assert not Organisation.objects.filter(name="建工集团").exists()  # the whole write rolled back


def test_organisation_of_an_unknown_kind_is_refused(world: Any, staff: User) -> None:
    with pytest.raises(ValidationError) as caught:
        services.create_organisation(world.community, by=staff, kind="club", name="棋牌社")
    assert "kind" in caught.value.message_dict


def test_staff_updates_an_organisation_but_not_its_community(world: Any, staff: User) -> None:
    organisation = services.update_organisation(
        world.property_org, by=staff, phone="0353-1234567", community=world.other_community
    )
    organisation.refresh_from_db()
    assert (organisation.phone, organisation.community) == ("0353-1234567", world.community)


def test_staff_unlinks_an_organisation_from_its_estates(world: Any, staff: User) -> None:
    services.update_organisation(world.property_org, by=staff, estates=[])
    assert not world.property_org.estates.exists()


def test_organisation_keeps_a_link_the_staff_did_not_make(world: Any, staff: User) -> None:
    world.committee_org.estates.add(world.other_estate)  # linked by an admin above
    services.update_organisation(world.committee_org, by=staff, estates=[world.estate, world.other_estate])
    assert set(world.committee_org.estates.all()) == {world.estate, world.other_estate}


def test_staff_cannot_add_a_link_to_an_estate_they_do_not_manage(world: Any, staff: User) -> None:
    with pytest.raises(NotAllowed):
        services.update_organisation(world.committee_org, by=staff, estates=[world.estate, world.other_estate])
    assert list(world.committee_org.estates.all()) == [world.estate]


@pytest.mark.parametrize("persona", ["outsider", "committee", "resident"])
def test_others_cannot_update_an_organisation(world: Any, persona: str, request: Any) -> None:
    with pytest.raises(NotAllowed):
        services.update_organisation(world.committee_org, by=request.getfixturevalue(persona), name="改名")


# Memberships


def test_staff_makes_a_person_a_resident_of_a_household(world: Any, staff: User) -> None:
    person = User.objects.create_user("newcomer")
    membership = services.add_membership(person, by=staff, role="resident", scope=world.household, is_owner=True)
    assert (membership.household, membership.is_owner, membership.ended_on) == (world.household, True, None)


def test_unknown_role_is_refused(world: Any, staff: User) -> None:
    person = User.objects.create_user("newcomer")
    with pytest.raises(Invalid) as caught:
        services.add_membership(person, by=staff, role="king", scope=world.community)
    assert caught.value.field == "role"


@pytest.mark.parametrize(
    ("role", "scope_attr"),
    [
        ("resident", "community"),
        ("community_staff", "household"),
        ("committee_member", "estate"),
        ("street_admin", "district"),
        ("district_admin", "street"),
    ],
)
def test_role_with_a_scope_of_the_wrong_kind_is_refused(
    world: Any, superuser: User, role: str, scope_attr: str
) -> None:
    person = User.objects.create_user("newcomer")
    with pytest.raises(Invalid) as caught:
        services.add_membership(person, by=superuser, role=role, scope=getattr(world, scope_attr))
    assert caught.value.field == "scope"


@pytest.mark.parametrize(
    ("role", "org_attr"),
    [
        ("committee_member", "property_org"),
        ("committee_member", "mediation_org"),
        ("property_staff", "committee_org"),
        ("mediator", "property_org"),
    ],
)
def test_role_that_does_not_fit_the_organisation_kind_is_refused(
    world: Any, staff: User, role: str, org_attr: str
) -> None:
    person = User.objects.create_user("newcomer")
    with pytest.raises(Invalid) as caught:
        services.add_membership(person, by=staff, role=role, scope=getattr(world, org_attr))
    assert caught.value.field == "role"


@pytest.mark.parametrize(
    ("role", "org_attr"),
    [
        ("committee_member", "committee_org"),
        ("property_staff", "property_org"),
        ("mediator", "mediation_org"),
        ("organisation_member", "property_org"),
        ("organisation_member", "committee_org"),
    ],
)
def test_role_that_fits_the_organisation_kind_is_granted(world: Any, staff: User, role: str, org_attr: str) -> None:
    person = User.objects.create_user("newcomer")
    membership = services.add_membership(person, by=staff, role=role, scope=getattr(world, org_attr), position="委员")
    assert (membership.role, membership.position) == (role, "委员")


def test_committee_member_fits_a_residents_management_committee(world: Any, outsider: User) -> None:
    person = User.objects.create_user("newcomer")
    assert services.add_membership(person, by=outsider, role="committee_member", scope=world.other_committee_org).pk


@pytest.mark.parametrize(
    ("role", "scope_attr"),
    [
        ("resident", "household"),
        ("community_staff", "community"),
        ("committee_member", "committee_org"),
    ],
)
def test_outsider_cannot_grant_a_role_in_another_community(
    world: Any, outsider: User, role: str, scope_attr: str
) -> None:
    person = User.objects.create_user("newcomer")
    with pytest.raises(NotAllowed):
        services.add_membership(person, by=outsider, role=role, scope=getattr(world, scope_attr))
    assert not Membership.objects.filter(user=person).exists()


@pytest.mark.parametrize("persona", ["resident", "committee", "property_staff"])
def test_non_staff_cannot_grant_roles(world: Any, persona: str, request: Any) -> None:
    person = User.objects.create_user("newcomer")
    with pytest.raises(NotAllowed):
        services.add_membership(person, by=request.getfixturevalue(persona), role="resident", scope=world.household)


def test_staff_cannot_grant_street_or_district_roles(world: Any, staff: User, street_admin: User) -> None:
    person = User.objects.create_user("newcomer")
    with pytest.raises(NotAllowed):
        services.add_membership(person, by=staff, role="street_admin", scope=world.street)
    with pytest.raises(NotAllowed):
        services.add_membership(person, by=street_admin, role="district_admin", scope=world.district)


def test_superuser_grants_a_street_admin_role(world: Any, superuser: User) -> None:
    person = User.objects.create_user("newcomer")
    services.add_membership(person, by=superuser, role="street_admin", scope=world.street)
    assert scope_of(person).staff_community_ids == {world.community.pk}


def test_street_admin_grants_community_staff_in_their_street(world: Any, street_admin: User) -> None:
    person = User.objects.create_user("newcomer")
    services.add_membership(person, by=street_admin, role="community_staff", scope=world.community)
    with pytest.raises(NotAllowed):
        services.add_membership(person, by=street_admin, role="community_staff", scope=world.other_community)


def test_granting_a_held_role_again_updates_it_instead_of_duplicating(world: Any, staff: User, resident: User) -> None:
    membership = services.add_membership(resident, by=staff, role="resident", scope=world.household, is_owner=False)
    assert Membership.objects.filter(user=resident, role="resident").count() == 1
    assert membership.is_owner is False


def test_granting_an_ended_role_again_reopens_it(world: Any, staff: User, resident: User) -> None:
    Membership.objects.filter(user=resident).update(ended_on=date(2024, 1, 1))
    membership = services.add_membership(resident, by=staff, role="resident", scope=world.household, is_owner=True)
    membership.refresh_from_db()
    assert membership.ended_on is None
    assert world.household.pk in scope_of(User.objects.get(pk=resident.pk)).household_ids


def test_adding_a_membership_forgets_the_persons_cached_scope(world: Any, staff: User, resident: User) -> None:
    assert scope_of(resident).member_estate_ids == frozenset()
    services.add_membership(resident, by=staff, role="committee_member", scope=world.committee_org)
    assert scope_of(resident).member_estate_ids == {world.estate.pk}


def test_staff_ends_a_membership(world: Any, staff: User, resident: User) -> None:
    membership = Membership.objects.get(user=resident)
    ended = services.end_membership(membership, by=staff, on=date(2025, 6, 30))
    assert ended.ended_on == date(2025, 6, 30)
    membership.refresh_from_db()
    assert membership.ended_on == date(2025, 6, 30)


def test_ending_a_membership_forgets_the_persons_cached_scope(world: Any, staff: User, resident: User) -> None:
    membership = Membership.objects.select_related("user").get(user=resident)
    person = membership.user
    assert scope_of(person).household_ids == {world.household.pk}
    services.end_membership(membership, by=staff, on=date(2025, 6, 30))
    assert scope_of(person).household_ids == frozenset()


@pytest.mark.parametrize("persona", ["outsider", "resident", "committee"])
def test_others_cannot_end_a_membership(world: Any, neighbour: User, persona: str, request: Any) -> None:
    membership = Membership.objects.get(user=neighbour)
    with pytest.raises(NotAllowed):
        services.end_membership(membership, by=request.getfixturevalue(persona), on=date(2025, 6, 30))
    membership.refresh_from_db()
    assert membership.ended_on is None


def test_ending_an_ended_membership_is_a_conflict(world: Any, staff: User, resident: User) -> None:
    membership = Membership.objects.get(user=resident)
    services.end_membership(membership, by=staff, on=date(2025, 6, 30))
    with pytest.raises(Conflict):
        services.end_membership(Membership.objects.get(pk=membership.pk), by=staff, on=date(2025, 7, 1))
    assert Membership.objects.get(pk=membership.pk).ended_on == date(2025, 6, 30)


def test_membership_cannot_end_before_it_started(world: Any, staff: User, resident: User) -> None:
    membership = Membership.objects.get(user=resident)
    Membership.objects.filter(pk=membership.pk).update(started_on=date(2025, 1, 1))
    membership.refresh_from_db()
    with pytest.raises(Invalid):
        services.end_membership(membership, by=staff, on=date(2024, 12, 31))


def test_only_superusers_end_street_roles(world: Any, staff: User, superuser: User, street_admin: User) -> None:
    membership = Membership.objects.get(user=street_admin)
    with pytest.raises(NotAllowed):
        services.end_membership(membership, by=staff, on=date(2025, 6, 30))
    services.end_membership(membership, by=superuser, on=date(2025, 6, 30))
    assert scope_of(User.objects.get(pk=street_admin.pk)).staff_community_ids == frozenset()
