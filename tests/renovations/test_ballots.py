"""Owners' ballots: who may vote for which household, the scope, the open vote, paper ballots,
and the tally through the API at its exact bounds (the pure arithmetic is tested in test_consent)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from rest_framework.test import APIClient

from estates.errors import Conflict, Invalid, NotAllowed
from estates.models import Building, Household, Membership, Unit, User
from renovations import services
from renovations.models import Ballot, Project, ProjectEvent

from .conftest import Advance, fresh

S = Project.Status
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def own(user: User, household: Household) -> None:
    Membership.objects.create(user=user, role="resident", household=household, is_owner=True)


@pytest.fixture
def voting(lift: Project, advance: Advance) -> Project:
    """The lift, its vote open (unit scope: 3号楼3单元 501 and 502)."""
    lift = advance(lift, S.SURVEYED)
    return services.transition_project(lift, by=lift.created_by, to="consent")


@pytest.fixture
def room_601(world: Any) -> Household:
    return Household.objects.create(unit=world.unit, room="601", floor=6, floor_area=Decimal("90.00"))


@pytest.fixture
def next_unit_household(world: Any) -> Household:
    unit = Unit.objects.create(building=world.building, name="4单元")
    return Household.objects.create(unit=unit, room="101", floor=1, floor_area=Decimal("60.00"))


@pytest.fixture
def next_building_household(world: Any) -> Household:
    building = Building.objects.create(estate=world.estate, name="1号楼", floors=6)
    unit = Unit.objects.create(building=building, name="1单元")
    return Household.objects.create(unit=unit, room="201", floor=2, floor_area=Decimal("70.00"))


def cast(project: Project, user: User, household: Household, choice: str = "agree", **extra: Any) -> Ballot:
    ballot, _created = services.cast_ballot(project, by=fresh(user), household=household, choice=choice, **extra)
    return ballot


# ---------------------------------------------------------------- who votes for what


def test_owner_casts_the_ballot_of_their_household(voting: Project, resident: User, world: Any) -> None:
    ballot, created = services.cast_ballot(voting, by=resident, household=world.household, choice="agree")
    assert created
    assert (ballot.choice, ballot.cast_by, ballot.is_paper, ballot.paper_reference) == ("agree", resident, False, "")
    event = voting.events.get(kind="ballot")
    # The public timeline counts ballots; it never says who voted what.
    assert event.actor is None
    assert event.note == ""
    assert event.data == {"ballot_count": 1, "changed": False}


def test_owner_changes_the_ballot_while_the_vote_is_open(voting: Project, resident: User, world: Any) -> None:
    cast(voting, resident, world.household, "agree")
    ballot, created = services.cast_ballot(voting, by=resident, household=world.household, choice="disagree")
    assert not created
    assert Ballot.objects.get().choice == "disagree"
    assert ballot.choice == "disagree"
    assert list(voting.events.filter(kind="ballot").values_list("data", flat=True)) == [
        {"ballot_count": 1, "changed": False},
        {"ballot_count": 1, "changed": True},
    ]


def test_owner_cannot_vote_for_a_neighbours_household(
    voting: Project, resident: User, neighbour: User, world: Any
) -> None:
    with pytest.raises(NotAllowed):
        cast(voting, resident, world.neighbour_household)
    assert not Ballot.objects.exists()


def test_resident_who_does_not_own_the_flat_cannot_vote(voting: Project, world: Any) -> None:
    tenant = User.objects.create_user(username="tenant", password="pw")
    Membership.objects.create(user=tenant, role="resident", household=world.household, is_owner=False)
    with pytest.raises(NotAllowed):
        cast(voting, tenant, world.household)


def test_former_owner_cannot_vote(voting: Project, resident: User, world: Any) -> None:
    Membership.objects.filter(user=resident).update(ended_on="2020-01-01")
    with pytest.raises(NotAllowed):
        cast(voting, resident, world.household)


@pytest.mark.parametrize("persona", ["outsider", "committee", "property_staff", "mediator", "street_admin"])
def test_others_cannot_vote_online(voting: Project, world: Any, persona: str, request: Any) -> None:
    with pytest.raises(NotAllowed):
        cast(voting, request.getfixturevalue(persona), world.household)


def test_outsiders_household_is_refused(voting: Project, world: Any) -> None:
    stranger = User.objects.create_user(username="stranger", password="pw")
    own(stranger, world.other_household)
    with pytest.raises(Invalid) as error:
        cast(voting, stranger, world.other_household)
    assert error.value.field == "household"
    assert not Ballot.objects.exists()


# ---------------------------------------------------------------- scope


def test_unit_scope_takes_only_the_projects_units(
    voting: Project, resident: User, next_unit_household: Household, next_building_household: Household
) -> None:
    own(resident, next_unit_household)
    own(resident, next_building_household)
    for household in (next_unit_household, next_building_household):
        with pytest.raises(Invalid):
            cast(voting, resident, household)


def test_building_scope_takes_every_unit_of_the_projects_buildings(
    world: Any, staff: User, resident: User, next_unit_household: Household, next_building_household: Household
) -> None:
    project = services.create_project(
        world.estate, by=staff, kind="facade", title="3号楼外立面", consent_rule="ordinary",
        consent_scope="building", buildings=[world.building],
    )  # fmt: skip
    services.transition_project(project, by=staff, to="surveyed")
    services.transition_project(project, by=staff, to="consent")
    own(resident, next_unit_household)
    own(resident, next_building_household)
    cast(project, resident, next_unit_household)
    cast(project, resident, world.household)
    with pytest.raises(Invalid):
        cast(project, resident, next_building_household)
    assert set(project.scope_households()) == {world.household, world.neighbour_household, next_unit_household}


def test_building_scope_includes_the_buildings_of_the_projects_units(
    world: Any, staff: User, next_unit_household: Household
) -> None:
    project = services.create_project(
        world.estate, by=staff, kind="facade", title="外立面", consent_scope="building", units=[world.unit]
    )
    assert set(project.scope_households()) == {world.household, world.neighbour_household, next_unit_household}


def test_estate_scope_takes_every_household_of_the_estate(
    world: Any, staff: User, resident: User, next_building_household: Household
) -> None:
    project = services.create_project(
        world.estate, by=staff, kind="parking", title="停车位", consent_rule="ordinary", consent_scope="estate"
    )
    services.transition_project(project, by=staff, to="surveyed")
    services.transition_project(project, by=staff, to="consent")
    own(resident, next_building_household)
    cast(project, resident, next_building_household)
    assert project.scope_households().count() == 3
    with pytest.raises(Invalid):
        cast(project, staff, world.other_household, is_paper=True, paper_reference="X1")


# ---------------------------------------------------------------- when


@pytest.mark.parametrize("status", [S.PROPOSED, S.SURVEYED, S.FUNDING, S.CONSTRUCTION, S.IN_SERVICE])
def test_ballots_are_cast_only_while_the_vote_is_open(
    lift: Project, advance: Advance, resident: User, world: Any, status: str
) -> None:
    lift = advance(lift, status)
    before = Ballot.objects.count()
    with pytest.raises(Conflict):
        cast(lift, resident, world.household, "disagree")
    assert Ballot.objects.count() == before


def test_no_ballot_after_cancellation(voting: Project, staff: User, resident: User, world: Any) -> None:
    services.transition_project(voting, by=staff, to="cancelled", note="取消")
    with pytest.raises(Conflict):
        cast(voting, resident, world.household)


# ---------------------------------------------------------------- paper ballots


def test_staff_record_a_paper_ballot_for_any_household_in_scope(voting: Project, staff: User, world: Any) -> None:
    ballot = cast(voting, staff, world.neighbour_household, "abstain", is_paper=True, paper_reference="纸质-017")
    assert (ballot.is_paper, ballot.paper_reference, ballot.cast_by) == (True, "纸质-017", staff)


def test_paper_ballot_needs_its_reference(voting: Project, staff: User, world: Any) -> None:
    with pytest.raises(Invalid) as error:
        cast(voting, staff, world.household, is_paper=True, paper_reference=" ")
    assert error.value.field == "paper_reference"


def test_only_staff_record_paper_ballots(voting: Project, resident: User, outsider: User, world: Any) -> None:
    for user in (resident, outsider):
        with pytest.raises(NotAllowed):
            cast(voting, user, world.household, is_paper=True, paper_reference="1")


def test_staff_cannot_vote_online_for_a_household(voting: Project, staff: User, world: Any) -> None:
    with pytest.raises(NotAllowed):
        cast(voting, staff, world.household)


def test_owner_online_ballot_replaces_a_paper_one(voting: Project, staff: User, resident: User, world: Any) -> None:
    cast(voting, staff, world.household, "disagree", is_paper=True, paper_reference="7")
    cast(voting, resident, world.household, "agree")
    ballot = Ballot.objects.get()
    assert (ballot.choice, ballot.is_paper, ballot.paper_reference, ballot.cast_by) == ("agree", False, "", resident)


# ---------------------------------------------------------------- the tally


def test_owner_of_two_households_counts_once_by_head_and_twice_by_area(
    voting: Project, resident: User, neighbour: User, room_601: Household, world: Any
) -> None:
    own(resident, room_601)
    cast(voting, resident, world.household, "agree")
    cast(voting, resident, room_601, "agree")
    tally = services.current_tally(voting)
    assert tally is not None
    assert (tally.total_owners, tally.participating_owners, tally.agree_owners) == (2, 1, 1)
    assert tally.total_area == Decimal("233.70")
    assert tally.agree_area == Decimal("168.50")
    assert not tally.passed  # one owner of two took part: 1/2 < 2/3
    cast(voting, neighbour, world.neighbour_household, "agree")
    assert services.current_tally(voting).passed


def test_voters_carry_owners_areas_and_choices(voting: Project, resident: User, neighbour: User, world: Any) -> None:
    cast(voting, resident, world.household, "abstain")
    voters = {v.household_id: v for v in services.consent_voters(voting)}
    assert voters[world.household.pk].owner_ids == frozenset({resident.pk})
    assert voters[world.household.pk].choice == "abstain"
    assert voters[world.household.pk].area == Decimal("78.50")
    assert voters[world.neighbour_household.pk].choice is None


def test_project_without_a_vote_has_no_tally(road: Project) -> None:
    assert services.current_tally(road) is None


@pytest.fixture
def dozen(world: Any, staff: User) -> Project:
    """A vote open in 9单元: 12 households of 10 m² each, no owners registered (each counts alone)."""
    unit = Unit.objects.create(building=world.building, name="9单元")
    for number in range(12):
        Household.objects.create(unit=unit, room=f"{number + 1:02d}", floor=1 + number // 2, floor_area=Decimal("10"))
    project = services.create_project(
        world.estate, by=staff, kind="lift", title="9单元电梯", consent_rule="major", consent_scope="unit",
        units=[unit],
    )  # fmt: skip
    services.transition_project(project, by=staff, to="surveyed")
    return services.transition_project(project, by=staff, to="consent")


def vote(project: Project, staff: User, agree: int, disagree: int, abstain: int) -> None:
    households = iter(project.scope_households().order_by("pk"))
    choices = ["agree"] * agree + ["disagree"] * disagree + ["abstain"] * abstain
    for number, choice in enumerate(choices):
        services.cast_ballot(
            project, by=staff, household=next(households), choice=choice, is_paper=True, paper_reference=str(number)
        )


@pytest.mark.parametrize(
    ("rule", "agree", "disagree", "abstain", "passed"),
    [
        # Major: ≥ 2/3 take part and ≥ 3/4 of them agree, both bounds included.
        ("major", 6, 2, 0, True),  # 8/12 = 2/3 take part, 6/8 = 3/4 agree
        ("major", 6, 1, 1, True),  # an abstention takes part
        ("major", 6, 1, 0, False),  # 7/12 < 2/3 take part
        ("major", 5, 2, 1, False),  # 5/8 < 3/4 agree
        ("major", 5, 3, 0, False),
        # Ordinary: more than half agree, one half exactly is not enough.
        ("ordinary", 4, 4, 0, False),  # 4/8 = 1/2
        ("ordinary", 4, 3, 1, False),  # abstaining is not agreeing
        ("ordinary", 5, 3, 0, True),
        ("ordinary", 5, 2, 0, False),  # 7/12 < 2/3 take part
    ],
)
def test_tally_through_the_api_at_the_exact_bounds(
    dozen: Project, staff: User, api: APIClient, rule: str, agree: int, disagree: int, abstain: int, passed: bool
) -> None:
    Project.objects.filter(pk=dozen.pk).update(consent_rule=rule)
    vote(dozen, staff, agree, disagree, abstain)
    body = api.get(f"/api/v1/projects/{dozen.pk}/consent/", **EN).json()
    assert body["is_open"] is True
    assert body["ballot_count"] == agree + disagree + abstain
    tally = body["tally"]
    assert tally["rule"] == rule
    assert tally["passed"] is passed
    assert tally["total_owners"] == 12
    assert tally["total_area"] == "120.00"
    voted = agree + disagree + abstain
    assert tally["participating_owners"] == voted
    assert tally["agree_owners"] == agree


def test_tally_at_two_thirds_and_three_quarters_shows_exact_fractions(
    dozen: Project, staff: User, api: APIClient
) -> None:
    vote(dozen, staff, 6, 2, 0)
    tally = api.get(f"/api/v1/projects/{dozen.pk}/consent/").json()["tally"]
    assert tally["participation_area_share"] == "2/3"
    assert tally["participation_owner_share"] == "2/3"
    assert tally["agree_area_share"] == "3/4"
    assert tally["agree_owner_share"] == "3/4"
    assert tally["participation_area_share_percent"] == 66.67
    assert (tally["participation_met"], tally["approval_met"], tally["passed"]) == (True, True, True)


def test_area_and_headcount_must_both_pass(world: Any, staff: User, api: APIClient) -> None:
    unit = Unit.objects.create(building=world.building, name="8单元")
    areas = [Decimal("10"), Decimal("10"), Decimal("10"), Decimal("70")]
    households = [
        Household.objects.create(unit=unit, room=str(n), floor=1, floor_area=area) for n, area in enumerate(areas)
    ]
    project = services.create_project(
        world.estate, by=staff, kind="lift", title="8单元电梯", consent_rule="major", consent_scope="unit", units=[unit]
    )
    services.transition_project(project, by=staff, to="surveyed")
    services.transition_project(project, by=staff, to="consent")
    for n, household in enumerate(households):
        choice = "disagree" if n == 3 else "agree"
        services.cast_ballot(
            project, by=staff, household=household, choice=choice, is_paper=True, paper_reference=str(n)
        )
    tally = api.get(f"/api/v1/projects/{project.pk}/consent/").json()["tally"]
    assert tally["agree_owner_share"] == "3/4"  # by head: passes
    assert tally["agree_area_share"] == "3/10"  # by area: fails
    assert tally["passed"] is False
    with pytest.raises(Conflict):
        services.transition_project(project, by=staff, to="funding")


def test_closed_vote_shows_the_result_it_closed_with(dozen: Project, staff: User, api: APIClient) -> None:
    vote(dozen, staff, 8, 0, 0)
    services.transition_project(dozen, by=staff, to="funding")
    # A household registered afterwards does not reopen or change the closed result.
    Household.objects.create(unit=dozen.units.get(), room="99", floor=6, floor_area=Decimal("500"))
    body = api.get(f"/api/v1/projects/{dozen.pk}/consent/").json()
    assert body["is_open"] is False
    assert body["closed_at"] is not None
    assert body["tally"]["passed"] is True
    assert body["tally"]["total_owners"] == 12


def test_consent_of_a_project_without_a_vote(road: Project, api: APIClient) -> None:
    body = api.get(f"/api/v1/projects/{road.pk}/consent/", **EN).json()
    assert body == {
        "rule": "none",
        "rule_display": "No owners' vote",
        "scope": "estate",
        "scope_display": "The whole estate",
        "is_open": False,
        "closed_at": None,
        "ballot_count": 0,
        "tally": None,
    }


def test_public_tally_names_nobody(voting: Project, resident: User, world: Any, api: APIClient) -> None:
    cast(voting, resident, world.household, "disagree")
    text = api.get(f"/api/v1/projects/{voting.pk}/consent/").content.decode()
    assert "李居民" not in text
    assert str(world.household) not in text
    timeline = api.get(f"/api/v1/projects/{voting.pk}/timeline/").json()["results"]
    ballot_events = [e for e in timeline if e["kind"] == "ballot"]
    assert ballot_events and all(
        e["actor"] is None and e["data"] == {"ballot_count": 1, "changed": False} for e in ballot_events
    )
    assert "disagree" not in str(ballot_events)


def test_ballot_events_cannot_name_a_voter_in_the_database(voting: Project, resident: User) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        ProjectEvent.objects.create(project=voting, kind="ballot", actor=resident)
