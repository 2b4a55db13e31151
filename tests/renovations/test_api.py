"""The renovations API: public reads, staff writes, transitions, the resources below a project,
private ballots and cost shares, error codes, and a query budget on every list."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from rest_framework import serializers
from rest_framework.test import APIClient

from estates.models import Household, Organisation, User
from renovations import services
from renovations.models import Ballot, LedgerEntry, Project, ProjectPhoto

from .conftest import Advance

S = Project.Status
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def client(user: User | None) -> APIClient:
    """A client for the user, loaded afresh (no scope cached on the fixture's object)."""
    api = APIClient()
    if user is not None:
        api.force_authenticate(user=User.objects.get(pk=user.pk))
    return api


def ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def when(value: Any) -> str:
    return serializers.DateTimeField().to_representation(value)


# ---------------------------------------------------------------- projects: reading


@pytest.mark.parametrize("persona", ["anonymous", "resident", "outsider", "staff", "committee"])
def test_everyone_lists_every_estates_projects(
    lift: Project, other_project: Project, persona: str, request: Any
) -> None:
    user = None if persona == "anonymous" else request.getfixturevalue(persona)
    assert set(ids(client(user).get("/api/v1/projects/"))) == {lift.pk, other_project.pk}
    assert client(user).get(f"/api/v1/projects/{lift.pk}/").status_code == 200


def test_can_manage_tells_staff_their_projects(lift: Project, other_project: Project, staff: User) -> None:
    rows = {row["id"]: row["can_manage"] for row in client(staff).get("/api/v1/projects/").json()["results"]}
    assert rows == {lift.pk: True, other_project.pk: False}


def test_unknown_project_is_404(world: Any, api: APIClient) -> None:
    assert api.get("/api/v1/projects/999999/").status_code == 404
    for child in ("updates", "photos", "ledger", "inspections", "timeline", "ballots", "ledger/totals"):
        assert api.get(f"/api/v1/projects/999999/{child}/").status_code == 404, child
    assert api.get("/api/v1/projects/999999/consent/").status_code == 404


def test_project_detail_whole_body(
    world: Any, staff: User, contractor: Organisation, api: APIClient, advance: Advance
) -> None:
    project = services.create_project(
        world.estate,
        by=staff,
        kind="lift",
        title="3号楼3单元加装电梯",
        description="加装一部电梯。",
        budget=Decimal("100000.00"),
        consent_rule="major",
        consent_scope="unit",
        buildings=[world.building],
        units=[world.unit],
        planned_start=date(2021, 3, 1),
        planned_end=date(2021, 6, 30),
        contractor=contractor,
        responsible=staff,
        lift_floor_coefficients={"1": "0", "5": "1.20"},
        lift_compensations={"1": "3000"},
    )
    services.record_ledger_entry(
        project, by=staff, kind="pledge", source="residents", amount=Decimal("20000.00"), occurred_on=date(2021, 1, 1)
    )
    services.record_ledger_entry(
        project, by=staff, kind="receipt", source="government_subsidy", amount=Decimal("60000.10"),
        occurred_on=date(2021, 1, 2),
    )  # fmt: skip
    services.record_ledger_entry(
        project, by=staff, kind="expense", payer_or_payee="电梯厂", amount=Decimal("0.10"), occurred_on=date(2021, 1, 3)
    )
    services.add_progress_update(project, by=staff, text="方案确定", percent=5)
    project.refresh_from_db()
    response = api.get(f"/api/v1/projects/{project.pk}/", **EN)
    assert response.status_code == 200
    assert response.json() == {
        "id": project.pk,
        "estate": world.estate.pk,
        "estate_name": "蕴园小区",
        "community": world.community.pk,
        "community_name": "小阳泉北社区",
        "kind": "lift",
        "kind_display": "Lift",
        "title": "3号楼3单元加装电梯",
        "description": "加装一部电梯。",
        "buildings": [{"id": world.building.pk, "name": "3号楼"}],
        "units": [{"id": world.unit.pk, "building": world.building.pk, "name": "3号楼3单元"}],
        "budget": "100000.00",
        "shared_cost": None,
        "planned_start": "2021-03-01",
        "planned_end": "2021-06-30",
        "actual_start": None,
        "actual_end": None,
        "contractor": contractor.pk,
        "contractor_name": "阳泉市建工集团",
        "responsible": {"id": staff.pk, "name": "王社工"},
        "status": "proposed",
        "status_display": "Proposed",
        "next_statuses": ["surveyed", "cancelled"],
        "progress": 5,
        "consent_rule": "major",
        "consent_rule_display": "Major matter: three quarters agree",
        "consent_scope": "unit",
        "consent_scope_display": "The project's units",
        "consent_closed_at": None,
        "consent_passed": None,
        "lift_floor_coefficients": {"1": "0", "5": "1.2"},
        "lift_weigh_by_area": True,
        "lift_compensations": {"1": "3000.00"},
        "funding_override": None,
        "pledged": "20000.00",
        "received": "60000.10",
        "spent": "0.10",
        "balance": "60000.00",
        "created_by": {"id": staff.pk, "name": "王社工"},
        "created_at": when(project.created_at),
        "updated_at": when(project.updated_at),
        "can_manage": False,
    }


def test_detail_shows_a_funding_override_and_the_closed_vote(
    lift: Project, staff: User, advance: Advance, api: APIClient
) -> None:
    lift = advance(lift, S.FUNDING)
    services.transition_project(lift, by=staff, to="construction", override_reason="补贴已批复")
    lift.refresh_from_db()
    body = api.get(f"/api/v1/projects/{lift.pk}/").json()
    assert body["funding_override"] == {
        "reason": "补贴已批复",
        "by": {"id": staff.pk, "name": "王社工"},
        "at": when(lift.funding_override_at),
    }
    assert body["consent_passed"] is True
    assert body["actual_start"] is not None


def test_projects_filter_by_estate_community_kind_status_year_and_title(
    lift: Project, road: Project, other_project: Project, staff: User, world: Any, api: APIClient
) -> None:
    url = "/api/v1/projects/"
    assert set(ids(api.get(url, {"estate": world.estate.pk}))) == {lift.pk, road.pk}
    assert ids(api.get(url, {"community": world.other_community.pk})) == [other_project.pk]
    assert set(ids(api.get(url, {"street": world.street.pk}))) == {lift.pk, road.pk}
    assert ids(api.get(url, {"kind": "lift"})) == [lift.pk]
    services.transition_project(road, by=staff, to="surveyed")
    assert ids(api.get(url, {"status": "surveyed"})) == [road.pk]
    assert ids(api.get(url, {"year": 2021})) == [lift.pk]
    assert ids(api.get(url, {"year": 2023})) == [road.pk]
    # Without a planned start, the year the project was created counts.
    assert ids(api.get(url, {"year": other_project.created_at.year})) == [other_project.pk]
    assert ids(api.get(url, {"search": "道路"})) == [road.pk]
    assert set(ids(client(staff).get(url, {"managed": "true"}))) == {lift.pk, road.pk}
    assert api.get(url, {"kind": "spaceport"}).status_code == 400
    assert api.get(url, {"year": "last"}).status_code == 400
    assert ids(api.get(url, {"year": 99999})) == []


# ---------------------------------------------------------------- projects: writing


def test_staff_create_a_project(world: Any, staff: User) -> None:
    response = client(staff).post(
        "/api/v1/projects/",
        {
            "estate": world.estate.pk,
            "kind": "pipes",
            "title": "3号楼污水管道更换",
            "budget": "36800.00",
            "buildings": [world.building.pk],
            "consent_rule": "ordinary",
            "consent_scope": "building",
            "planned_start": "2024-03-01",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["budget"], body["can_manage"]) == ("proposed", "36800.00", True)
    assert body["buildings"] == [{"id": world.building.pk, "name": "3号楼"}]
    project = Project.objects.get(pk=body["id"])
    assert project.created_by == staff
    assert project.events.get().to_status == "proposed"


@pytest.mark.parametrize("persona", ["resident", "outsider", "committee", "property_staff"])
def test_others_cannot_create_projects_in_the_estate(world: Any, persona: str, request: Any) -> None:
    user = request.getfixturevalue(persona)
    response = client(user).post(
        "/api/v1/projects/", {"estate": world.estate.pk, "kind": "road", "title": "道路"}, format="json"
    )
    assert response.status_code == 403
    assert not Project.objects.exists()


def test_anonymous_cannot_write(lift: Project, world: Any, api: APIClient) -> None:
    assert api.post("/api/v1/projects/", {"estate": world.estate.pk}, format="json").status_code == 401
    assert api.patch(f"/api/v1/projects/{lift.pk}/", {"title": "x"}, format="json").status_code == 401
    assert api.post(f"/api/v1/projects/{lift.pk}/transition/", {"to": "surveyed"}, format="json").status_code == 401


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"kind": "road"}, "title"),
        ({"title": "x", "kind": "spaceport"}, "kind"),
        ({"title": "x", "kind": "road", "estate": 999999}, "estate"),
        ({"title": "x", "kind": "road", "budget": "12.345"}, "budget"),
        ({"title": "x", "kind": "road", "budget": "-1"}, "budget"),
        ({"title": "x", "kind": "road", "planned_start": "2024-05-02", "planned_end": "2024-05-01"}, "planned_end"),
        ({"title": "x", "kind": "road", "lift_floor_coefficients": {"top": "1"}}, "lift_floor_coefficients"),
        ({"title": "x", "kind": "road", "lift_floor_coefficients": {"2": "-1"}}, "lift_floor_coefficients"),
        ({"title": "x", "kind": "road", "lift_floor_coefficients": ["1"]}, "lift_floor_coefficients"),
    ],
)
def test_bad_project_input_is_400_with_the_field(world: Any, staff: User, data: dict[str, Any], field: str) -> None:
    body = {"estate": world.estate.pk, **data}
    response = client(staff).post("/api/v1/projects/", body, format="json", **EN)
    assert response.status_code == 400, response.content
    assert field in response.json()


def test_building_of_another_estate_is_400(world: Any, staff: User) -> None:
    foreign = world.other_household.unit.building
    response = client(staff).post(
        "/api/v1/projects/",
        {"estate": world.estate.pk, "kind": "road", "title": "x", "buildings": [foreign.pk]},
        format="json",
        **EN,
    )
    assert response.status_code == 400
    assert response.json() == {"buildings": ["Choose buildings of the project's estate."]}


def test_staff_patch_a_project_but_not_its_status(lift: Project, staff: User) -> None:
    response = client(staff).patch(
        f"/api/v1/projects/{lift.pk}/", {"title": "3号楼3单元电梯", "budget": "98000.50"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert (response.json()["title"], response.json()["budget"]) == ("3号楼3单元电梯", "98000.50")
    response = client(staff).patch(f"/api/v1/projects/{lift.pk}/", {"status": "in_service"}, format="json")
    assert response.status_code == 400
    assert "status" in response.json()
    lift.refresh_from_db()
    assert lift.status == "proposed"


def test_projects_are_neither_replaced_nor_deleted(lift: Project, staff: User) -> None:
    api = client(staff)
    assert api.put(f"/api/v1/projects/{lift.pk}/", {"title": "x"}, format="json").status_code == 405
    assert api.delete(f"/api/v1/projects/{lift.pk}/").status_code == 405


@pytest.mark.parametrize("persona", ["resident", "outsider", "committee"])
def test_others_cannot_patch_a_project(lift: Project, persona: str, request: Any) -> None:
    response = client(request.getfixturevalue(persona)).patch(
        f"/api/v1/projects/{lift.pk}/", {"title": "x"}, format="json"
    )
    assert response.status_code == 403


def test_vote_settings_locked_after_the_vote_opens_is_409(lift: Project, staff: User, advance: Advance) -> None:
    advance(lift, S.CONSENT)
    response = client(staff).patch(f"/api/v1/projects/{lift.pk}/", {"consent_rule": "ordinary"}, format="json")
    assert response.status_code == 409


# ---------------------------------------------------------------- transitions


def test_staff_move_a_project(lift: Project, staff: User) -> None:
    response = client(staff).post(
        f"/api/v1/projects/{lift.pk}/transition/", {"to": "surveyed", "note": "调研完成"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["next_statuses"]) == (
        "surveyed",
        ["consent", "funding", "cancelled"],
    )


def test_illegal_move_is_409_with_a_message(lift: Project, staff: User) -> None:
    response = client(staff).post(f"/api/v1/projects/{lift.pk}/transition/", {"to": "in_service"}, format="json", **EN)
    assert response.status_code == 409
    assert response.json() == {"detail": "A project cannot move from “Proposed” to “In service”."}


def test_guard_refusal_is_409(road: Project, staff: User, advance: Advance) -> None:
    advance(road, S.FUNDING)
    response = client(staff).post(
        f"/api/v1/projects/{road.pk}/transition/", {"to": "construction"}, format="json", **EN
    )
    assert response.status_code == 409
    assert "does not cover the budget" in response.json()["detail"]
    response = client(staff).post(
        f"/api/v1/projects/{road.pk}/transition/",
        {"to": "construction", "override_reason": "补贴下月到账"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["funding_override"]["reason"] == "补贴下月到账"


@pytest.mark.parametrize("persona", ["resident", "outsider", "committee", "property_staff"])
def test_move_by_non_staff_is_403(lift: Project, persona: str, request: Any) -> None:
    response = client(request.getfixturevalue(persona)).post(
        f"/api/v1/projects/{lift.pk}/transition/", {"to": "surveyed"}, format="json"
    )
    assert response.status_code == 403
    lift.refresh_from_db()
    assert lift.status == "proposed"


@pytest.mark.parametrize(
    ("data", "field"),
    [({}, "to"), ({"to": "finished"}, "to"), ({"to": "cancelled"}, "note"), ({"to": "surveyed", "on": "soon"}, "on")],
)
def test_bad_transition_input_is_400(lift: Project, staff: User, data: dict[str, Any], field: str) -> None:
    response = client(staff).post(f"/api/v1/projects/{lift.pk}/transition/", data, format="json")
    assert response.status_code == 400
    assert field in response.json()


# ---------------------------------------------------------------- updates, inspections, timeline


def test_staff_post_a_progress_update(road: Project, staff: User) -> None:
    response = client(staff).post(
        f"/api/v1/projects/{road.pk}/updates/", {"text": "路基完成", "percent": 40}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json() == {
        "id": response.json()["id"],
        "project": road.pk,
        "text": "路基完成",
        "percent": 40,
        "created_by": {"id": staff.pk, "name": "王社工"},
        "created_at": response.json()["created_at"],
        "photos": [],
    }
    assert client(None).get(f"/api/v1/projects/{road.pk}/").json()["progress"] == 40


@pytest.mark.parametrize("data", [{"text": "x", "percent": 101}, {"text": "", "percent": 5}, {"percent": 5}])
def test_bad_progress_update_is_400(road: Project, staff: User, data: dict[str, Any]) -> None:
    assert client(staff).post(f"/api/v1/projects/{road.pk}/updates/", data, format="json").status_code == 400


@pytest.mark.parametrize("persona", ["resident", "outsider"])
def test_others_post_no_updates_or_inspections(road: Project, persona: str, request: Any) -> None:
    api = client(request.getfixturevalue(persona))
    assert api.post(f"/api/v1/projects/{road.pk}/updates/", {"text": "x", "percent": 5}).status_code == 403
    data = {"inspected_on": "2023-01-01", "inspectors": "x", "passed": True}
    assert api.post(f"/api/v1/projects/{road.pk}/inspections/", data).status_code == 403


def test_staff_record_an_inspection_through_the_api(road: Project, staff: User, advance: Advance) -> None:
    api = client(staff)
    data = {"inspected_on": "2023-09-01", "inspectors": "监理 李工", "passed": True, "note": "合格"}
    assert api.post(f"/api/v1/projects/{road.pk}/inspections/", data, format="json").status_code == 409
    advance(road, S.INSPECTION)
    response = api.post(f"/api/v1/projects/{road.pk}/inspections/", data, format="json")
    assert response.status_code == 201
    assert response.json()["passed"] is True
    assert client(None).get(f"/api/v1/projects/{road.pk}/inspections/").json()["count"] == 1
    response = api.post(f"/api/v1/projects/{road.pk}/transition/", {"to": "in_service"}, format="json")
    assert response.status_code == 200


def test_timeline_is_public_and_in_order(road: Project, staff: User, advance: Advance, api: APIClient) -> None:
    advance(road, S.CONSTRUCTION)
    rows = api.get(f"/api/v1/projects/{road.pk}/timeline/", **EN).json()["results"]
    transitions = [(r["from_status"], r["to_status"]) for r in rows if r["kind"] == "transition"]
    assert transitions == [
        ("", "proposed"),
        ("proposed", "surveyed"),
        ("surveyed", "funding"),
        ("funding", "construction"),
    ]
    assert [r["kind"] for r in rows].count("ledger") == 1
    first = rows[0]
    assert first == {
        "id": first["id"],
        "project": road.pk,
        "kind": "transition",
        "kind_display": "Status change",
        "actor": {"id": staff.pk, "name": "王社工"},
        "at": first["at"],
        "from_status": "",
        "from_status_display": "",
        "to_status": "proposed",
        "to_status_display": "Proposed",
        "note": "",
        "data": {},
    }
    # The public record names people, never their phone numbers.
    assert "13800001111" not in str(rows)


# ---------------------------------------------------------------- ledger


def test_staff_keep_the_ledger_through_the_api(road: Project, staff: User, api: APIClient) -> None:
    staff_api = client(staff)
    response = staff_api.post(
        f"/api/v1/projects/{road.pk}/ledger/",
        {
            "kind": "receipt",
            "source": "shops",
            "payer_or_payee": "底商",
            "amount": "1200.50",
            "occurred_on": "2023-02-01",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    entry = response.json()
    assert (entry["amount"], entry["source_display"] != "", entry["reverses"], entry["reversed_by"]) == (
        "1200.50",
        True,
        None,
        None,
    )
    response = staff_api.post(f"/api/v1/projects/{road.pk}/ledger/{entry['id']}/reverse/", {"note": "重复"})
    assert response.status_code == 201
    assert (response.json()["amount"], response.json()["reverses"]) == ("-1200.50", entry["id"])
    again = staff_api.post(f"/api/v1/projects/{road.pk}/ledger/{entry['id']}/reverse/", {"note": "再来"})
    assert again.status_code == 409
    reversal = staff_api.post(f"/api/v1/projects/{road.pk}/ledger/{response.json()['id']}/reverse/", {"note": "x"})
    assert reversal.status_code == 409
    rows = api.get(f"/api/v1/projects/{road.pk}/ledger/").json()["results"]
    assert [(r["amount"], r["reversed_by"]) for r in rows] == [("1200.50", response.json()["id"]), ("-1200.50", None)]
    assert api.get(f"/api/v1/projects/{road.pk}/ledger/", {"kind": "expense"}).json()["count"] == 0


def test_ledger_entries_cannot_be_edited_or_deleted_through_the_api(road: Project, staff: User) -> None:
    entry = services.record_ledger_entry(
        road, by=staff, kind="expense", amount=Decimal("5.00"), occurred_on=date(2023, 1, 1)
    )
    api = client(staff)
    url = f"/api/v1/projects/{road.pk}/ledger/{entry.pk}/"
    assert api.patch(url, {"amount": "1.00"}, format="json").status_code == 405
    assert api.put(url, {"amount": "1.00"}, format="json").status_code == 405
    assert api.delete(url).status_code == 405
    assert LedgerEntry.objects.get(pk=entry.pk).amount == Decimal("5.00")


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"kind": "receipt", "amount": "1.00", "occurred_on": "2023-01-01"}, "source"),
        ({"kind": "expense", "source": "shops", "amount": "1.00", "occurred_on": "2023-01-01"}, "source"),
        ({"kind": "receipt", "source": "shops", "amount": "0.00", "occurred_on": "2023-01-01"}, "amount"),
        ({"kind": "receipt", "source": "shops", "amount": "1.001", "occurred_on": "2023-01-01"}, "amount"),
        ({"kind": "receipt", "source": "shops", "amount": "abc", "occurred_on": "2023-01-01"}, "amount"),
        ({"kind": "receipt", "source": "shops", "amount": "1.00"}, "occurred_on"),
        ({"kind": "loan", "source": "shops", "amount": "1.00", "occurred_on": "2023-01-01"}, "kind"),
    ],
)
def test_bad_ledger_input_is_400(road: Project, staff: User, data: dict[str, Any], field: str) -> None:
    response = client(staff).post(f"/api/v1/projects/{road.pk}/ledger/", data, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not LedgerEntry.objects.exists()


@pytest.mark.parametrize("persona", ["resident", "outsider", "committee"])
def test_others_cannot_write_the_ledger(road: Project, staff: User, persona: str, request: Any) -> None:
    entry = services.record_ledger_entry(
        road, by=staff, kind="expense", amount=Decimal("5.00"), occurred_on=date(2023, 1, 1)
    )
    api = client(request.getfixturevalue(persona))
    data = {"kind": "expense", "amount": "1.00", "occurred_on": "2023-01-01"}
    assert api.post(f"/api/v1/projects/{road.pk}/ledger/", data, format="json").status_code == 403
    assert api.post(f"/api/v1/projects/{road.pk}/ledger/{entry.pk}/reverse/", {"note": "x"}).status_code == 403


def test_entry_of_another_project_is_404_below_this_one(road: Project, lift: Project, staff: User) -> None:
    entry = services.record_ledger_entry(
        lift, by=staff, kind="expense", amount=Decimal("5.00"), occurred_on=date(2023, 1, 1)
    )
    api = client(staff)
    assert api.get(f"/api/v1/projects/{road.pk}/ledger/{entry.pk}/").status_code == 404
    assert api.post(f"/api/v1/projects/{road.pk}/ledger/{entry.pk}/reverse/", {"note": "x"}).status_code == 404


def test_project_ledger_totals(road: Project, staff: User, api: APIClient) -> None:
    for kind, source, amount in [
        ("pledge", "residents", "100.10"),
        ("receipt", "residents", "50.05"),
        ("receipt", "developer", "0.20"),
        ("expense", "", "20.00"),
    ]:
        services.record_ledger_entry(
            road, by=staff, kind=kind, source=source, amount=Decimal(amount), occurred_on=date(2023, 1, 1)
        )
    body = api.get(f"/api/v1/projects/{road.pk}/ledger/totals/", **EN).json()
    assert {k: body[k] for k in ("pledged", "received", "spent", "balance")} == {
        "pledged": "100.10",
        "received": "50.25",
        "spent": "20.00",
        "balance": "30.25",
    }
    assert body["by_source"][1] == {
        "source": "residents",
        "source_display": "Residents",
        "pledged": "100.10",
        "received": "50.05",
    }
    assert len(body["by_source"]) == 7


def test_estate_money_is_public(
    road: Project, lift: Project, other_project: Project, staff: User, other_staff: User, world: Any, api: APIClient
) -> None:
    services.record_ledger_entry(
        road, by=staff, kind="receipt", source="shops", amount=Decimal("10.10"), occurred_on=date(2023, 1, 1)
    )
    services.record_ledger_entry(
        lift, by=staff, kind="receipt", source="shops", amount=Decimal("0.20"), occurred_on=date(2023, 1, 1)
    )
    services.record_ledger_entry(
        other_project, by=other_staff, kind="receipt", source="shops", amount=Decimal("99.00"),
        occurred_on=date(2023, 1, 1),
    )  # fmt: skip
    body = api.get("/api/v1/projects/money/", {"estate": world.estate.pk}).json()
    assert (body["received"], body["project_count"], body["budget"]) == ("10.30", 2, "150000.00")
    assert body["by_source"][2]["source"] == "shops"
    assert body["by_source"][2]["received"] == "10.30"
    assert api.get("/api/v1/projects/money/", {"estate": world.other_estate.pk}).json()["received"] == "99.00"
    assert api.get("/api/v1/projects/money/", {"kind": "lift"}).json()["received"] == "0.20"


# ---------------------------------------------------------------- ballots


@pytest.fixture
def voting(lift: Project, advance: Advance) -> Project:
    lift = advance(lift, S.SURVEYED)
    return services.transition_project(lift, by=lift.created_by, to="consent")


def test_owner_votes_and_changes_the_vote_through_the_api(voting: Project, resident: User, world: Any) -> None:
    api = client(resident)
    url = f"/api/v1/projects/{voting.pk}/ballots/"
    response = api.post(url, {"household": world.household.pk, "choice": "agree"}, format="json")
    assert response.status_code == 201, response.content
    assert response.json() == {
        "id": response.json()["id"],
        "project": voting.pk,
        "household": world.household.pk,
        "household_label": "3号楼3单元501",
        "choice": "agree",
        "choice_display": response.json()["choice_display"],
        "is_paper": False,
        "paper_reference": "",
        "cast_by": {"id": resident.pk, "name": "李居民"},
        "cast_at": response.json()["cast_at"],
    }
    response = api.post(url, {"household": world.household.pk, "choice": "abstain"}, format="json")
    assert response.status_code == 200
    assert Ballot.objects.get().choice == "abstain"


def test_ballot_api_errors(voting: Project, resident: User, staff: User, world: Any, advance: Advance) -> None:
    url = f"/api/v1/projects/{voting.pk}/ballots/"
    api = client(resident)
    assert api.post(url, {"household": world.neighbour_household.pk, "choice": "agree"}).status_code == 403
    assert api.post(url, {"household": world.household.pk, "choice": "maybe"}).status_code == 400
    assert api.post(url, {"household": 999999, "choice": "agree"}).status_code == 400
    paper = {"household": world.household.pk, "choice": "agree", "is_paper": True}
    assert client(staff).post(url, paper, format="json").status_code == 400  # no reference
    assert api.post(url, {**paper, "paper_reference": "1"}, format="json").status_code == 403
    assert client(None).post(url, {"household": world.household.pk, "choice": "agree"}).status_code == 401
    for household in (world.household, world.neighbour_household):
        services.cast_ballot(
            voting, by=staff, household=household, choice="agree", is_paper=True, paper_reference=str(household.pk)
        )
    services.transition_project(voting, by=staff, to="funding")
    assert api.post(url, {"household": world.household.pk, "choice": "disagree"}).status_code == 409


def test_staff_see_every_ballot_and_owners_their_own(
    voting: Project, staff: User, resident: User, neighbour: User, world: Any
) -> None:
    services.cast_ballot(voting, by=resident, household=world.household, choice="agree")
    services.cast_ballot(voting, by=neighbour, household=world.neighbour_household, choice="disagree")
    url = f"/api/v1/projects/{voting.pk}/ballots/"
    assert len(ids(client(staff).get(url))) == 2
    mine = client(resident).get(url).json()["results"]
    assert [(b["household"], b["choice"]) for b in mine] == [(world.household.pk, "agree")]
    assert len(ids(client(resident).get(url, {"household": world.household.pk}))) == 1
    assert len(ids(client(staff).get(url, {"household": world.neighbour_household.pk}))) == 1


def test_ballots_of_a_household_not_theirs_are_404(
    voting: Project, staff: User, resident: User, neighbour: User, world: Any
) -> None:
    theirs = services.cast_ballot(voting, by=neighbour, household=world.neighbour_household, choice="disagree")[0]
    url = f"/api/v1/projects/{voting.pk}/ballots/"
    api = client(resident)
    assert api.get(url, {"household": world.neighbour_household.pk}).status_code == 404
    assert api.get(f"{url}{theirs.pk}/").status_code == 404
    assert client(staff).get(f"{url}{theirs.pk}/").status_code == 200
    assert api.get(url, {"household": "x"}).status_code == 400


@pytest.mark.parametrize("persona", ["anonymous", "outsider", "committee", "property_staff", "mediator"])
def test_others_cannot_read_ballots(voting: Project, resident: User, world: Any, persona: str, request: Any) -> None:
    ballot = services.cast_ballot(voting, by=resident, household=world.household, choice="agree")[0]
    user = None if persona == "anonymous" else request.getfixturevalue(persona)
    api = client(user)
    # The public is asked to sign in; the others are refused.
    assert api.get(f"/api/v1/projects/{voting.pk}/ballots/").status_code == (401 if user is None else 403)
    assert api.get(f"/api/v1/projects/{voting.pk}/ballots/{ballot.pk}/").status_code == 404


# ---------------------------------------------------------------- cost shares


@pytest.fixture
def room_601(world: Any) -> Household:
    return Household.objects.create(unit=world.unit, room="601", floor=6, floor_area=Decimal("80.00"))


def test_staff_see_every_households_cost_share(lift: Project, staff: User, room_601: Household, world: Any) -> None:
    body = client(staff).get(f"/api/v1/projects/{lift.pk}/cost-shares/").json()
    assert body["configured"] is True
    assert body["total"] == "100000.00"
    shares = {row["household"]: row["share"] for row in body["shares"]}
    assert set(shares) == {world.household.pk, world.neighbour_household.pk, room_601.pk}
    assert sum(Decimal(share) for share in shares.values()) == Decimal("100000.00")
    row = next(r for r in body["shares"] if r["household"] == room_601.pk)
    assert (row["household_label"], row["floor"], row["floor_area"]) == ("3号楼3单元601", 6, "80.00")


def test_owner_sees_only_their_own_share_before_voting(
    lift: Project, resident: User, staff: User, room_601: Household, world: Any
) -> None:
    everyone = {
        row["household"]: row["share"]
        for row in client(staff).get(f"/api/v1/projects/{lift.pk}/cost-shares/").json()["shares"]
    }
    body = client(resident).get(f"/api/v1/projects/{lift.pk}/cost-shares/").json()
    assert [(row["household"], row["share"]) for row in body["shares"]] == [
        (world.household.pk, everyone[world.household.pk])
    ]
    url = f"/api/v1/projects/{lift.pk}/cost-shares/"
    assert client(resident).get(url, {"household": world.neighbour_household.pk}).status_code == 404
    assert client(resident).get(url, {"household": world.household.pk}).status_code == 200


def test_cost_shares_need_sign_in_and_show_outsiders_nothing(lift: Project, outsider: User, api: APIClient) -> None:
    assert api.get(f"/api/v1/projects/{lift.pk}/cost-shares/").status_code == 401
    assert client(outsider).get(f"/api/v1/projects/{lift.pk}/cost-shares/").json()["shares"] == []


def test_cost_shares_without_coefficients(road: Project, staff: User) -> None:
    body = client(staff).get(f"/api/v1/projects/{road.pk}/cost-shares/").json()
    assert (body["configured"], body["shares"], body["total"]) == (False, [], "50000.00")


def test_cost_share_settings_that_cannot_apply_are_409(lift: Project, staff: User) -> None:
    services.update_project(lift, by=staff, lift_floor_coefficients={"1": "0"})
    response = client(staff).get(f"/api/v1/projects/{lift.pk}/cost-shares/", **EN)
    assert response.status_code == 409
    assert "No household pays" in response.json()["detail"]


def test_shared_cost_and_compensation_apply(lift: Project, staff: User, world: Any) -> None:
    ground = Household.objects.create(unit=world.unit, room="101", floor=1, floor_area=Decimal("60.00"))
    services.update_project(lift, by=staff, shared_cost=Decimal("30000.00"), lift_compensations={"1": "1000.00"})
    body = client(staff).get(f"/api/v1/projects/{lift.pk}/cost-shares/").json()
    shares = {row["household"]: Decimal(row["share"]) for row in body["shares"]}
    assert shares[ground.pk] == Decimal("-1000.00")
    assert sum(shares.values()) == Decimal("30000.00")


# ---------------------------------------------------------------- query budgets


def grow(world: Any, staff: User, count: int) -> None:
    """More projects, each with a building, a unit, updates, photos-free ledger rows and events."""
    for number in range(count):
        project = services.create_project(
            world.estate, by=staff, kind="road", title=f"道路{number}", buildings=[world.building], units=[world.unit]
        )
        services.add_progress_update(project, by=staff, text="x", percent=10)
        services.record_ledger_entry(
            project, by=staff, kind="receipt", source="shops", amount=Decimal("1.00"), occurred_on=date(2023, 1, 1)
        )


@pytest.mark.parametrize("rows", [1, 4])
def test_project_list_query_budget(world: Any, staff: User, rows: int, django_assert_num_queries: Any) -> None:
    grow(world, staff, rows)
    api = APIClient()
    # count, projects with money subqueries and joins, buildings, units
    with django_assert_num_queries(4):
        assert api.get("/api/v1/projects/").status_code == 200
    api = client(staff)
    # + the staff member's memberships and estates (their scope, once per request)
    with django_assert_num_queries(6):
        assert api.get("/api/v1/projects/").status_code == 200


@pytest.mark.parametrize("rows", [1, 4])
def test_estate_money_query_budget(world: Any, staff: User, rows: int, django_assert_num_queries: Any) -> None:
    grow(world, staff, rows)
    # totals by kind and source, the project count, the budget sum
    with django_assert_num_queries(3):
        assert APIClient().get("/api/v1/projects/money/", {"estate": world.estate.pk}).status_code == 200


@pytest.mark.parametrize(
    ("child", "queries"),
    [
        # project, count, rows (+ photos prefetch for updates)
        ("updates", 4),
        ("photos", 3),
        ("ledger", 3),
        ("inspections", 3),
        ("timeline", 3),
    ],
)
@pytest.mark.parametrize("rows", [1, 4])
def test_project_child_list_query_budgets(
    road: Project, staff: User, child: str, queries: int, rows: int, django_assert_num_queries: Any, advance: Advance
) -> None:
    for number in range(rows):
        services.add_progress_update(road, by=staff, text=f"第{number}次", percent=number)
        services.record_ledger_entry(
            road, by=staff, kind="receipt", source="shops", amount=Decimal("1.00"), occurred_on=date(2023, 1, 1)
        )
        ProjectPhoto.objects.create(project=road, stage="during", image=f"projects/{number}.jpg", uploaded_by=staff)
    Project.objects.filter(pk=road.pk).update(status="inspection")
    for _number in range(rows):
        services.record_inspection(road, by=staff, inspected_on=date(2023, 1, 1), inspectors="x", passed=True)
    with django_assert_num_queries(queries):
        assert APIClient().get(f"/api/v1/projects/{road.pk}/{child}/").status_code == 200


@pytest.mark.parametrize("rows", [1, 3])
def test_ballot_list_query_budget(
    voting: Project, staff: User, world: Any, rows: int, django_assert_num_queries: Any
) -> None:
    for number in range(rows):
        household = Household.objects.create(unit=world.unit, room=f"6{number}", floor=6, floor_area=Decimal("50"))
        services.cast_ballot(voting, by=staff, household=household, choice="agree", is_paper=True, paper_reference="p")
    api = client(staff)
    # scope (memberships, estates), project, owned households (visible_to), count, ballots
    with django_assert_num_queries(6):
        assert api.get(f"/api/v1/projects/{voting.pk}/ballots/").status_code == 200


def test_owner_ballot_list_query_budget(
    voting: Project, resident: User, world: Any, django_assert_num_queries: Any
) -> None:
    services.cast_ballot(voting, by=resident, household=world.household, choice="agree")
    api = client(resident)
    # scope, project, owned households twice (may read; visible_to), count, ballots
    with django_assert_num_queries(6):
        assert api.get(f"/api/v1/projects/{voting.pk}/ballots/").status_code == 200
