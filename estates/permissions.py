"""Who may do what in the registry: `can_…` predicates and the DRF classes over them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rest_framework.permissions import SAFE_METHODS, BasePermission

from .scope import scope_of

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from .models import Community, Estate, Household, Organisation, User

    Person = User | AnonymousUser


def can_manage_community(user: Person, community: Community | int) -> bool:
    """Community staff, and street or district admins above them."""
    community_id = community if isinstance(community, int) else community.pk
    scope = scope_of(user)
    return scope.is_superuser or community_id in scope.staff_community_ids


def can_manage_estate(user: Person, estate: Estate | int) -> bool:
    """Change the estate's registry: its buildings, units, households and organisations."""
    estate_id = estate if isinstance(estate, int) else estate.pk
    scope = scope_of(user)
    return scope.is_superuser or estate_id in scope.staff_estate_ids


def can_manage_organisation(user: Person, organisation: Organisation) -> bool:
    return can_manage_community(user, organisation.community_id)


def can_view_household(user: Person, household: Household, *, estate_id: int | None = None) -> bool:
    scope = scope_of(user)
    if scope.is_superuser or household.pk in scope.household_ids:
        return True
    estate_id = estate_id if estate_id is not None else household.unit.building.estate_id
    return estate_id in scope.staff_estate_ids or estate_id in scope.member_estate_ids


def can_view_contact(user: Person, person: User, *, estate_ids: set[int] | frozenset[int] = frozenset()) -> bool:
    """See a person's full phone number: the person themself, and the staff of an estate
    the person lives in or serves (PIPL: everyone else sees it masked)."""
    scope = scope_of(user)
    if scope.user_id is not None and scope.user_id == person.pk:
        return True
    if scope.is_superuser:
        return True
    return bool(scope.staff_estate_ids & set(estate_ids))


def can_import_households(user: Person, estate: Estate | int) -> bool:
    return can_manage_estate(user, estate)


class ReadOnlyOrStaff(BasePermission):
    """Anyone may read what `visible_to` lets through; writes need a signed-in user,
    and the service called checks the scope."""

    message = "Sign in to change the registry."

    def has_permission(self, request: Any, view: Any) -> bool:
        if request.method in SAFE_METHODS:
            return True
        return bool(request.user and request.user.is_authenticated)


class SignedIn(BasePermission):
    def has_permission(self, request: Any, view: Any) -> bool:
        return bool(request.user and request.user.is_authenticated)
