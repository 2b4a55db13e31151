"""Project services: every transition and guard, who may move a project, edits, progress, inspections."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise
from typing import Any

import pytest
from django.utils import timezone

from estates.errors import Conflict, Invalid, NotAllowed
from estates.models import Building, Organisation, Unit, User
from renovations import services
from renovations.models import Project, ProjectEvent

from .conftest import PATH, Advance, fresh

S = Project.Status


def events(project: Project, kind: str = "transition") -> list[tuple[str, str]]:
    return list(project.events.filter(kind=kind).order_by("id").values_list("from_status", "to_status"))


# ---------------------------------------------------------------- creating and editing


def test_staff_proposes_a_project_with_a_timeline_entry(lift: Project, staff: User) -> None:
    assert lift.status == S.PROPOSED
    assert lift.created_by == staff
    event = lift.events.get()
    assert (event.kind, event.actor, event.from_status, event.to_status) == ("transition", staff, "", "proposed")
    assert lift.lift_floor_coefficients == {"1": "0", "2": "0.6", "3": "0.8", "4": "1", "5": "1.2", "6": "1.4"}


@pytest.mark.parametrize("persona", ["outsider", "resident", "committee", "property_staff"])
def test_only_the_estates_staff_propose_projects(world: Any, persona: str, request: Any) -> None:
    user = request.getfixturevalue(persona)
    with pytest.raises(NotAllowed):
        services.create_project(world.estate, by=user, kind="road", title="道路")
    assert not Project.objects.exists()


def test_street_admin_and_superuser_propose_projects(world: Any, street_admin: User, superuser: User) -> None:
    services.create_project(world.estate, by=street_admin, kind="road", title="道路")
    services.create_project(world.other_estate, by=superuser, kind="road", title="道路")
    assert Project.objects.count() == 2


def test_project_cannot_touch_buildings_or_units_of_another_estate(world: Any, staff: User) -> None:
    foreign_building = Building.objects.get(estate=world.other_estate)
    with pytest.raises(Invalid) as error:
        services.create_project(world.estate, by=staff, kind="lift", title="电梯", buildings=[foreign_building])
    assert error.value.field == "buildings"
    with pytest.raises(Invalid) as error:
        services.create_project(
            world.estate, by=staff, kind="lift", title="电梯", units=[Unit.objects.get(building=foreign_building)]
        )
    assert error.value.field == "units"


def test_contractor_must_be_a_contractor_and_responsible_must_be_staff(
    world: Any, staff: User, outsider: User, contractor: Organisation
) -> None:
    with pytest.raises(Invalid) as error:
        services.create_project(world.estate, by=staff, kind="road", title="道路", contractor=world.property_org)
    assert error.value.field == "contractor"
    with pytest.raises(Invalid) as error:
        services.create_project(world.estate, by=staff, kind="road", title="道路", responsible=outsider)
    assert error.value.field == "responsible"
    project = services.create_project(
        world.estate, by=staff, kind="road", title="道路", contractor=contractor, responsible=staff
    )
    assert (project.contractor, project.responsible) == (contractor, staff)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"title": "  "}, "title"),
        ({"budget": Decimal("-1")}, "budget"),
        ({"budget": Decimal("1.005")}, "budget"),
        ({"planned_start": date(2024, 5, 1), "planned_end": date(2024, 4, 1)}, "planned_end"),
        ({"lift_floor_coefficients": {"x": "1"}}, "lift_floor_coefficients"),
        ({"lift_floor_coefficients": {"2": "-1"}}, "lift_floor_coefficients"),
        ({"lift_compensations": {"1": "10.001"}}, "lift_compensations"),
        ({"status": "in_service"}, "status"),
    ],
)
def test_bad_project_fields_are_refused_with_the_field_named(
    world: Any, staff: User, fields: dict[str, Any], field: str
) -> None:
    data = {"kind": "road", "title": "道路", **fields}
    with pytest.raises(Invalid) as error:
        services.create_project(world.estate, by=staff, **data)
    assert error.value.field == field


def test_staff_edit_a_project_but_not_its_status(lift: Project, staff: User) -> None:
    project = services.update_project(lift, by=staff, title="3号楼3单元电梯", budget=Decimal("120000.50"))
    project.refresh_from_db()
    assert (project.title, project.budget) == ("3号楼3单元电梯", Decimal("120000.50"))
    with pytest.raises(Invalid):
        services.update_project(lift, by=staff, status="in_service")


def test_others_cannot_edit_a_project(lift: Project, outsider: User, resident: User) -> None:
    for user in (outsider, resident):
        with pytest.raises(NotAllowed):
            services.update_project(lift, by=user, title="x")


def test_what_owners_vote_on_is_fixed_once_the_vote_opens(lift: Project, staff: User, advance: Advance) -> None:
    services.update_project(lift, by=staff, consent_scope="building")  # still surveyable: allowed
    services.update_project(lift, by=staff, consent_scope="unit")
    lift = advance(lift, S.CONSENT)
    for change in (
        {"consent_scope": "estate"},
        {"consent_rule": "ordinary"},
        {"units": []},
        {"lift_floor_coefficients": {"5": "2"}},
        {"shared_cost": Decimal("1.00")},
    ):
        with pytest.raises(Conflict):
            services.update_project(lift, by=staff, **change)
    # Unchanged values and other fields are fine.
    services.update_project(lift, by=staff, consent_rule="major", units=[lift.units.get()], description="说明")


# ---------------------------------------------------------------- the transition table


def test_transition_records_who_when_from_to_and_note(lift: Project, staff: User) -> None:
    before = timezone.now()
    services.transition_project(lift, by=staff, to="surveyed", note="入户调研完成")
    lift.refresh_from_db()
    assert lift.status == S.SURVEYED
    event = lift.events.filter(kind="transition").latest("id")
    assert (event.actor, event.from_status, event.to_status, event.note) == (
        staff,
        "proposed",
        "surveyed",
        "入户调研完成",
    )
    assert event.at >= before


@pytest.mark.parametrize("to", [S.CONSENT, S.FUNDING, S.CONSTRUCTION, S.INSPECTION, S.IN_SERVICE, S.PROPOSED])
def test_proposed_project_moves_only_to_surveyed_or_cancelled(lift: Project, staff: User, to: str) -> None:
    with pytest.raises(Conflict):
        services.transition_project(lift, by=staff, to=to)
    lift.refresh_from_db()
    assert lift.status == S.PROPOSED
    assert events(lift) == [("", "proposed")]


def test_every_illegal_move_is_a_conflict(world: Any, staff: User, advance: Advance) -> None:
    for index, status in enumerate(PATH[:-1]):
        project = services.create_project(
            world.estate, by=staff, kind="road", title=f"道路{index}", consent_rule="ordinary", units=[world.unit]
        )
        project = advance(project, status)
        allowed = set(Project.TRANSITIONS[status])
        for to in S.values:
            if to in allowed:
                continue
            with pytest.raises(Conflict):
                services.transition_project(project, by=staff, to=to, note="x")


def test_final_statuses_move_nowhere(lift: Project, road: Project, staff: User, advance: Advance) -> None:
    lift = advance(lift, S.IN_SERVICE)
    services.transition_project(road, by=staff, to="cancelled", note="资金不足")
    for project in (lift, road):
        for to in S.values:
            with pytest.raises(Conflict):
                services.transition_project(project, by=staff, to=to, note="x")


def test_unknown_status_is_invalid(lift: Project, staff: User) -> None:
    with pytest.raises(Invalid) as error:
        services.transition_project(lift, by=staff, to="finished")
    assert error.value.field == "to"


@pytest.mark.parametrize("persona", ["outsider", "resident", "committee", "property_staff", "mediator"])
def test_only_staff_move_a_project_even_illegally(lift: Project, persona: str, request: Any) -> None:
    user = request.getfixturevalue(persona)
    for to in ("surveyed", "in_service"):
        with pytest.raises(NotAllowed):
            services.transition_project(lift, by=user, to=to)
    lift.refresh_from_db()
    assert lift.status == S.PROPOSED


def test_staff_of_the_street_above_move_projects(lift: Project, street_admin: User) -> None:
    services.transition_project(lift, by=street_admin, to="surveyed")
    lift.refresh_from_db()
    assert lift.status == S.SURVEYED


# surveyed → consent / funding


def test_project_needing_consent_cannot_skip_the_vote(lift: Project, staff: User, advance: Advance) -> None:
    lift = advance(lift, S.SURVEYED)
    with pytest.raises(Conflict):
        services.transition_project(lift, by=staff, to="funding")


def test_project_without_a_vote_goes_from_surveyed_to_funding(road: Project, staff: User, advance: Advance) -> None:
    road = advance(road, S.SURVEYED)
    with pytest.raises(Conflict):
        services.transition_project(road, by=staff, to="consent")
    services.transition_project(road, by=staff, to="funding")
    road.refresh_from_db()
    assert road.status == S.FUNDING


def test_vote_cannot_open_with_nobody_in_scope(world: Any, staff: User, advance: Advance) -> None:
    project = services.create_project(
        world.estate, by=staff, kind="lift", title="电梯", consent_rule="major", consent_scope="unit"
    )
    project = advance(project, S.SURVEYED)
    with pytest.raises(Conflict):
        services.transition_project(project, by=staff, to="consent")
    services.update_project(project, by=staff, units=[world.unit])
    services.transition_project(project, by=staff, to="consent")


# consent → funding


def test_vote_that_has_not_passed_blocks_funding(lift: Project, staff: User, advance: Advance, world: Any) -> None:
    lift = advance(lift, S.SURVEYED)
    services.transition_project(lift, by=staff, to="consent")
    with pytest.raises(Conflict):
        services.transition_project(lift, by=staff, to="funding")
    # One of two households agreeing: participation 1/2 < 2/3.
    services.cast_ballot(lift, by=staff, household=world.household, choice="agree", is_paper=True, paper_reference="1")
    with pytest.raises(Conflict):
        services.transition_project(lift, by=staff, to="funding")
    lift.refresh_from_db()
    assert lift.status == S.CONSENT
    assert lift.consent_closed_at is None


def test_passed_vote_closes_with_its_result_recorded(lift: Project, staff: User, advance: Advance) -> None:
    lift = advance(lift, S.FUNDING)
    assert lift.consent_closed_at is not None
    assert lift.consent_passed
    assert lift.consent_result["passed"] is True
    assert lift.consent_result["total_owners"] == 2
    event = lift.events.filter(kind="transition", to_status="funding").get()
    assert event.data == {"consent_passed": True}


def test_cancelling_during_the_vote_closes_it(lift: Project, staff: User, advance: Advance) -> None:
    lift = advance(lift, S.CONSENT)
    services.transition_project(lift, by=staff, to="cancelled", note="业主意见分歧")
    lift.refresh_from_db()
    assert lift.consent_closed_at is not None
    assert lift.consent_result["passed"] is False


# funding → construction


def test_construction_waits_for_the_money(road: Project, staff: User, advance: Advance) -> None:
    road = advance(road, S.FUNDING)
    services.record_ledger_entry(
        road, by=staff, kind="pledge", source="residents", amount=Decimal("50000.00"), occurred_on=date(2023, 1, 1)
    )
    services.record_ledger_entry(
        road, by=staff, kind="receipt", source="residents", amount=Decimal("49999.99"), occurred_on=date(2023, 1, 2)
    )
    with pytest.raises(Conflict) as error:
        services.transition_project(road, by=staff, to="construction")
    assert "49999.99" in str(error.value.message)
    services.record_ledger_entry(
        road, by=staff, kind="receipt", source="shops", amount=Decimal("0.01"), occurred_on=date(2023, 1, 3)
    )
    services.transition_project(road, by=staff, to="construction")
    road.refresh_from_db()
    assert road.status == S.CONSTRUCTION
    assert road.actual_start == timezone.localdate()
    assert road.funding_override_reason == ""
    assert not road.events.filter(kind="override").exists()


def test_a_reversed_receipt_does_not_fund_construction(road: Project, staff: User, advance: Advance) -> None:
    road = advance(road, S.FUNDING)
    entry = services.record_ledger_entry(
        road, by=staff, kind="receipt", source="developer", amount=Decimal("50000.00"), occurred_on=date(2023, 1, 1)
    )
    services.reverse_ledger_entry(entry, by=staff, note="录错了项目")
    with pytest.raises(Conflict):
        services.transition_project(road, by=staff, to="construction")


def test_staff_start_construction_without_full_funding_with_a_recorded_reason(
    road: Project, staff: User, advance: Advance
) -> None:
    road = advance(road, S.FUNDING)
    services.transition_project(
        road, by=staff, to="construction", note="开工", override_reason="政府补贴已批复，款项下月到账"
    )
    road.refresh_from_db()
    assert road.status == S.CONSTRUCTION
    assert road.funding_override_reason == "政府补贴已批复，款项下月到账"
    assert road.funding_override_by == staff
    assert road.funding_override_at is not None
    override = road.events.get(kind="override")
    assert (override.actor, override.note) == (staff, "政府补贴已批复，款项下月到账")
    assert override.data == {"received": "0.00", "budget": "50000.00"}
    assert events(road)[-1] == ("funding", "construction")


def test_override_reason_fits_only_the_start_of_construction(road: Project, staff: User) -> None:
    with pytest.raises(Invalid) as error:
        services.transition_project(road, by=staff, to="surveyed", override_reason="急")
    assert error.value.field == "override_reason"


def test_required_consent_cannot_be_overridden(lift: Project, staff: User, advance: Advance) -> None:
    lift = advance(lift, S.FUNDING)
    # Simulate a vote recorded as failed (for instance a project imported mid-way).
    Project.objects.filter(pk=lift.pk).update(consent_result={"passed": False})
    with pytest.raises(Conflict):
        services.transition_project(lift, by=staff, to="construction", override_reason="赶工期")


# construction → inspection → in service


def test_in_service_needs_a_passed_inspection(road: Project, staff: User, advance: Advance) -> None:
    road = advance(road, S.INSPECTION)
    with pytest.raises(Conflict):
        services.transition_project(road, by=staff, to="in_service")
    services.record_inspection(road, by=staff, inspected_on=date(2023, 9, 1), inspectors="监理 李工", passed=False)
    with pytest.raises(Conflict):
        services.transition_project(road, by=staff, to="in_service")
    services.record_inspection(road, by=staff, inspected_on=date(2023, 9, 8), inspectors="监理 李工", passed=True)
    services.transition_project(road, by=staff, to="in_service", note="验收合格，投入使用")
    road.refresh_from_db()
    assert road.status == S.IN_SERVICE
    assert road.actual_end == timezone.localdate()


def test_failed_inspection_sends_the_works_back_to_construction(road: Project, staff: User, advance: Advance) -> None:
    road = advance(road, S.INSPECTION)
    started = road.actual_start
    services.record_inspection(road, by=staff, inspected_on=date(2023, 9, 1), inspectors="监理", passed=False)
    services.transition_project(road, by=staff, to="construction", note="返工：路面平整度不合格")
    services.transition_project(road, by=staff, to="inspection")
    # The earlier passed check is not there; the latest failed one still blocks.
    with pytest.raises(Conflict):
        services.transition_project(road, by=staff, to="in_service")
    road.refresh_from_db()
    assert road.actual_start == started
    assert events(road)[-2:] == [("inspection", "construction"), ("construction", "inspection")]


def test_dates_of_works_can_be_given_for_records_after_the_fact(road: Project, staff: User, advance: Advance) -> None:
    road = advance(road, S.FUNDING)
    services.transition_project(road, by=staff, to="construction", on=date(2021, 3, 2), override_reason="补录")
    services.transition_project(road, by=staff, to="inspection")
    services.record_inspection(road, by=staff, inspected_on=date(2021, 6, 1), inspectors="质监站", passed=True)
    with pytest.raises(Invalid):
        services.transition_project(road, by=staff, to="in_service", on=date(2021, 3, 1))
    with pytest.raises(Invalid):
        services.transition_project(road, by=staff, to="in_service", on=timezone.localdate() + timedelta(days=1))
    services.transition_project(road, by=staff, to="in_service", on=date(2021, 6, 18))
    road.refresh_from_db()
    assert (road.actual_start, road.actual_end) == (date(2021, 3, 2), date(2021, 6, 18))


# cancelled


@pytest.mark.parametrize("status", PATH[:-1])
def test_any_open_project_can_be_cancelled_with_a_note(
    lift: Project, staff: User, advance: Advance, status: str
) -> None:
    lift = advance(lift, status)
    with pytest.raises(Invalid) as error:
        services.transition_project(lift, by=staff, to="cancelled", note="  ")
    assert error.value.field == "note"
    services.transition_project(lift, by=staff, to="cancelled", note="居民意见不一致")
    lift.refresh_from_db()
    assert lift.status == S.CANCELLED
    assert events(lift)[-1] == (status, "cancelled")


def test_happy_path_leaves_a_complete_timeline(lift: Project, advance: Advance) -> None:
    lift = advance(lift, S.IN_SERVICE)
    assert events(lift) == [("", "proposed"), *pairwise(PATH)]


# ---------------------------------------------------------------- progress and inspections


def test_progress_update_sets_the_projects_progress(road: Project, staff: User) -> None:
    services.add_progress_update(road, by=staff, text="路基完成", percent=40)
    update = services.add_progress_update(road, by=staff, text="返工，进度回退", percent=30)
    road.refresh_from_db()
    assert road.progress == 30
    assert update.created_by == staff
    event = road.events.filter(kind="update").latest("id")
    assert (event.note, event.data) == ("返工，进度回退", {"percent": 30, "update": update.pk})


@pytest.mark.parametrize("percent", [-1, 101, True, "50"])
def test_progress_is_a_whole_percent(road: Project, staff: User, percent: Any) -> None:
    with pytest.raises(Invalid):
        services.add_progress_update(road, by=staff, text="x", percent=percent)


def test_cancelled_project_takes_no_updates_and_others_post_none(
    road: Project, staff: User, resident: User, outsider: User
) -> None:
    for user in (resident, outsider):
        with pytest.raises(NotAllowed):
            services.add_progress_update(road, by=user, text="x", percent=10)
    services.transition_project(road, by=staff, to="cancelled", note="撤销")
    with pytest.raises(Conflict):
        services.add_progress_update(road, by=staff, text="x", percent=10)


def test_inspections_are_recorded_only_under_inspection(road: Project, staff: User, advance: Advance) -> None:
    with pytest.raises(Conflict):
        services.record_inspection(road, by=staff, inspected_on=date(2023, 1, 1), inspectors="x", passed=True)
    road = advance(road, S.INSPECTION)
    with pytest.raises(Invalid):
        services.record_inspection(road, by=staff, inspected_on=date(2023, 1, 1), inspectors=" ", passed=True)
    record = services.record_inspection(
        road, by=staff, inspected_on=date(2023, 1, 1), inspectors="监理", passed=True, note="合格"
    )
    assert road.events.filter(kind="inspection", data={"passed": True}).count() == 1
    assert record.recorded_by == staff


def test_outsider_records_no_inspection(road: Project, outsider: User, advance: Advance) -> None:
    road = advance(road, S.INSPECTION)
    with pytest.raises(NotAllowed):
        services.record_inspection(road, by=fresh(outsider), inspected_on=date(2023, 1, 1), inspectors="x", passed=True)
    assert not ProjectEvent.objects.filter(kind="inspection").exists()
