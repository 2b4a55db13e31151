"""Who covers what: the scope computed from a person's memberships, and the reads built on it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from estates import permissions
from estates.models import (
    Building,
    Community,
    Estate,
    Household,
    Membership,
    Organisation,
    Street,
    Unit,
    User,
)
from estates.scope import ANONYMOUS, forget_scope, scope_of


@pytest.fixture
def neighbour_community(world: Any) -> Community:
    """A second community of 上站街道, with an estate of its own."""
    community = Community.objects.create(street=world.street, name="小阳泉南社区")
    Estate.objects.create(community=community, name="南园小区")
    return community


@pytest.fixture
def far_district_estate(world: Any) -> Estate:
    """An estate in another district altogether."""
    from estates.models import District

    district = District.objects.create(name="矿区")
    street = Street.objects.create(district=district, name="桥头街道")
    community = Community.objects.create(street=street, name="桥头社区")
    return Estate.objects.create(community=community, name="桥头小区")


def _fresh(user: User) -> User:
    """The same person loaded anew, without a cached scope."""
    return User.objects.get(pk=user.pk)


def test_anonymous_and_none_have_the_empty_scope() -> None:
    assert scope_of(AnonymousUser()) is ANONYMOUS
    assert scope_of(None) is ANONYMOUS
    assert ANONYMOUS.user_id is None
    assert not ANONYMOUS.is_staff_anywhere
    assert ANONYMOUS.private_estate_ids == frozenset()


def test_superuser_scope_is_flagged_and_computed_without_queries(
    superuser: User, django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(0):
        scope = scope_of(superuser)
    assert scope.is_superuser
    assert scope.is_staff_anywhere
    assert scope.roles == frozenset({"superuser"})


def test_community_staff_covers_their_communitys_estates_only(world: Any, staff: User) -> None:
    scope = scope_of(staff)
    assert scope.roles == frozenset({"community_staff"})
    assert scope.staff_community_ids == {world.community.pk}
    assert scope.staff_estate_ids == {world.estate.pk}
    assert scope.member_estate_ids == frozenset()
    assert scope.household_ids == frozenset()
    assert scope.is_staff_anywhere
    assert scope.private_estate_ids == {world.estate.pk}


def test_street_admin_covers_every_community_of_the_street(
    world: Any, street_admin: User, neighbour_community: Community
) -> None:
    scope = scope_of(street_admin)
    assert scope.roles == frozenset({"street_admin"})
    assert scope.staff_community_ids == {world.community.pk, neighbour_community.pk}
    south = Estate.objects.get(name="南园小区")
    assert scope.staff_estate_ids == {world.estate.pk, south.pk}
    assert world.other_estate.pk not in scope.staff_estate_ids


def test_district_admin_covers_every_community_of_the_district(
    world: Any, neighbour_community: Community, far_district_estate: Estate
) -> None:
    admin = User.objects.create_user("district_admin")
    Membership.objects.create(user=admin, role="district_admin", district=world.district)
    scope = scope_of(admin)
    assert scope.staff_community_ids == {world.community.pk, world.other_community.pk, neighbour_community.pk}
    assert scope.staff_estate_ids == set(Estate.objects.exclude(pk=far_district_estate.pk).values_list("pk", flat=True))
    assert far_district_estate.pk not in scope.staff_estate_ids


def test_committee_member_gets_the_estates_their_organisation_serves(world: Any, committee: User) -> None:
    second = Estate.objects.create(community=world.community, name="蕴园二期")
    world.committee_org.estates.add(second)
    scope = scope_of(committee)
    assert scope.member_estate_ids == {world.estate.pk, second.pk}
    assert scope.organisation_ids == {world.committee_org.pk}
    assert scope.organisation_roles == {world.committee_org.pk: frozenset({"committee_member"})}
    assert scope.staff_estate_ids == frozenset()
    assert not scope.is_staff_anywhere


@pytest.mark.parametrize("persona", ["property_staff", "mediator"])
def test_organisation_members_get_their_organisations_estate(world: Any, persona: str, request: Any) -> None:
    user = request.getfixturevalue(persona)
    scope = scope_of(user)
    assert scope.member_estate_ids == {world.estate.pk}
    assert scope.staff_estate_ids == frozenset()
    assert len(scope.organisation_ids) == 1


def test_member_of_an_organisation_serving_no_estate_covers_no_estate(world: Any) -> None:
    branch = Organisation.objects.create(community=world.community, kind="party_branch", name="党支部")
    member = User.objects.create_user("branch")
    Membership.objects.create(user=member, role="organisation_member", organisation=branch)
    scope = scope_of(member)
    assert scope.organisation_ids == {branch.pk}
    assert scope.member_estate_ids == frozenset()


def test_resident_covers_their_household_and_its_estate(world: Any, resident: User) -> None:
    scope = scope_of(resident)
    assert scope.roles == frozenset({"resident"})
    assert scope.household_ids == {world.household.pk}
    assert scope.resident_estate_ids == {world.estate.pk}
    assert scope.staff_estate_ids == frozenset()
    assert scope.member_estate_ids == frozenset()
    assert scope.private_estate_ids == {world.estate.pk}


def test_person_with_several_roles_gets_the_union(world: Any, resident: User) -> None:
    Membership.objects.create(user=resident, role="committee_member", organisation=world.committee_org)
    Membership.objects.create(user=resident, role="community_staff", community=world.other_community)
    scope = scope_of(_fresh(resident))
    assert scope.roles == frozenset({"resident", "committee_member", "community_staff"})
    assert scope.household_ids == {world.household.pk}
    assert scope.member_estate_ids == {world.estate.pk}
    assert scope.staff_estate_ids == {world.other_estate.pk}


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
    ],
)
def test_ended_memberships_count_for_nothing(world: Any, role: str, scope_attr: str, field: str) -> None:
    user = User.objects.create_user("former")
    Membership.objects.create(user=user, role=role, ended_on=date(2024, 1, 1), **{field: getattr(world, scope_attr)})
    scope = scope_of(user)
    assert scope.roles == frozenset()
    assert scope.staff_community_ids == frozenset()
    assert scope.staff_estate_ids == frozenset()
    assert scope.member_estate_ids == frozenset()
    assert scope.organisation_ids == frozenset()
    assert scope.household_ids == frozenset()
    assert scope.private_estate_ids == frozenset()
    assert not Household.objects.visible_to(user).exists()


def test_signed_in_person_without_roles_has_an_empty_scope(world: Any) -> None:
    nobody = User.objects.create_user("nobody")
    scope = scope_of(nobody)
    assert scope.user_id == nobody.pk
    assert scope.roles == frozenset()
    assert scope.private_estate_ids == frozenset()


def test_scope_is_cached_on_the_user_until_forgotten(world: Any, staff: User, django_assert_num_queries: Any) -> None:
    # memberships, then the estates of the staffed communities
    with django_assert_num_queries(2):
        first = scope_of(staff)
    with django_assert_num_queries(0):
        assert scope_of(staff) is first
    Membership.objects.create(user=staff, role="community_staff", community=world.other_community)
    assert scope_of(staff).staff_estate_ids == {world.estate.pk}  # still the cached one
    forget_scope(staff)
    assert scope_of(staff).staff_estate_ids == {world.estate.pk, world.other_estate.pk}


def test_forget_scope_on_a_user_without_a_cache_is_harmless(world: Any) -> None:
    forget_scope(User(username="x"))
    forget_scope(AnonymousUser())


def test_street_admin_scope_costs_three_queries(world: Any, street_admin: User, django_assert_num_queries: Any) -> None:
    # memberships, communities of the street, estates of those communities
    with django_assert_num_queries(3):
        scope_of(street_admin)


def test_resident_scope_costs_one_query(world: Any, resident: User, django_assert_num_queries: Any) -> None:
    # memberships (with the household's estate joined in)
    with django_assert_num_queries(1):
        scope_of(resident)


# Reads built on the scope


def test_households_visible_to_each_persona(
    world: Any,
    staff: User,
    outsider: User,
    resident: User,
    neighbour: User,
    committee: User,
    property_staff: User,
    mediator: User,
    street_admin: User,
    superuser: User,
) -> None:
    ours = {world.household.pk, world.neighbour_household.pk}
    everything = {*ours, world.other_household.pk}

    def visible(user: Any) -> set[int]:
        return set(Household.objects.visible_to(user).values_list("pk", flat=True))

    assert visible(AnonymousUser()) == set()
    assert visible(staff) == ours
    assert visible(outsider) == {world.other_household.pk}
    assert visible(resident) == {world.household.pk}
    assert visible(neighbour) == {world.neighbour_household.pk}
    assert visible(committee) == ours
    assert visible(property_staff) == ours
    assert visible(mediator) == ours
    assert visible(street_admin) == ours
    assert visible(superuser) == everything


def test_households_managed_only_by_staff_in_scope(
    world: Any, staff: User, committee: User, resident: User, outsider: User, superuser: User
) -> None:
    ours = {world.household.pk, world.neighbour_household.pk}
    assert set(Household.objects.managed_by(staff).values_list("pk", flat=True)) == ours
    assert not Household.objects.managed_by(committee).exists()
    assert not Household.objects.managed_by(resident).exists()
    assert not Household.objects.managed_by(AnonymousUser()).exists()
    assert set(Household.objects.managed_by(outsider).values_list("pk", flat=True)) == {world.other_household.pk}
    assert Household.objects.managed_by(superuser).count() == 3


def test_registry_reads_managed_by_staff_follow_the_community(
    world: Any, staff: User, outsider: User, committee: User, superuser: User
) -> None:
    assert list(Community.objects.managed_by(staff)) == [world.community]
    assert list(Estate.objects.managed_by(staff)) == [world.estate]
    assert list(Building.objects.managed_by(staff)) == [world.building]
    assert list(Unit.objects.managed_by(staff)) == [world.unit]
    assert set(Organisation.objects.managed_by(staff)) == {world.committee_org, world.property_org, world.mediation_org}
    assert list(Estate.objects.managed_by(outsider)) == [world.other_estate]
    assert list(Organisation.objects.managed_by(outsider)) == [world.other_committee_org]
    assert not Estate.objects.managed_by(committee).exists()
    assert not Community.objects.managed_by(AnonymousUser()).exists()
    assert Estate.objects.managed_by(superuser).count() == 2
    assert Community.objects.managed_by(superuser).count() == 2
    assert Building.objects.managed_by(superuser).count() == 2
    assert Unit.objects.managed_by(superuser).count() == 2
    assert Organisation.objects.managed_by(superuser).count() == 4


def test_public_registry_reads_are_visible_to_anyone(world: Any) -> None:
    anonymous = AnonymousUser()
    assert Community.objects.visible_to(anonymous).count() == 2
    assert Estate.objects.visible_to(anonymous).count() == 2
    assert Building.objects.visible_to(anonymous).count() == 2
    assert Unit.objects.visible_to(anonymous).count() == 2
    assert Organisation.objects.visible_to(anonymous).count() == 4


def test_memberships_visible_to_the_person_and_staff_over_the_scope(
    world: Any, staff: User, outsider: User, resident: User, neighbour: User, committee: User, superuser: User
) -> None:
    def roles_seen(user: Any) -> set[str]:
        return set(Membership.objects.visible_to(user).values_list("user__username", flat=True))

    assert roles_seen(AnonymousUser()) == set()
    assert roles_seen(resident) == {"resident"}
    assert roles_seen(staff) == {"staff", "resident", "neighbour", "committee"}
    assert roles_seen(outsider) == {"outsider"}
    assert roles_seen(committee) == {"committee"}
    assert roles_seen(superuser) == {"staff", "outsider", "resident", "neighbour", "committee"}


# Predicates


def test_can_manage_estate_and_community(world: Any, staff: User, outsider: User, street_admin: User) -> None:
    assert permissions.can_manage_estate(staff, world.estate)
    assert permissions.can_manage_estate(staff, world.estate.pk)
    assert not permissions.can_manage_estate(staff, world.other_estate)
    assert permissions.can_manage_community(staff, world.community)
    assert not permissions.can_manage_community(outsider, world.community)
    assert permissions.can_manage_estate(street_admin, world.estate)
    assert not permissions.can_manage_estate(street_admin, world.other_estate)
    assert not permissions.can_manage_estate(AnonymousUser(), world.estate)
    assert permissions.can_manage_organisation(staff, world.committee_org)
    assert not permissions.can_manage_organisation(outsider, world.committee_org)
    assert permissions.can_import_households(staff, world.estate)
    assert not permissions.can_import_households(outsider, world.estate)


def test_can_view_household(world: Any, staff: User, outsider: User, resident: User, committee: User) -> None:
    assert permissions.can_view_household(staff, world.household)
    assert permissions.can_view_household(committee, world.household)
    assert permissions.can_view_household(resident, world.household)
    assert not permissions.can_view_household(resident, world.neighbour_household)
    assert not permissions.can_view_household(outsider, world.household)
    assert not permissions.can_view_household(AnonymousUser(), world.household)
    assert permissions.can_view_household(staff, world.household, estate_id=world.estate.pk)


def test_can_view_contact_only_self_superuser_and_staff_in_scope(
    world: Any, staff: User, outsider: User, resident: User, committee: User, superuser: User
) -> None:
    estates = {world.estate.pk}
    assert permissions.can_view_contact(resident, resident)
    assert permissions.can_view_contact(staff, resident, estate_ids=estates)
    assert permissions.can_view_contact(superuser, resident)
    assert not permissions.can_view_contact(staff, resident)  # no estate in common given
    assert not permissions.can_view_contact(outsider, resident, estate_ids=estates)
    assert not permissions.can_view_contact(committee, resident, estate_ids=estates)
    assert not permissions.can_view_contact(AnonymousUser(), resident, estate_ids=estates)


def test_new_household_in_a_staffed_estate_is_visible_at_once(world: Any, staff: User) -> None:
    scope_of(staff)
    household = Household.objects.create(unit=world.unit, room="601", floor=6, floor_area=Decimal("70"))
    assert Household.objects.visible_to(staff).filter(pk=household.pk).exists()
