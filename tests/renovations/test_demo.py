"""The renovations demo: the report's projects, their money and votes, loaded once per module.

Loading takes a few seconds, so the module loads the demo once inside a transaction that is
rolled back at the end; each test runs in a savepoint of its own (pytest-django's `db`).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone, translation

from estates import demo as estates_demo
from estates.models import Household, Membership, User
from renovations import services
from renovations.demo import RenovationsDemoSummary, load_renovations_demo
from renovations.models import Ballot, LedgerEntry, Project, money_totals

D = date


@pytest.fixture(scope="module")
def _demo(django_db_setup: Any, django_db_blocker: Any) -> Iterator[RenovationsDemoSummary]:
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
        transaction.atomic(),
    ):
        estates_demo.load_demo(force=True)
        yield load_renovations_demo()
        transaction.set_rollback(True)


@pytest.fixture
def loaded(_demo: RenovationsDemoSummary, db: Any) -> RenovationsDemoSummary:
    return _demo


def _project(title: str) -> Project:
    return Project.objects.get(title=title)


def test_each_estate_has_the_reports_projects_with_their_statuses_and_dates(loaded: Any) -> None:
    rows = {
        (p.estate.name, p.title): (p.kind, p.status, p.actual_start, p.actual_end, p.progress)
        for p in Project.objects.select_related("estate")
    }
    assert rows == {
        ("蕴园小区", "3号楼3单元加装电梯"): ("lift", "in_service", D(2021, 3, 8), D(2021, 6, 18), 100),
        ("蕴园小区", "1号楼加装电梯"): ("lift", "in_service", D(2023, 4, 10), D(2024, 1, 8), 100),
        ("蕴园小区", "道路拓宽"): ("road", "in_service", D(2021, 5, 10), D(2021, 9, 1), 100),
        ("蕴园小区", "规划停车位"): ("parking", "in_service", D(2021, 10, 11), D(2021, 11, 15), 100),
        ("蕴园小区", "绿化提升"): ("greening", "in_service", D(2022, 4, 6), D(2022, 6, 30), 100),
        ("蕴园小区", "安防设施升级"): ("security", "in_service", D(2022, 9, 13), D(2022, 11, 20), 100),
        ("蕴园小区", "健身广场"): ("fitness", "in_service", D(2023, 5, 8), D(2023, 7, 15), 100),
        ("蕴园小区", "2号楼1单元加装电梯"): ("lift", "consent", None, None, 0),
        ("体委小区", "停车位扩建（20个增至60个）"): ("parking", "in_service", D(2018, 9, 3), D(2019, 5, 10), 100),
        ("体委小区", "蓝牙升降杆"): ("barrier_gate", "in_service", D(2019, 7, 8), D(2019, 8, 1), 100),
        ("体委小区", "管道维护"): ("pipes", "in_service", D(2024, 5, 13), D(2024, 6, 28), 100),
        ("体委小区", "电动车充电桩"): ("ev_charging", "construction", D(2026, 8, 17), None, 60),
        ("佳融花园小区", "3号楼污水管道抢修"): ("pipes", "in_service", D(2025, 2, 17), D(2025, 4, 2), 100),
        ("佳融花园小区", "路面硬化"): ("road", "in_service", D(2025, 5, 12), D(2025, 6, 30), 100),
        ("佳融花园小区", "划定停车线"): ("parking", "in_service", D(2025, 7, 10), D(2025, 7, 20), 100),
        ("佳融花园小区", "清除枯树"): ("tree_removal", "in_service", D(2025, 7, 28), D(2025, 8, 2), 100),
        ("佳融花园小区", "太阳能路灯（4盏）"): ("lighting", "in_service", D(2025, 9, 3), D(2025, 9, 18), 100),
        ("佳融花园小区", "直饮水机"): ("drinking_water", "in_service", D(2025, 9, 8), D(2025, 9, 26), 100),
    }
    assert loaded.projects == loaded.created == 18
    # The sewage repair was proposed the day after the seepage of 30 January 2025.
    assert timezone.localtime(_project("3号楼污水管道抢修").created_at).date() == D(2025, 1, 31)
    # Each estate's projects are run by its own community's staff.
    responsible = {
        (p.estate.name, p.responsible.username) for p in Project.objects.select_related("estate", "responsible")
    }
    assert responsible == {("蕴园小区", "staff"), ("体委小区", "staff2"), ("佳融花园小区", "demo-wenlina")}


def test_every_timeline_follows_the_projects_dates(loaded: Any) -> None:
    for project in Project.objects.prefetch_related("events", "updates"):
        events = list(project.events.all())
        days = [timezone.localtime(event.at).date() for event in events]
        assert days[0] == timezone.localtime(project.created_at).date(), project.title
        assert days == sorted(days), project.title
        moves = {event.to_status: day for event, day in zip(events, days, strict=True) if event.kind == "transition"}
        if project.actual_end:
            assert moves["in_service"] == project.actual_end, project.title
        if project.actual_start:
            assert moves["construction"] == project.actual_start, project.title
        # Ballots were counted one by one, in time order.
        counts = [event.data["ballot_count"] for event in events if event.kind == "ballot"]
        assert counts == list(range(1, len(counts) + 1)), project.title
        assert project.updates.exists(), project.title
        assert max(u.percent for u in project.updates.all()) == project.progress, project.title


def test_first_lift_vote_passed_under_article_278_and_its_tally_is_public(loaded: Any, api: Any) -> None:
    lift = _project("3号楼3单元加装电梯")
    response = api.get(f"/api/v1/projects/{lift.pk}/consent/")
    assert response.status_code == 200
    body = response.json()
    assert (body["rule"], body["scope"], body["is_open"], body["ballot_count"]) == ("major", "unit", False, 11)
    tally = body["tally"]
    assert tally["passed"] and tally["participation_met"] and tally["approval_met"]
    assert (tally["total_owners"], tally["participating_owners"], tally["agree_owners"]) == (12, 11, 9)
    assert (tally["disagree_owners"], tally["abstain_owners"]) == (1, 1)
    assert timezone.localtime(lift.consent_closed_at).date() == D(2020, 7, 20)
    # Every household of the unit has an owner; the ballots are staff-recorded paper ballots.
    households = lift.scope_households()
    assert households.count() == 12
    assert (
        Membership.objects.filter(household__in=households, is_owner=True).values("household").distinct().count() == 12
    )
    assert set(Ballot.objects.filter(project=lift).values_list("is_paper", flat=True)) == {True}


@pytest.mark.parametrize(
    ("title", "shared", "receipts"),
    [("3号楼3单元加装电梯", Decimal("440000.00"), 10), ("1号楼加装电梯", Decimal("1260000.00"), 3)],
)
def test_lift_cost_shares_add_up_to_the_shared_cost_and_were_received_from_the_residents(
    loaded: Any, title: str, shared: Decimal, receipts: int
) -> None:
    lift = _project(title)
    assert lift.shared_cost == shared
    shares = services.lift_cost_shares(lift)
    assert shares is not None and sum(shares.values()) == shared
    floors = dict(lift.scope_households().values_list("pk", "floor"))
    assert all(share == 0 for pk, share in shares.items() if floors[pk] == 1)
    assert all(share > 0 for pk, share in shares.items() if floors[pk] > 1)
    paid = LedgerEntry.objects.filter(project=lift, kind="receipt", source="residents")
    assert paid.count() == receipts
    assert sum(entry.amount for entry in paid) == shared
    subsidy = LedgerEntry.objects.filter(project=lift, source="government_subsidy")
    assert {(e.kind, e.amount) for e in subsidy} == {
        ("pledge", lift.budget - shared),
        ("receipt", lift.budget - shared),
    }
    assert lift.inspections.get().passed


def test_first_lift_receipts_name_each_paying_household_and_its_share(loaded: Any) -> None:
    lift = _project("3号楼3单元加装电梯")
    shares = services.lift_cost_shares(lift) or {}
    labels = {str(h): h.pk for h in lift.scope_households().select_related("unit__building")}
    paid = dict(
        LedgerEntry.objects.filter(project=lift, kind="receipt", source="residents").values_list(
            "payer_or_payee", "amount"
        )
    )
    assert paid == {label: shares[pk] for label, pk in labels.items() if shares[pk] > 0}
    # Construction started on the recorded promise of the subsidy, before it was paid.
    assert lift.funding_override_by.username == "staff"
    assert "政府补贴" in lift.funding_override_reason


def test_money_totals_per_estate_are_exact(loaded: Any) -> None:
    totals = {
        name: money_totals(Project.objects.filter(estate__name=name))
        for name in ("蕴园小区", "体委小区", "佳融花园小区")
    }
    assert {name: (t["pledged"], t["received"], t["spent"], t["balance"]) for name, t in totals.items()} == {
        "蕴园小区": (Decimal("960000.00"), Decimal("3393000.00"), Decimal("3342190.00"), Decimal("50810.00")),
        "体委小区": (Decimal("0.00"), Decimal("157000.00"), Decimal("133290.00"), Decimal("23710.00")),
        "佳融花园小区": (Decimal("0.00"), Decimal("299700.00"), Decimal("290070.00"), Decimal("9630.00")),
    }
    jiarong = {row["source"]: row["received"] for row in totals["佳融花园小区"]["by_source"]}
    assert jiarong["residents"] == Decimal("38400.00")
    assert jiarong["shops"] == Decimal("21400.00")
    assert jiarong["developer"] == Decimal("68000.00")
    for project in Project.objects.with_money():
        assert project.received >= project.spent, project.title
        assert project.spent <= project.budget, project.title


def test_sewage_repair_was_paid_by_residents_shops_and_the_developer(loaded: Any) -> None:
    repair = _project("3号楼污水管道抢修")
    receipts = LedgerEntry.objects.filter(project=repair, kind="receipt")
    assert {e.source for e in receipts} == {"residents", "shops", "developer"}
    assert receipts.get(source="developer").payer_or_payee == "阳泉市万通天鸿房地产开发有限公司"
    assert sum(e.amount for e in receipts) == repair.budget == Decimal("96000.00")
    assert all(e.occurred_on > D(2025, 1, 30) for e in receipts)


def test_barriers_were_paid_by_the_car_owners(loaded: Any) -> None:
    gates = _project("蓝牙升降杆")
    receipts = list(LedgerEntry.objects.filter(project=gates, kind__in=["pledge", "receipt"]))
    assert {(e.kind, e.source, e.note) for e in receipts} == {("receipt", "residents", "车主出资")}
    assert sum(e.amount for e in receipts) == Decimal("18000.00")


def test_a_mistyped_receipt_is_corrected_by_a_reversing_entry(loaded: Any) -> None:
    (reversal,) = LedgerEntry.objects.filter(reverses__isnull=False).select_related("reverses", "project")
    assert reversal.project.title == "电动车充电桩"
    assert (reversal.amount, reversal.reverses.amount) == (Decimal("-12600.00"), Decimal("12600.00"))
    residents = LedgerEntry.objects.filter(project=reversal.project, kind="receipt", source="residents")
    assert sum(e.amount for e in residents) == Decimal("12000.00")
    assert reversal.project.events.filter(kind="reversal").count() == 1


def test_road_resurfacing_passed_an_ordinary_vote_of_the_whole_estate(loaded: Any) -> None:
    road = _project("路面硬化")
    assert (road.consent_rule, road.consent_scope, road.contractor.name) == (
        "ordinary",
        "estate",
        "阳泉市路通市政工程施工队",
    )
    result = road.consent_result
    assert result["passed"] and result["rule"] == "ordinary"
    assert (result["total_owners"], result["participating_owners"], result["agree_owners"]) == (120, 100, 92)


def test_the_open_lift_vote_passes_when_the_committee_member_votes_online(loaded: Any) -> None:
    lift = _project("2号楼1单元加装电梯")
    tally = services.current_tally(lift)
    assert tally is not None and not tally.passed
    assert (tally.total_owners, tally.participating_owners) == (12, 7)
    assert Ballot.objects.filter(project=lift, is_paper=False).count() == 2
    committee = User.objects.get(username="committee")
    home = Household.objects.get(
        unit__building__estate=lift.estate, unit__building__name="2号楼", unit__name="1单元", room="401"
    )
    assert not Ballot.objects.filter(project=lift, household=home).exists()
    services.cast_ballot(lift, by=committee, household=home, choice="agree")
    tally = services.current_tally(lift)
    assert tally is not None and tally.passed
    # The eighth owner of twelve: participation exactly at the 2/3 bound, which passes (以上).
    assert tally.participating_owners == 8 and tally.participation_owner_share * 3 == 2


def _counts() -> dict[str, int]:
    models = [*apps.get_app_config("renovations").get_models(), User, Membership]
    return {model.__name__: model._default_manager.count() for model in models}


def test_load_demo_again_changes_no_counts_and_prints_the_renovations_summary(loaded: Any, settings: Any) -> None:
    settings.DEBUG = True
    before = _counts()
    out = StringIO()
    with translation.override("en"):
        call_command("load_demo", stdout=out)
    assert _counts() == before
    lines = out.getvalue().splitlines()
    summary = (
        f"Renovation projects: 18 (0 new), {before['LedgerEntry']} ledger entries, "
        f"{before['Ballot']} ballots, {before['ProgressUpdate']} progress updates."
    )
    assert summary in lines
    # The logins table stays last.
    admin_row = next(i for i, line in enumerate(lines) if " admin " in line and "huanxin-demo" in line)
    assert lines.index(summary) < admin_row
    assert before["Project"] == 18 and before["Ballot"] == 151
