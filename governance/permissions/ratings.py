"""Who may do what with rating rounds (物业服务评定): `can_…` predicates.

Community staff (and the admins above them) open, close, publish and reopen an estate's rounds;
the members of the estate's owners' or residents' management committee score them. The services
check these before every move; the API lists them as a round's `actions`.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from django.utils import timezone

from .requests import is_committee_member, is_estate_staff

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from estates.models import User

    from ..models import RatingRound

    Person = User | AnonymousUser


def can_open_round(user: Person | None, estate_id: int) -> bool:
    """Open a rating round for the estate: its community's staff and the admins above them."""
    return is_estate_staff(user, estate_id)


def can_run_round(user: Person | None, rating_round: RatingRound) -> bool:
    """Close, publish or reopen the round: the estate's community staff and the admins above them."""
    return is_estate_staff(user, rating_round.estate_id)


def can_score(user: Person | None, rating_round: RatingRound) -> bool:
    """Submit or change a sheet: the members of the estate's committee."""
    return is_committee_member(user, rating_round.estate_id)


def can_see_all_sheets(user: Person | None, rating_round: RatingRound) -> bool:
    """Every member's sheet: the estate's staff. A member sees only their own; nobody else any."""
    return is_estate_staff(user, rating_round.estate_id)


def is_scoring_open(rating_round: RatingRound, today: date | None = None) -> bool:
    """Open, and its last day of scoring (`closes_on`) has not passed."""
    from ..models import RatingRound

    today = today or timezone.localdate()
    return rating_round.status == RatingRound.Status.OPEN and today <= rating_round.closes_on


def round_actions(user: Person | None, rating_round: RatingRound, *, today: date | None = None) -> list[str]:
    """What the user may do with the round now: `close`, `publish`, `reopen` (POST
    /rating-rounds/{id}/<action>/) and `score` (POST or PUT /rating-rounds/{id}/scores/).
    `publish` is offered once closed; the service still refuses it without the quorum."""
    from ..models import RatingRound

    actions: list[str] = []
    if can_run_round(user, rating_round):
        for name, to in (
            ("close", RatingRound.Status.CLOSED),
            ("publish", RatingRound.Status.PUBLISHED),
            ("reopen", RatingRound.Status.OPEN),
        ):
            if rating_round.can_move_to(to):
                actions.append(name)
    if is_scoring_open(rating_round, today) and can_score(user, rating_round):
        actions.append("score")
    return actions
