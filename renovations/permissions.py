"""Who may do what with renovation projects: `can_…` predicates over estates.scope."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

from estates.models import Membership
from estates.scope import scope_of

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from estates.models import Estate, User

    from .models import Project

    Person = User | AnonymousUser


def can_manage_estate_projects(user: Person, estate: Estate | int) -> bool:
    """Create projects in an estate: its community's staff and the admins above them."""
    estate_id = estate if isinstance(estate, int) else estate.pk
    scope = scope_of(user)
    return scope.is_superuser or estate_id in scope.staff_estate_ids


def can_manage_project(user: Person, project: Project) -> bool:
    """Edit and move a project, keep its ledger, post updates and photos, record inspections
    and paper ballots."""
    return can_manage_estate_projects(user, project.estate_id)


def owned_household_ids(user: Person) -> frozenset[int]:
    """Households the user owns: an active resident role marked as owner."""
    if user is None or not user.is_authenticated:
        return frozenset()
    return frozenset(
        Membership.objects.active()
        .filter(user=user, role=Membership.Role.RESIDENT, is_owner=True)
        .values_list("household_id", flat=True)
    )


def can_vote_for(user: Person, household_id: int) -> bool:
    """Cast a ballot online for a household: its owners."""
    return household_id in owned_household_ids(user)


def can_read_ballots(user: Person, project: Project) -> bool:
    """List a project's ballots: the estate's staff (all of them) and owners of a household
    in the estate (their own)."""
    if can_manage_project(user, project):
        return True
    return bool(owned_household_ids(user)) and bool(scope_of(user).resident_estate_ids & {project.estate_id})


def can_see_cost_share(user: Person, project: Project, household_id: int) -> bool:
    """A household's share of a lift's cost: the estate's staff, and the household's own residents."""
    return can_manage_project(user, project) or household_id in scope_of(user).household_ids


class ReadOnlyOrSignedIn(BasePermission):
    """Anyone may read what `visible_to` lets through; writes need a signed-in user, and the
    service called checks the scope."""

    message = _("Sign in to change renovation projects.")

    def has_permission(self, request: Any, view: Any) -> bool:
        if request.method in SAFE_METHODS:
            return True
        return bool(request.user and request.user.is_authenticated)
