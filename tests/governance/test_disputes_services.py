"""Dispute services (纠纷): every stage move and guard, who may do each step, the timeline, and
who sees a dispute at all (`Dispute.objects.visible_to`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from estates.errors import Conflict, Invalid, NotAllowed
from estates.models import Household, Membership, Organisation, User
from governance import services
from governance.models import Dispute, DisputeEvent, DisputeParty
from tests.conftest import World, make_user
from tests.governance.conftest import T0, fresh

RaiseDispute = Callable[..., Dispute]


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """The messages below are matched in English, the source language."""
    with translation.override("en"):
        yield


@pytest.fixture
def other_mediator(world: World) -> User:
    """A mediator of 体委小区's team: a mediator, but not of 蕴园小区."""
    team = Organisation.objects.create(kind="mediation_team", name="体委小区调解队", community=world.other_community)
    team.estates.add(world.other_estate)
    user = make_user("other_mediator", phone="13500007777", full_name="钱调解")
    Membership.objects.create(user=user, role="mediator", organisation=team)
    return user


@pytest.fixture
def raise_one(world: World, resident: User, neighbour: User) -> RaiseDispute:
    """raise_one(**overrides) -> a dispute the resident raised against the neighbour's household."""

    def _raise(**overrides: Any) -> Dispute:
        fields: dict[str, Any] = {
            "by": fresh(resident),
            "kind": "noise",
            "title": "楼上夜里装修噪音",
            "description": "502 每晚十点后还在装修",
            "parties": [
                {"household": world.household, "side": "applicant"},
                {"household": world.neighbour_household, "side": "respondent"},
            ],
        }
        fields.update(overrides)
        return services.raise_dispute(world.estate, **fields)

    return _raise


@pytest.fixture
def assigned(raise_one: RaiseDispute, mediator: User) -> Dispute:
    """A raised dispute the mediator has taken on."""
    dispute = raise_one()
    return services.assign_mediators(dispute, by=fresh(mediator), mediators=[fresh(mediator)])


def actions(dispute: Dispute) -> list[tuple[str, str, str]]:
    return list(dispute.events.order_by("id").values_list("action", "from_stage", "to_stage"))


# ---------------------------------------------------------------- raising (说事)


def test_resident_raises_a_dispute_for_their_household(world: World, raise_one: RaiseDispute, resident: User) -> None:
    dispute = raise_one()
    assert (dispute.stage, dispute.outcome, dispute.raised_by_id, dispute.estate_id) == (
        "raised",
        "",
        resident.pk,
        world.estate.pk,
    )
    parties = list(dispute.parties.order_by("side").values_list("household_id", "side", "person_id"))
    # The resident speaks for their own household; the other side has nobody named yet.
    assert parties == [
        (world.household.pk, "applicant", resident.pk),
        (world.neighbour_household.pk, "respondent", None),
    ]
    assert actions(dispute) == [("raised", "", "raised")]
    assert dispute.events.get().by_id == resident.pk


@pytest.mark.parametrize("name", ["staff", "mediator", "street_admin", "superuser"])
def test_staff_and_mediators_raise_for_any_households_of_the_estate(
    request: Any, world: World, raise_one: RaiseDispute, name: str
) -> None:
    by = fresh(request.getfixturevalue(name))
    dispute = raise_one(by=by)
    assert dispute.raised_by_id == by.pk
    assert set(dispute.parties.values_list("person_id", flat=True)) == {None}


def test_staff_names_the_person_speaking_for_a_household(
    world: World, raise_one: RaiseDispute, staff: User, neighbour: User
) -> None:
    dispute = raise_one(
        by=fresh(staff),
        parties=[{"household": world.neighbour_household, "side": "applicant", "person": neighbour}],
    )
    assert dispute.parties.get().person_id == neighbour.pk


def test_a_person_who_does_not_live_there_cannot_speak_for_the_household(
    world: World, raise_one: RaiseDispute, staff: User, resident: User
) -> None:
    with pytest.raises(Invalid) as error:
        raise_one(
            by=fresh(staff),
            parties=[{"household": world.neighbour_household, "side": "applicant", "person": resident}],
        )
    assert error.value.field == "parties"
    assert not Dispute.objects.exists()


@pytest.mark.parametrize("name", ["committee", "property_staff", "outsider", "other_mediator"])
def test_others_may_not_raise_a_dispute_in_the_estate(request: Any, raise_one: RaiseDispute, name: str) -> None:
    with pytest.raises(NotAllowed):
        raise_one(by=fresh(request.getfixturevalue(name)))
    assert not Dispute.objects.exists()


def test_anonymous_may_not_raise_a_dispute(raise_one: RaiseDispute) -> None:
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(NotAllowed):
        raise_one(by=AnonymousUser())


def test_resident_may_raise_only_for_their_own_household(world: World, raise_one: RaiseDispute, resident: User) -> None:
    with pytest.raises(NotAllowed):
        raise_one(parties=[{"household": world.neighbour_household, "side": "applicant"}])
    assert not Dispute.objects.exists()


def test_parties_must_be_households_of_the_estate(world: World, raise_one: RaiseDispute, staff: User) -> None:
    with pytest.raises(Invalid) as error:
        raise_one(
            by=fresh(staff),
            parties=[
                {"household": world.household, "side": "applicant"},
                {"household": world.other_household, "side": "respondent"},
            ],
        )
    assert error.value.field == "parties"
    assert not Dispute.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"kind": "gossip"}, "kind"),
        ({"title": "  "}, "title"),
        ({"title": "长" * 121}, "title"),
        ({"description": ""}, "description"),
        ({"description": "长" * 2001}, "description"),
        ({"parties": []}, "parties"),
    ],
)
def test_bad_input_is_refused_with_the_field_named(
    raise_one: RaiseDispute, overrides: dict[str, Any], field: str
) -> None:
    with pytest.raises(Invalid) as error:
        raise_one(**overrides)
    assert error.value.field == field
    assert not Dispute.objects.exists()


def test_a_dispute_needs_the_household_that_raises_it(world: World, raise_one: RaiseDispute) -> None:
    with pytest.raises(Invalid, match="raises"):
        raise_one(parties=[{"household": world.household, "side": "respondent"}])


def test_a_household_takes_part_once(world: World, raise_one: RaiseDispute) -> None:
    with pytest.raises(Invalid, match="once"):
        raise_one(
            parties=[
                {"household": world.household, "side": "applicant"},
                {"household": world.household, "side": "respondent"},
            ]
        )


def test_a_side_must_be_applicant_or_respondent(world: World, raise_one: RaiseDispute) -> None:
    with pytest.raises(Invalid):
        raise_one(
            parties=[
                {"household": world.household, "side": "applicant"},
                {"household": world.neighbour_household, "side": "judge"},
            ]
        )


# ---------------------------------------------------------------- mediators


def test_a_mediator_of_the_team_takes_the_dispute_on(raise_one: RaiseDispute, mediator: User) -> None:
    dispute = services.assign_mediators(raise_one(), by=fresh(mediator), mediators=[fresh(mediator)])
    assert list(dispute.mediators.values_list("pk", flat=True)) == [mediator.pk]
    event = dispute.events.get(action="mediators_assigned")
    assert (event.from_stage, event.to_stage, event.note, event.by_id) == ("raised", "raised", "周调解", mediator.pk)


def test_staff_assign_and_replace_the_mediators(
    world: World, raise_one: RaiseDispute, staff: User, mediator: User
) -> None:
    second = make_user("mediator2", full_name="吴调解")
    Membership.objects.create(user=second, role="mediator", organisation=world.mediation_org)
    dispute = services.assign_mediators(raise_one(), by=fresh(staff), mediators=[mediator, second])
    assert set(dispute.mediators.values_list("pk", flat=True)) == {mediator.pk, second.pk}
    dispute = services.assign_mediators(dispute, by=fresh(staff), mediators=[second])
    assert list(dispute.mediators.values_list("pk", flat=True)) == [second.pk]


@pytest.mark.parametrize("name", ["committee", "other_mediator", "staff_colleague_of_mediator"])
def test_only_people_of_the_team_can_be_mediators(
    request: Any, raise_one: RaiseDispute, staff: User, name: str
) -> None:
    people = {
        "committee": lambda: request.getfixturevalue("committee"),
        "other_mediator": lambda: request.getfixturevalue("other_mediator"),
        "staff_colleague_of_mediator": lambda: staff,
    }
    with pytest.raises(Invalid) as error:
        services.assign_mediators(raise_one(), by=fresh(staff), mediators=[people[name]()])
    assert error.value.field == "mediators"


def test_an_ended_membership_is_no_longer_on_the_team(raise_one: RaiseDispute, staff: User, mediator: User) -> None:
    Membership.objects.filter(user=mediator).update(ended_on=timezone.localdate())
    with pytest.raises(Invalid):
        services.assign_mediators(raise_one(), by=fresh(staff), mediators=[mediator])


def test_at_least_one_mediator(raise_one: RaiseDispute, staff: User) -> None:
    with pytest.raises(Invalid, match="at least one"):
        services.assign_mediators(raise_one(), by=fresh(staff), mediators=[])


@pytest.mark.parametrize("name", ["resident", "neighbour", "committee", "property_staff", "outsider", "other_mediator"])
def test_others_may_not_assign_mediators(request: Any, raise_one: RaiseDispute, mediator: User, name: str) -> None:
    dispute = raise_one()
    with pytest.raises(NotAllowed):
        services.assign_mediators(dispute, by=fresh(request.getfixturevalue(name)), mediators=[mediator])
    assert not dispute.mediators.exists()


# ---------------------------------------------------------------- hearing (听事) and sessions


def test_first_session_moves_a_raised_dispute_to_heard(assigned: Dispute, mediator: User) -> None:
    with time_machine.travel(T0, tick=False):
        session = services.hold_session(
            assigned,
            by=fresh(mediator),
            notes="双方同意晚九点后停工",
            place="社区调解室",
            held_at=T0 - timedelta(hours=2),
        )
    assigned.refresh_from_db()
    assert assigned.stage == "heard"
    assert (session.held_at, session.place, session.notes, session.recorded_by_id) == (
        T0 - timedelta(hours=2),
        "社区调解室",
        "双方同意晚九点后停工",
        mediator.pk,
    )
    assert actions(assigned)[-1] == ("session_held", "raised", "heard")


def test_later_sessions_keep_it_heard(assigned: Dispute, mediator: User) -> None:
    services.hold_session(assigned, by=fresh(mediator), notes="第一次")
    services.hold_session(assigned, by=fresh(mediator), notes="第二次")
    assigned.refresh_from_db()
    assert assigned.stage == "heard"
    assert assigned.sessions.count() == 2
    assert actions(assigned)[-1] == ("session_held", "heard", "heard")


def test_a_session_is_held_now_by_default(assigned: Dispute, staff: User) -> None:
    with time_machine.travel(T0, tick=False):
        session = services.hold_session(assigned, by=fresh(staff), notes="上门了解情况")
    assert session.held_at == T0


def test_a_session_cannot_be_recorded_before_it_is_held(assigned: Dispute, mediator: User) -> None:
    with time_machine.travel(T0, tick=False), pytest.raises(Invalid) as error:
        services.hold_session(assigned, by=fresh(mediator), notes="x", held_at=T0 + timedelta(hours=1))
    assert error.value.field == "held_at"
    assert not assigned.sessions.exists()


@pytest.mark.parametrize(("notes", "place"), [("", ""), ("  ", ""), ("长" * 2001, ""), ("ok", "长" * 121)])
def test_a_session_needs_notes_and_a_short_place(assigned: Dispute, mediator: User, notes: str, place: str) -> None:
    with pytest.raises(Invalid):
        services.hold_session(assigned, by=fresh(mediator), notes=notes, place=place)
    assigned.refresh_from_db()
    assert assigned.stage == "raised"


def test_hearing_without_a_session(assigned: Dispute, mediator: User) -> None:
    dispute = services.hear_dispute(assigned, by=fresh(mediator), note="已上门了解")
    assert dispute.stage == "heard"
    assert actions(dispute)[-1] == ("heard", "raised", "heard")
    assert dispute.events.last().note == "已上门了解"


def test_a_heard_dispute_cannot_be_heard_again(assigned: Dispute, mediator: User) -> None:
    services.hear_dispute(assigned, by=fresh(mediator))
    with pytest.raises(Conflict):
        services.hear_dispute(assigned, by=fresh(mediator))


@pytest.mark.parametrize(
    "name", ["resident", "neighbour", "committee", "property_staff", "outsider", "other_mediator", "unassigned"]
)
def test_only_the_assigned_mediators_and_staff_hear_and_hold_sessions(
    request: Any, world: World, assigned: Dispute, name: str
) -> None:
    if name == "unassigned":
        user = make_user("unassigned", full_name="郑调解")
        Membership.objects.create(user=user, role="mediator", organisation=world.mediation_org)
    else:
        user = request.getfixturevalue(name)
    with pytest.raises(NotAllowed):
        services.hear_dispute(assigned, by=fresh(user))
    with pytest.raises(NotAllowed):
        services.hold_session(assigned, by=fresh(user), notes="x")
    assigned.refresh_from_db()
    assert (assigned.stage, assigned.sessions.count()) == ("raised", 0)


@pytest.mark.parametrize("name", ["staff", "street_admin", "superuser"])
def test_staff_hear_without_being_assigned(request: Any, raise_one: RaiseDispute, name: str) -> None:
    dispute = services.hear_dispute(raise_one(), by=fresh(request.getfixturevalue(name)))
    assert dispute.stage == "heard"


# ---------------------------------------------------------------- settling (解事)


@pytest.mark.parametrize("outcome", ["agreement", "referred", "withdrawn"])
def test_settling_from_heard_records_the_outcome(assigned: Dispute, mediator: User, outcome: str) -> None:
    services.hold_session(assigned, by=fresh(mediator), notes="调解")
    with time_machine.travel(T0, tick=False):
        dispute = services.settle_dispute(assigned, by=fresh(mediator), outcome=outcome, note="双方签字")
    dispute.refresh_from_db()
    assert (dispute.stage, dispute.outcome, dispute.outcome_note, dispute.settled_at) == (
        "settled",
        outcome,
        "双方签字",
        T0,
    )
    assert actions(dispute)[-1] == ("settled", "heard", "settled")


def test_a_raised_dispute_can_be_settled_straight_away(assigned: Dispute, staff: User) -> None:
    dispute = services.settle_dispute(assigned, by=fresh(staff), outcome="withdrawn", note="申请人撤回")
    assert dispute.stage == "settled"
    assert actions(dispute)[-1] == ("settled", "raised", "settled")


def test_a_settled_dispute_is_closed_to_every_step(
    world: World, assigned: Dispute, mediator: User, staff: User
) -> None:
    services.settle_dispute(assigned, by=fresh(mediator), outcome="agreement", note="和解")
    with pytest.raises(Conflict):
        services.settle_dispute(assigned, by=fresh(mediator), outcome="agreement", note="again")
    with pytest.raises(Conflict):
        services.hear_dispute(assigned, by=fresh(mediator))
    with pytest.raises(Conflict):
        services.hold_session(assigned, by=fresh(mediator), notes="late")
    with pytest.raises(Conflict):
        services.assign_mediators(assigned, by=fresh(staff), mediators=[mediator])
    third = Household.objects.create(unit=world.unit, room="601", floor=6, floor_area="60.00")
    with pytest.raises(Conflict):
        services.add_party(assigned, by=fresh(staff), household=third, side="respondent")


@pytest.mark.parametrize(("outcome", "note"), [("", "x"), ("won", "x"), ("agreement", ""), ("agreement", "  ")])
def test_settling_needs_an_outcome_and_a_note(assigned: Dispute, mediator: User, outcome: str, note: str) -> None:
    with pytest.raises(Invalid):
        services.settle_dispute(assigned, by=fresh(mediator), outcome=outcome, note=note)
    assigned.refresh_from_db()
    assert assigned.stage == "raised"


@pytest.mark.parametrize("name", ["resident", "neighbour", "committee", "outsider", "other_mediator"])
def test_others_may_not_settle(request: Any, assigned: Dispute, name: str) -> None:
    with pytest.raises(NotAllowed):
        services.settle_dispute(assigned, by=fresh(request.getfixturevalue(name)), outcome="withdrawn", note="不想调了")


def test_the_database_refuses_an_outcome_without_settling(assigned: Dispute) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Dispute.objects.filter(pk=assigned.pk).update(outcome="agreement")


# ---------------------------------------------------------------- parties


def test_the_mediator_adds_the_other_side(
    world: World, raise_one: RaiseDispute, mediator: User, neighbour: User
) -> None:
    dispute = raise_one(parties=[{"household": world.household, "side": "applicant"}])
    services.assign_mediators(dispute, by=fresh(mediator), mediators=[fresh(mediator)])
    party = services.add_party(
        dispute, by=fresh(mediator), household=world.neighbour_household, side="respondent", person=neighbour
    )
    assert (party.side, party.person_id) == ("respondent", neighbour.pk)
    event = dispute.events.order_by("id").last()
    assert (event.action, event.note) == ("party_added", "3号楼3单元502")


def test_a_party_is_added_once_and_from_the_estate(world: World, assigned: Dispute, mediator: User) -> None:
    with pytest.raises(Invalid, match="already"):
        services.add_party(assigned, by=fresh(mediator), household=world.neighbour_household, side="respondent")
    with pytest.raises(Invalid):
        services.add_party(assigned, by=fresh(mediator), household=world.other_household, side="respondent")
    assert assigned.parties.count() == 2


@pytest.mark.parametrize("name", ["resident", "neighbour", "committee", "outsider"])
def test_others_may_not_add_parties(request: Any, world: World, assigned: Dispute, name: str) -> None:
    third = Household.objects.create(unit=world.unit, room="601", floor=6, floor_area="60.00")
    with pytest.raises(NotAllowed):
        services.add_party(assigned, by=fresh(request.getfixturevalue(name)), household=third, side="respondent")


# ---------------------------------------------------------------- who sees a dispute


def test_the_transition_table() -> None:
    assert {
        "raised": {"heard", "settled"},
        "heard": {"settled"},
        "settled": set(),
    } == Dispute.TRANSITIONS


@pytest.mark.parametrize(
    ("name", "sees"),
    [
        ("resident", True),  # a party
        ("neighbour", True),  # the other party
        ("mediator", True),  # the estate's team
        ("staff", True),
        ("street_admin", True),
        ("superuser", True),
        ("committee", False),
        ("property_staff", False),
        ("outsider", False),
        ("other_mediator", False),
    ],
)
def test_a_dispute_is_seen_only_by_parties_mediators_and_staff(
    request: Any, raise_one: RaiseDispute, name: str, sees: bool
) -> None:
    dispute = raise_one()
    visible = Dispute.objects.visible_to(fresh(request.getfixturevalue(name)))
    assert list(visible.values_list("pk", flat=True)) == ([dispute.pk] if sees else [])


def test_a_neighbour_not_party_does_not_see_it(world: World, raise_one: RaiseDispute, neighbour: User) -> None:
    raise_one(parties=[{"household": world.household, "side": "applicant"}])
    assert not Dispute.objects.visible_to(fresh(neighbour)).exists()


def test_an_assigned_mediator_of_another_team_and_a_named_person_see_it(
    world: World, raise_one: RaiseDispute, other_mediator: User, staff: User
) -> None:
    outside = make_user("relative", full_name="亲属")
    dispute = raise_one(parties=[{"household": world.household, "side": "applicant"}])
    # A relative who lives elsewhere speaks for the household (no resident membership: set directly).
    DisputeParty.objects.create(dispute=dispute, household=world.neighbour_household, side="respondent", person=outside)
    Dispute.mediators.through.objects.create(dispute=dispute, user=other_mediator)
    assert Dispute.objects.visible_to(fresh(outside)).get() == dispute
    assert Dispute.objects.visible_to(fresh(other_mediator)).get() == dispute


def test_anonymous_sees_no_dispute(raise_one: RaiseDispute) -> None:
    from django.contrib.auth.models import AnonymousUser

    raise_one()
    assert not Dispute.objects.visible_to(AnonymousUser()).exists()


def test_visible_to_has_no_duplicate_rows(
    world: World, raise_one: RaiseDispute, resident: User, mediator: User, staff: User
) -> None:
    dispute = raise_one()
    services.assign_mediators(dispute, by=fresh(staff), mediators=[mediator])
    # The resident is both a party (household) and the person speaking for it.
    assert Dispute.objects.visible_to(fresh(resident)).count() == 1
    assert "DISTINCT" not in str(Dispute.objects.visible_to(fresh(resident)).query)


def test_every_step_writes_one_event(world: World, raise_one: RaiseDispute, mediator: User, neighbour: User) -> None:
    dispute = raise_one(parties=[{"household": world.household, "side": "applicant"}])
    services.assign_mediators(dispute, by=fresh(mediator), mediators=[fresh(mediator)])
    services.add_party(dispute, by=fresh(mediator), household=world.neighbour_household, side="respondent")
    services.hold_session(dispute, by=fresh(mediator), notes="调解")
    services.settle_dispute(dispute, by=fresh(mediator), outcome="agreement", note="和解")
    assert actions(dispute) == [
        ("raised", "", "raised"),
        ("mediators_assigned", "raised", "raised"),
        ("party_added", "raised", "raised"),
        ("session_held", "raised", "heard"),
        ("settled", "heard", "settled"),
    ]
    assert DisputeEvent.objects.filter(dispute=dispute, by__isnull=True).count() == 0
