"""What a person may see and change: their scope, computed once per request.

Every `visible_to(user)` and `can_…` predicate reads from here, so that a list and a
detail view can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Q

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from .models import User

_CACHE_ATTR = "_huanxin_scope"


@dataclass(frozen=True)
class Scope:
    user_id: int | None = None
    is_superuser: bool = False
    roles: frozenset[str] = frozenset()
    # Estates and communities whose registry and private data the user administers.
    staff_community_ids: frozenset[int] = frozenset()
    staff_estate_ids: frozenset[int] = frozenset()
    # Estates served by an organisation the user belongs to (committee, company, team).
    member_estate_ids: frozenset[int] = frozenset()
    organisation_ids: frozenset[int] = frozenset()
    # Households the user lives in, and their estates.
    household_ids: frozenset[int] = frozenset()
    resident_estate_ids: frozenset[int] = frozenset()
    # organisation id -> role held there (committee_member, property_staff, …)
    organisation_roles: dict[int, frozenset[str]] = field(default_factory=dict)

    @property
    def is_staff_anywhere(self) -> bool:
        return self.is_superuser or bool(self.staff_community_ids)

    @property
    def private_estate_ids(self) -> frozenset[int]:
        """Estates whose private (non-public) information the user may read."""
        return self.staff_estate_ids | self.member_estate_ids | self.resident_estate_ids


ANONYMOUS = Scope()


def scope_of(user: User | AnonymousUser | None) -> Scope:
    """The user's scope, cached on the user object (one per request)."""
    if user is None or not user.is_authenticated:
        return ANONYMOUS
    cached: Scope | None = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    scope = _compute(user)  # type: ignore[arg-type]
    setattr(user, _CACHE_ATTR, scope)
    return scope


def forget_scope(user: Any) -> None:
    """Drop a cached scope after the user's memberships change."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def _compute(user: User) -> Scope:
    from .models import Community, Estate, Membership

    if user.is_superuser:
        return Scope(user_id=user.pk, is_superuser=True, roles=frozenset({"superuser"}))

    memberships = list(
        Membership.objects.active()
        .filter(user=user)
        .values_list(
            "role",
            "district_id",
            "street_id",
            "community_id",
            "household_id",
            "household__unit__building__estate_id",
            "organisation_id",
        )
    )
    roles: set[str] = set()
    districts: set[int] = set()
    streets: set[int] = set()
    communities: set[int] = set()
    households: set[int] = set()
    resident_estates: set[int] = set()
    organisation_roles: dict[int, set[str]] = {}
    for role, district_id, street_id, community_id, household_id, household_estate_id, organisation_id in memberships:
        roles.add(role)
        if district_id:
            districts.add(district_id)
        if street_id:
            streets.add(street_id)
        if community_id:
            communities.add(community_id)
        if household_id:
            households.add(household_id)
            resident_estates.add(household_estate_id)
        if organisation_id:
            organisation_roles.setdefault(organisation_id, set()).add(role)

    staff_communities: set[int] = set(communities)
    if districts or streets:
        staff_communities |= set(
            Community.objects.filter(Q(street_id__in=streets) | Q(street__district_id__in=districts)).values_list(
                "id", flat=True
            )
        )
    staff_estates: set[int] = set()
    member_estates: set[int] = set()
    if staff_communities or organisation_roles:
        rows = Estate.objects.filter(
            Q(community_id__in=staff_communities) | Q(organisations__id__in=list(organisation_roles))
        ).values_list("id", "community_id", "organisations__id")
        for estate_id, community_id, organisation_id in rows:
            if community_id in staff_communities:
                staff_estates.add(estate_id)
            if organisation_id in organisation_roles:
                member_estates.add(estate_id)

    return Scope(
        user_id=user.pk,
        roles=frozenset(roles),
        staff_community_ids=frozenset(staff_communities),
        staff_estate_ids=frozenset(staff_estates),
        member_estate_ids=frozenset(member_estates),
        organisation_ids=frozenset(organisation_roles),
        household_ids=frozenset(households),
        resident_estate_ids=frozenset(resident_estates),
        organisation_roles={k: frozenset(v) for k, v in organisation_roles.items()},
    )
