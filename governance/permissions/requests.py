"""Who may do what with resident requests: `can_…` predicates and the DRF classes over them.

The services check these before every move; the API lists them as a request's `actions`.
They read the user's scope (estates.scope) and, for the property-company and committee
roles, which estates those organisations serve (one query per user, cached like the scope).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from rest_framework.permissions import SAFE_METHODS, BasePermission

from estates.models import Membership, Organisation
from estates.scope import scope_of

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from estates.models import User

    from ..models import ResidentRequest

    Person = User | AnonymousUser

# The position that decides payments alone under the "director" rule.
DIRECTOR_POSITIONS = frozenset({"主任"})
_CACHE_ATTR = "_huanxin_request_roles"


@dataclass(frozen=True)
class RequestRoles:
    """The organisation roles that matter for requests, with the estates each serves."""

    # property company id -> estates it serves (the user is staff of the company)
    company_estates: dict[int, frozenset[int]]
    committee_estates: frozenset[int]
    director_estates: frozenset[int]

    def companies_serving(self, estate_id: int) -> list[int]:
        return sorted(org_id for org_id, estates in self.company_estates.items() if estate_id in estates)


NO_ROLES = RequestRoles(company_estates={}, committee_estates=frozenset(), director_estates=frozenset())


def roles_of(user: Person | None) -> RequestRoles:
    """The user's company and committee roles, cached on the user object with their scope."""
    scope = scope_of(user)
    if scope.is_superuser or not scope.roles & {"property_staff", "committee_member"}:
        return NO_ROLES
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None and cached[0] is scope:
        return cached[1]
    rows = (
        Membership.objects.active()
        .filter(
            user_id=scope.user_id,
            role__in=["property_staff", "committee_member"],
            organisation__kind__in=[Organisation.Kind.PROPERTY_COMPANY, *Organisation.COMMITTEE_KINDS],
        )
        .values_list("role", "position", "organisation_id", "organisation__kind", "organisation__estates")
    )
    companies: dict[int, set[int]] = {}
    committee: set[int] = set()
    director: set[int] = set()
    for role, position, org_id, kind, estate_id in rows:
        if role == "property_staff" and kind == Organisation.Kind.PROPERTY_COMPANY:
            estates = companies.setdefault(org_id, set())
            if estate_id:
                estates.add(estate_id)
        elif role == "committee_member" and kind in Organisation.COMMITTEE_KINDS and estate_id:
            committee.add(estate_id)
            if position.strip() in DIRECTOR_POSITIONS:
                director.add(estate_id)
    roles = RequestRoles(
        company_estates={org_id: frozenset(estates) for org_id, estates in companies.items()},
        committee_estates=frozenset(committee),
        director_estates=frozenset(director),
    )
    setattr(user, _CACHE_ATTR, (scope, roles))
    return roles


# ---------------------------------------------------------------- who someone is to a request


def is_estate_staff(user: Person | None, estate_id: int) -> bool:
    """Community staff of the estate, and admins above them."""
    scope = scope_of(user)
    return scope.is_superuser or estate_id in scope.staff_estate_ids


def is_estate_resident(user: Person | None, estate_id: int) -> bool:
    return estate_id in scope_of(user).resident_estate_ids


def company_for(user: Person | None, estate_id: int) -> int | None:
    """The property company (id) through which the user serves the estate, if any."""
    companies = roles_of(user).companies_serving(estate_id)
    return companies[0] if companies else None


def serves_estate(user: Person | None, estate_id: int) -> bool:
    """Staff of a property company that serves the estate."""
    return company_for(user, estate_id) is not None


def staffs_company(user: Person | None, organisation_id: int | None) -> bool:
    return organisation_id is not None and "property_staff" in scope_of(user).organisation_roles.get(
        organisation_id, frozenset()
    )


def is_committee_member(user: Person | None, estate_id: int) -> bool:
    return estate_id in roles_of(user).committee_estates


def is_committee_director(user: Person | None, estate_id: int) -> bool:
    return estate_id in roles_of(user).director_estates


def is_requester(user: Person | None, request: ResidentRequest) -> bool:
    """The resident the request is for, or the person who filed it for them."""
    user_id = scope_of(user).user_id
    return user_id is not None and user_id in (request.on_behalf_of_id, request.filed_by_id)


def is_handler(user: Person | None, request: ResidentRequest) -> bool:
    """Who works on the request: the company that took it; the community once routed to it;
    before either, anyone who could take it (so that a move in the wrong state is a 409)."""
    if request.accepted_by_organisation_id is not None:
        return staffs_company(user, request.accepted_by_organisation_id)
    if request.routed_at is not None:
        return is_estate_staff(user, request.estate_id)
    return serves_estate(user, request.estate_id) or is_estate_staff(user, request.estate_id)


# ---------------------------------------------------------------- what they may do


def can_file(user: Person | None, estate_id: int) -> bool:
    """Residents file for themselves; community staff file on a resident's behalf."""
    return is_estate_resident(user, estate_id) or is_estate_staff(user, estate_id)


def can_accept(user: Person | None, request: ResidentRequest) -> bool:
    return serves_estate(user, request.estate_id)


def can_route(user: Person | None, request: ResidentRequest) -> bool:
    return serves_estate(user, request.estate_id) or is_estate_staff(user, request.estate_id)


def can_start(user: Person | None, request: ResidentRequest) -> bool:
    return is_handler(user, request)


def can_quote(user: Person | None, request: ResidentRequest) -> bool:
    """Only a property company quotes: the one that took the request."""
    if request.accepted_by_organisation_id is not None:
        return staffs_company(user, request.accepted_by_organisation_id)
    return request.routed_at is None and serves_estate(user, request.estate_id)


def can_decide_payment(user: Person | None, request: ResidentRequest) -> bool:
    """Committee members of the estate vote; whether one vote decides is the estate's rule."""
    return is_committee_member(user, request.estate_id)


def can_resolve(user: Person | None, request: ResidentRequest) -> bool:
    return is_handler(user, request)


def can_confirm(user: Person | None, request: ResidentRequest) -> bool:
    return is_requester(user, request)


def can_reopen(user: Person | None, request: ResidentRequest) -> bool:
    return is_requester(user, request)


def can_withdraw(user: Person | None, request: ResidentRequest) -> bool:
    return is_requester(user, request)


def can_reject(user: Person | None, request: ResidentRequest) -> bool:
    """Routed requests are the community's to turn down; others also the company's."""
    if request.routed_at is not None:
        return is_estate_staff(user, request.estate_id)
    return serves_estate(user, request.estate_id) or is_estate_staff(user, request.estate_id)


def can_escalate(user: Person | None, request: ResidentRequest) -> bool:
    """Community staff at any time; the resident when the request is late (checked by the service)."""
    return is_estate_staff(user, request.estate_id) or is_requester(user, request)


def can_add_photo(user: Person | None, request: ResidentRequest) -> bool:
    return is_requester(user, request) or is_estate_staff(user, request.estate_id) or is_handler(user, request)


def can_see_people(user: Person | None, request: ResidentRequest) -> bool:
    """The resident's name and phone (PIPL): community staff, the staff of the company that
    took the request, and the resident (or their filer) themself."""
    return (
        is_estate_staff(user, request.estate_id)
        or staffs_company(user, request.accepted_by_organisation_id)
        or is_requester(user, request)
    )


def payment_rule_of(request: ResidentRequest) -> str:
    """The estate's payment rule, without creating a policy (read it with `estate__request_policy`)."""
    from ..models import EstatePolicy

    try:
        return request.estate.request_policy.payment_rule
    except EstatePolicy.DoesNotExist:
        return EstatePolicy.PaymentRule.DIRECTOR


def allowed_actions(user: Person | None, request: ResidentRequest, *, now: datetime | None = None) -> list[str]:
    """The API actions (as in /requests/{id}/<action>/) the user may take on the request now."""
    from ..models import ResidentRequest

    scope = scope_of(user)
    if scope.user_id is None:
        return []
    S = ResidentRequest.Status
    status = request.status
    actions: list[str] = []

    def offer(name: str, to: str, allowed: bool) -> None:
        if allowed and to in ResidentRequest.TRANSITIONS[status]:
            actions.append(name)

    offer("accept", S.ACCEPTED, can_accept(user, request))
    offer("route", S.ROUTED, can_route(user, request))
    offer("start", S.IN_PROGRESS, status in (S.ACCEPTED, S.ROUTED) and can_start(user, request))
    offer("quote", S.AWAITING_PAYMENT, can_quote(user, request))
    # `viewer_has_voted` is annotated by the API's queryset; without it, the service answers a second vote.
    deciders = (
        can_decide_payment(user, request)
        and not getattr(request, "viewer_has_voted", False)
        and (payment_rule_of(request) == "majority" or is_committee_director(user, request.estate_id))
    )
    offer("approve-payment", S.IN_PROGRESS, status == S.AWAITING_PAYMENT and deciders)
    offer("reject-payment", S.IN_PROGRESS, status == S.AWAITING_PAYMENT and deciders)
    offer("resolve", S.RESOLVED, can_resolve(user, request))
    offer("confirm", S.CLOSED, can_confirm(user, request))
    offer("reopen", S.IN_PROGRESS, status == S.RESOLVED and can_reopen(user, request))
    offer("withdraw", S.WITHDRAWN, can_withdraw(user, request))
    offer("reject", S.REJECTED, can_reject(user, request))
    if (
        request.escalated_at is None
        and status in ResidentRequest.OPEN_STATUSES
        and (
            is_estate_staff(user, request.estate_id)
            or (is_requester(user, request) and (request.is_overdue(now) or request.is_not_taken_in_time(now)))
        )
    ):
        actions.append("escalate")
    return actions


class ReadOrSignedIn(BasePermission):
    """Anyone may read what `visible_to` lets through (the public: nothing but the figures);
    every action needs a signed-in user, and the service called checks the rest."""

    message = "Sign in to file or handle requests."

    def has_permission(self, request: Any, view: Any) -> bool:
        if request.method in SAFE_METHODS:
            return True
        return bool(request.user and request.user.is_authenticated)
