"""Every write to disputes (纠纷): 说事 raised → 听事 heard → 解事 settled.

Each step locks the dispute row, checks who may act (NotAllowed → 403) and the stage table
(Conflict → 409), validates its input (Invalid → 400), saves and writes a timeline entry.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from estates.errors import Conflict, Invalid, NotAllowed
from estates.models import Estate, Household, Membership, Organisation, User
from estates.scope import scope_of

from ..models import Dispute, DisputeEvent, DisputeParty, DisputeSession
from ..permissions import disputes as permissions
from ..permissions.requests import is_estate_staff

__all__ = [
    "add_party",
    "assign_mediators",
    "hear_dispute",
    "hold_session",
    "raise_dispute",
    "settle_dispute",
    "team_mediators",
]

Person = Any  # User or AnonymousUser
Stage = Dispute.Stage
Action = DisputeEvent.Action

MAX_TEXT = 2000
MAX_TITLE = 120
MAX_PLACE = 120
MAX_PARTIES = 20
# A session is recorded after it was held; a clock a little ahead on the phone is forgiven.
CLOCK_SKEW = timedelta(minutes=10)


# ---------------------------------------------------------------- shared steps


def _lock(dispute: Dispute) -> Dispute:
    """The dispute, row-locked for the rest of the transaction, with its mediators and parties."""
    return Dispute.objects.select_for_update(of=("self",)).prefetch_related("mediators", "parties").get(pk=dispute.pk)


def _signed_in(by: Person) -> None:
    if not (by and by.is_authenticated):
        raise NotAllowed(_("Sign in to take part in a dispute."))


def _text(value: str | None, *, field: str, required: bool, message: str = "", limit: int = MAX_TEXT) -> str:
    text = (value or "").strip()
    if required and not text:
        raise Invalid(message, field=field)
    if len(text) > limit:
        raise Invalid(_("At most %(limit)s characters.") % {"limit": limit}, field=field)
    return text


def _event(dispute: Dispute, action: str, *, by: Person, from_stage: str, note: str = "") -> DisputeEvent:
    return DisputeEvent.objects.create(
        dispute=dispute,
        action=action,
        from_stage=from_stage,
        to_stage=dispute.stage,
        note=note,
        by=by if by is not None and by.is_authenticated else None,
    )


def _require_open(dispute: Dispute) -> None:
    if dispute.stage == Stage.SETTLED:
        raise Conflict(_("This dispute has been settled."))


def _require_move(dispute: Dispute, to: str) -> None:
    if to not in Dispute.TRANSITIONS[Stage(dispute.stage)]:
        raise Conflict(
            _("A dispute that is “%(stage)s” cannot become “%(to)s”.")
            % {"stage": dispute.get_stage_display(), "to": Stage(to).label}
        )


def _resident_of(person: User, household: Household) -> bool:
    return Membership.objects.active().filter(user=person, role=Membership.Role.RESIDENT, household=household).exists()


def _household_estate_id(household: Household) -> int:
    return Household.objects.filter(pk=household.pk).values_list("unit__building__estate_id", flat=True).get()


def _check_party(
    estate_id: int, *, household: Household | None, side: str, person: User | None, field: str = "parties"
) -> None:
    if household is None:
        raise Invalid(_("Choose the household."), field=field)
    if side not in DisputeParty.Side.values:
        raise Invalid(_("Choose whether the household raised it or is the other party."), field=field)
    if _household_estate_id(household) != estate_id:
        raise Invalid(_("%(household)s is not a household of this estate.") % {"household": household}, field=field)
    if person is not None and not _resident_of(person, household):
        raise Invalid(
            _("%(person)s is not a resident of %(household)s.")
            % {"person": person.display_name, "household": household},
            field=field,
        )


def team_mediators(estate: Estate | int) -> Any:
    """The people who mediate for the estate: mediators of a dispute-mediation team serving it."""
    estate_id = estate if isinstance(estate, int) else estate.pk
    memberships = Membership.objects.active().filter(
        role=Membership.Role.MEDIATOR,
        organisation__kind=Organisation.Kind.MEDIATION_TEAM,
        organisation__estates=estate_id,
    )
    return User.objects.filter(pk__in=memberships.values("user_id"), is_active=True).order_by("full_name", "id")


# ---------------------------------------------------------------- 说事: raising a dispute


@transaction.atomic
def raise_dispute(
    estate: Estate,
    *,
    by: Person,
    kind: str,
    title: str,
    description: str,
    parties: Sequence[Mapping[str, Any]],
) -> Dispute:
    """Raise a dispute (邻里来说事) between households of the estate: a resident of a party
    household, a mediator of the estate's team, or the estate's staff. Each party is a mapping
    with `household`, `side` (applicant or respondent) and an optional `person` speaking for it
    (a resident of that household); a resident's own household speaks through them by default."""
    _signed_in(by)
    if not permissions.can_raise(by, estate.pk):
        raise NotAllowed(_("Only the estate's residents, its mediators and its community staff can raise a dispute."))
    if kind not in Dispute.Kind.values:
        raise Invalid(_("Choose what the dispute is about."), field="kind")
    title = _text(title, field="title", required=True, message=_("Give the dispute a short title."), limit=MAX_TITLE)
    description = _text(description, field="description", required=True, message=_("Describe what happened."))
    parties = list(parties)
    if not parties:
        raise Invalid(_("Name at least the household that raises the dispute."), field="parties")
    if len(parties) > MAX_PARTIES:
        raise Invalid(_("At most %(count)s households.") % {"count": MAX_PARTIES}, field="parties")
    if not any(party.get("side") == DisputeParty.Side.APPLICANT for party in parties):
        raise Invalid(_("Name the household that raises the dispute."), field="parties")
    seen: set[int] = set()
    for party in parties:
        household = party.get("household")
        _check_party(estate.pk, household=household, side=party.get("side", ""), person=party.get("person"))
        if household.pk in seen:
            raise Invalid(_("Each household takes part once."), field="parties")
        seen.add(household.pk)
    official = is_estate_staff(by, estate.pk) or permissions.is_team_mediator(by, estate.pk)
    own = scope_of(by).household_ids
    if not official and not seen & own:
        raise NotAllowed(_("You can raise a dispute for your own household only."))

    dispute = Dispute.objects.create(
        estate=estate, kind=kind, title=title, description=description, stage=Stage.RAISED, raised_by=by
    )
    DisputeParty.objects.bulk_create(
        DisputeParty(
            dispute=dispute,
            household=party["household"],
            side=party["side"],
            person=party.get("person") or (by if party["household"].pk in own else None),
        )
        for party in parties
    )
    _event(dispute, Action.RAISED, by=by, from_stage="")
    return dispute


@transaction.atomic
def add_party(
    dispute: Dispute, *, by: Person, household: Household, side: str, person: User | None = None
) -> DisputeParty:
    """Add a household to an open dispute (typically the other side, once the mediators know it):
    the assigned mediators or the estate's staff."""
    _signed_in(by)
    dispute = _lock(dispute)
    if not permissions.can_mediate(by, dispute):
        raise NotAllowed(_("Only the dispute's mediators and the community's staff can add a party."))
    _require_open(dispute)
    _check_party(dispute.estate_id, household=household, side=side, person=person, field="household")
    if any(party.household_id == household.pk for party in dispute.parties.all()):
        raise Invalid(_("This household already takes part in the dispute."), field="household")
    party = DisputeParty.objects.create(dispute=dispute, household=household, side=side, person=person)
    dispute.save(update_fields=["updated_at"])
    _event(dispute, Action.PARTY_ADDED, by=by, from_stage=dispute.stage, note=str(household))
    return party


# ---------------------------------------------------------------- mediators


@transaction.atomic
def assign_mediators(dispute: Dispute, *, by: Person, mediators: Iterable[User]) -> Dispute:
    """Set who mediates the dispute, from the estate's dispute-mediation team: the estate's staff,
    or a mediator of the team (taking the dispute on)."""
    _signed_in(by)
    dispute = _lock(dispute)
    if not permissions.can_assign_mediators(by, dispute):
        raise NotAllowed(_("Only the community's staff and the estate's mediators can assign mediators."))
    _require_open(dispute)
    chosen = {mediator.pk: mediator for mediator in mediators}
    if not chosen:
        raise Invalid(_("Choose at least one mediator."), field="mediators")
    team = set(team_mediators(dispute.estate_id).filter(pk__in=chosen).values_list("pk", flat=True))
    outside = [chosen[pk] for pk in chosen if pk not in team]
    if outside:
        raise Invalid(
            _("%(names)s is not a mediator of this estate's dispute-mediation team.")
            % {"names": "、".join(person.display_name for person in outside)},
            field="mediators",
        )
    dispute.mediators.set(list(chosen.values()))
    dispute.save(update_fields=["updated_at"])
    names = "、".join(person.display_name for person in sorted(chosen.values(), key=lambda p: p.pk))
    _event(dispute, Action.MEDIATORS_ASSIGNED, by=by, from_stage=dispute.stage, note=names)
    return dispute


# ---------------------------------------------------------------- 听事: hearing


@transaction.atomic
def hear_dispute(dispute: Dispute, *, by: Person, note: str = "") -> Dispute:
    """Mark a raised dispute as heard (听事) without a session yet, e.g. after a visit."""
    _signed_in(by)
    dispute = _lock(dispute)
    if not permissions.can_mediate(by, dispute):
        raise NotAllowed(_("Only the dispute's mediators and the community's staff can hear it."))
    _require_move(dispute, Stage.HEARD)
    note = _text(note, field="note", required=False)
    dispute.stage = Stage.HEARD
    dispute.save(update_fields=["stage", "updated_at"])
    _event(dispute, Action.HEARD, by=by, from_stage=Stage.RAISED, note=note)
    return dispute


@transaction.atomic
def hold_session(
    dispute: Dispute, *, by: Person, notes: str, held_at: datetime | None = None, place: str = ""
) -> DisputeSession:
    """Record a mediation session with its notes, time and place. The first session of a raised
    dispute means it has been heard: 说事 → 听事."""
    _signed_in(by)
    dispute = _lock(dispute)
    if not permissions.can_mediate(by, dispute):
        raise NotAllowed(_("Only the dispute's mediators and the community's staff can record a session."))
    _require_open(dispute)
    notes = _text(notes, field="notes", required=True, message=_("Write down what was said and agreed."))
    place = _text(place, field="place", required=False, limit=MAX_PLACE)
    now = timezone.now()
    if held_at is None:
        held_at = now
    elif timezone.is_naive(held_at):
        held_at = timezone.make_aware(held_at)
    if held_at > now + CLOCK_SKEW:
        raise Invalid(_("Record a session once it has been held: the time is in the future."), field="held_at")
    session = DisputeSession.objects.create(dispute=dispute, held_at=held_at, place=place, notes=notes, recorded_by=by)
    from_stage = dispute.stage
    if from_stage == Stage.RAISED:
        dispute.stage = Stage.HEARD
    dispute.save(update_fields=["stage", "updated_at"])
    _event(dispute, Action.SESSION_HELD, by=by, from_stage=from_stage, note=place)
    return session


# ---------------------------------------------------------------- 解事: settling


@transaction.atomic
def settle_dispute(dispute: Dispute, *, by: Person, outcome: str, note: str) -> Dispute:
    """Close the dispute (解事) with its outcome — an agreement, referred elsewhere, or withdrawn —
    and a note of what was agreed, where it went or why: the assigned mediators or the staff."""
    _signed_in(by)
    dispute = _lock(dispute)
    if not permissions.can_mediate(by, dispute):
        raise NotAllowed(_("Only the dispute's mediators and the community's staff can settle it."))
    _require_move(dispute, Stage.SETTLED)
    if outcome not in Dispute.Outcome.values:
        raise Invalid(_("Choose the outcome: an agreement, referred elsewhere, or withdrawn."), field="outcome")
    note = _text(note, field="note", required=True, message=_("Say what was agreed, where it went, or why."))
    from_stage = dispute.stage
    dispute.stage = Stage.SETTLED
    dispute.outcome = outcome
    dispute.outcome_note = note
    dispute.settled_at = timezone.now()
    dispute.save(update_fields=["stage", "outcome", "outcome_note", "settled_at", "updated_at"])
    _event(dispute, Action.SETTLED, by=by, from_stage=from_stage, note=note)
    return dispute
