"""Who may do what with disputes (纠纷): `can_…` predicates, read by the services and the API.

A dispute is seen only by its parties (the residents of a party household and the person
speaking for one), its mediators (those assigned, and the dispute-mediation team serving the
estate, who pick disputes up) and the estate's staff. Names and phone numbers of the parties
are for the staff and the mediators alone (PIPL): the parties see each other's household.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from estates.models import Membership, Organisation
from estates.scope import scope_of

from .requests import is_estate_resident, is_estate_staff

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from estates.models import User

    from ..models import Dispute

    Person = User | AnonymousUser

_CACHE_ATTR = "_huanxin_mediation_estates"


def mediation_estate_ids(user: Person | None) -> frozenset[int]:
    """Estates served by a dispute-mediation team on which the user is a mediator (one query
    for mediators, none for anyone else; cached on the user with their scope)."""
    scope = scope_of(user)
    if scope.is_superuser or "mediator" not in scope.roles:
        return frozenset()
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None and cached[0] is scope:
        return cached[1]
    ids = frozenset(
        Membership.objects.active()
        .filter(
            user_id=scope.user_id,
            role=Membership.Role.MEDIATOR,
            organisation__kind=Organisation.Kind.MEDIATION_TEAM,
            organisation__estates__isnull=False,
        )
        .values_list("organisation__estates", flat=True)
    )
    setattr(user, _CACHE_ATTR, (scope, ids))
    return ids


def is_team_mediator(user: Person | None, estate_id: int) -> bool:
    """A mediator of a dispute-mediation team that serves the estate."""
    return estate_id in mediation_estate_ids(user)


def mediator_ids(dispute: Dispute) -> set[int]:
    """The assigned mediators' ids (from the prefetched list when there is one)."""
    return {mediator.pk for mediator in dispute.mediators.all()}


def is_assigned_mediator(user: Person | None, dispute: Dispute) -> bool:
    user_id = scope_of(user).user_id
    return user_id is not None and user_id in mediator_ids(dispute)


def is_party(user: Person | None, dispute: Dispute) -> bool:
    """A resident of a party household, or the person speaking for a party."""
    scope = scope_of(user)
    if scope.user_id is None:
        return False
    return any(
        party.household_id in scope.household_ids or party.person_id == scope.user_id for party in dispute.parties.all()
    )


def party_household_ids(user: Person | None, dispute: Dispute) -> set[int]:
    """The party households the user belongs to or speaks for."""
    scope = scope_of(user)
    return {
        party.household_id
        for party in dispute.parties.all()
        if party.household_id in scope.household_ids or (scope.user_id and party.person_id == scope.user_id)
    }


def can_raise(user: Person | None, estate_id: int) -> bool:
    """The estate's residents (邻里来说事), its mediators and its community staff."""
    return is_estate_resident(user, estate_id) or is_team_mediator(user, estate_id) or is_estate_staff(user, estate_id)


def can_assign_mediators(user: Person | None, dispute: Dispute) -> bool:
    """The estate's staff, and the mediators of its team (who take disputes on)."""
    return is_estate_staff(user, dispute.estate_id) or is_team_mediator(user, dispute.estate_id)


def can_mediate(user: Person | None, dispute: Dispute) -> bool:
    """Hear, hold sessions, add parties and settle: the assigned mediators and the estate's staff."""
    return is_estate_staff(user, dispute.estate_id) or is_assigned_mediator(user, dispute)


def can_see_people(user: Person | None, dispute: Dispute) -> bool:
    """The parties' names and phones: the staff and the mediators (assigned, or of the team)."""
    return (
        is_estate_staff(user, dispute.estate_id)
        or is_team_mediator(user, dispute.estate_id)
        or is_assigned_mediator(user, dispute)
    )


def allowed_actions(user: Person | None, dispute: Dispute) -> list[str]:
    """The API actions (as in /disputes/{id}/<action>/) the user may take on the dispute now."""
    from ..models import Dispute

    if scope_of(user).user_id is None or dispute.stage == Dispute.Stage.SETTLED:
        return []
    actions: list[str] = []
    mediate = can_mediate(user, dispute)
    if mediate and Dispute.Stage.HEARD in Dispute.TRANSITIONS[dispute.stage]:
        actions.append("hear")
    if mediate:
        actions.append("sessions")
    if can_assign_mediators(user, dispute):
        actions.append("assign-mediators")
    if mediate:
        actions.extend(["add-party", "settle"])
    return actions
