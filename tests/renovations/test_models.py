"""Renovation models: the transition table, database constraints and the read querysets."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps
from django.db import IntegrityError, transaction

from estates.models import User
from renovations import services
from renovations.models import Ballot, Project, ProjectEvent, ProjectPhoto

from .conftest import fresh

S = Project.Status


def test_transition_table_covers_every_status_and_ends_in_the_final_ones() -> None:
    assert set(Project.TRANSITIONS) == set(S.values)
    for status, targets in Project.TRANSITIONS.items():
        assert set(targets) <= set(S.values)
        assert status not in targets
        if status in Project.FINAL_STATUSES:
            assert targets == ()
        else:
            assert S.CANCELLED in targets


def test_transition_table_is_the_designed_workflow() -> None:
    assert {(a, b) for a, targets in Project.TRANSITIONS.items() for b in targets if b != S.CANCELLED} == {
        ("proposed", "surveyed"),
        ("surveyed", "consent"),
        ("surveyed", "funding"),
        ("consent", "funding"),
        ("funding", "construction"),
        ("construction", "inspection"),
        ("inspection", "in_service"),
        ("inspection", "construction"),
    }


@pytest.mark.parametrize(
    "fields",
    [
        {"status": "finished"},
        {"kind": "spaceport"},
        {"consent_rule": "unanimous"},
        {"consent_scope": "street"},
        {"progress": 101},
        {"budget": Decimal("-0.01")},
        {"planned_start": date(2024, 5, 2), "planned_end": date(2024, 5, 1)},
        {"actual_start": date(2024, 5, 2), "actual_end": date(2024, 5, 1)},
    ],
)
def test_database_refuses_inconsistent_projects(world: Any, fields: dict[str, Any]) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Project.objects.create(estate=world.estate, kind=fields.pop("kind", "road"), title="x", **fields)


def test_database_refuses_a_second_ballot_per_household_and_paper_without_reference(
    lift: Project, staff: User, world: Any
) -> None:
    Ballot.objects.create(project=lift, household=world.household, choice="agree", cast_by=staff)
    with pytest.raises(IntegrityError), transaction.atomic():
        Ballot.objects.create(project=lift, household=world.household, choice="disagree", cast_by=staff)
    with pytest.raises(IntegrityError), transaction.atomic():
        Ballot.objects.create(
            project=lift, household=world.neighbour_household, choice="agree", cast_by=staff, is_paper=True
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Ballot.objects.create(
            project=lift, household=world.neighbour_household, choice="agree", cast_by=staff, paper_reference="x"
        )


def test_database_refuses_unknown_photo_stages_and_event_kinds(lift: Project, staff: User) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        ProjectPhoto.objects.create(project=lift, stage="someday", image="projects/x.jpg", uploaded_by=staff)
    with pytest.raises(IntegrityError), transaction.atomic():
        ProjectEvent.objects.create(project=lift, kind="gossip")


def test_projects_are_public_and_managed_by_the_estates_staff(
    lift: Project, other_project: Project, staff: User, outsider: User, resident: User, street_admin: User,
    superuser: User,
) -> None:  # fmt: skip
    for user in (None, staff, outsider, resident):
        assert set(Project.objects.visible_to(user)) == {lift, other_project}
    assert list(Project.objects.managed_by(fresh(staff))) == [lift]
    assert list(Project.objects.managed_by(fresh(street_admin))) == [lift]
    assert list(Project.objects.managed_by(fresh(outsider))) == [other_project]
    assert list(Project.objects.managed_by(fresh(resident))) == []
    assert set(Project.objects.managed_by(superuser)) == {lift, other_project}


def test_ballots_are_seen_by_the_estates_staff_and_their_owners(
    lift: Project, advance: Any, staff: User, resident: User, neighbour: User, outsider: User, committee: User,
    world: Any,
) -> None:  # fmt: skip
    lift = advance(lift, S.CONSENT)
    services.cast_ballot(lift, by=resident, household=world.household, choice="agree")
    services.cast_ballot(lift, by=neighbour, household=world.neighbour_household, choice="disagree")
    assert Ballot.objects.visible_to(fresh(staff)).count() == 2
    assert [b.household for b in Ballot.objects.visible_to(fresh(resident))] == [world.household]
    assert [b.household for b in Ballot.objects.visible_to(fresh(neighbour))] == [world.neighbour_household]
    for user in (None, outsider, committee):
        assert not Ballot.objects.visible_to(user).exists()


def test_scope_never_reaches_into_another_estate(lift: Project, world: Any, staff: User) -> None:
    # Written past the service's check, a foreign unit still adds nobody to the vote.
    lift.units.add(world.other_household.unit)
    assert set(lift.scope_households()) == {world.household, world.neighbour_household}


def test_project_properties(lift: Project, road: Project) -> None:
    assert str(lift) == "3号楼3单元加装电梯"
    assert lift.needs_consent and not road.needs_consent
    assert lift.next_statuses() == ("surveyed", "cancelled")
    assert not lift.is_final
    assert not lift.consent_passed


# ---------------------------------------------------------------- admin


@pytest.mark.parametrize(
    "model", ["project", "projectevent", "progressupdate", "projectphoto", "ledgerentry", "inspectionrecord", "ballot"]
)
def test_admin_lists_and_shows_renovation_records_read_only(
    lift: Project, superuser: User, advance: Any, world: Any, model: str, client: Any
) -> None:
    advance(lift, S.IN_SERVICE)
    services.add_progress_update(lift, by=lift.created_by, text="完工", percent=100)
    ProjectPhoto.objects.create(project=lift, stage="after", image="projects/x.jpg", uploaded_by=superuser)
    client.force_login(superuser)
    response = client.get(f"/admin/renovations/{model}/")
    assert response.status_code == 200
    assert client.get(f"/admin/renovations/{model}/add/").status_code == 403
    obj = apps.get_model("renovations", model).objects.first()
    response = client.get(f"/admin/renovations/{model}/{obj.pk}/change/")
    assert response.status_code == 200
    assert b'type="submit" value="Save"' not in response.content
    assert client.post(f"/admin/renovations/{model}/{obj.pk}/delete/").status_code == 403
