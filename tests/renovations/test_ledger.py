"""The money ledger: exact totals, append-only entries, reversals, and the database refusing edits."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from estates.errors import Conflict, Invalid, NotAllowed
from estates.models import User
from renovations import services
from renovations.models import LedgerEntry, Project, money_totals

D = Decimal
DAY = date(2023, 2, 1)


def add(project: Project, by: User, kind: str, amount: str, source: str = "", **extra: Any) -> LedgerEntry:
    return services.record_ledger_entry(
        project, by=by, kind=kind, source=source, amount=D(amount), occurred_on=DAY, **extra
    )


def by_source(totals: dict[str, Any]) -> dict[str, tuple[Decimal, Decimal]]:
    return {
        row["source"]: (row["pledged"], row["received"])
        for row in totals["by_source"]
        if row["pledged"] or row["received"]
    }


def test_totals_are_exact_decimals(road: Project, staff: User) -> None:
    # 0.1 + 0.2 is 0.3 here, not 0.30000000000000004.
    add(road, staff, "pledge", "0.10", "residents")
    add(road, staff, "pledge", "0.20", "residents")
    add(road, staff, "pledge", "30000.00", "government_subsidy")
    add(road, staff, "receipt", "0.10", "residents")
    add(road, staff, "receipt", "0.20", "shops")
    add(road, staff, "receipt", "9999999.99", "developer")
    add(road, staff, "expense", "0.05", payer_or_payee="五金店")
    add(road, staff, "expense", "1234.56", payer_or_payee="施工队")
    totals = money_totals(Project.objects.filter(pk=road.pk))
    assert totals["pledged"] == D("30000.30")
    assert totals["received"] == D("10000000.29")
    assert totals["spent"] == D("1234.61")
    assert totals["balance"] == D("9998765.68")
    assert str(totals["balance"]) == "9998765.68"
    assert by_source(totals)["government_subsidy"] == (D("30000.00"), D("0.00"))
    assert by_source(totals)["residents"] == (D("0.30"), D("0.10"))
    assert by_source(totals)["shops"] == (D("0.00"), D("0.20"))
    assert [row["source"] for row in totals["by_source"]] == list(LedgerEntry.Source.values)


def test_with_money_annotates_each_project(road: Project, lift: Project, staff: User) -> None:
    add(road, staff, "receipt", "100.00", "residents")
    add(road, staff, "expense", "30.50")
    add(lift, staff, "pledge", "7.00", "shops")
    rows = {p.pk: (p.pledged, p.received, p.spent, p.balance) for p in Project.objects.with_money()}
    assert rows[road.pk] == (D("0.00"), D("100.00"), D("30.50"), D("69.50"))
    assert rows[lift.pk] == (D("7.00"), D("0.00"), D("0.00"), D("0.00"))


def test_estate_totals_sum_its_projects_only(
    road: Project, lift: Project, other_project: Project, staff: User, other_staff: User
) -> None:
    add(road, staff, "receipt", "100.00", "residents")
    add(lift, staff, "receipt", "0.01", "maintenance_fund")
    add(other_project, other_staff, "receipt", "5.00", "residents")
    totals = money_totals(Project.objects.filter(estate=road.estate))
    assert totals["received"] == D("100.01")
    assert by_source(totals) == {"residents": (D("0.00"), D("100.00")), "maintenance_fund": (D("0.00"), D("0.01"))}


def test_empty_ledger_totals_are_zero(road: Project) -> None:
    totals = money_totals(Project.objects.filter(pk=road.pk))
    assert (totals["pledged"], totals["received"], totals["spent"], totals["balance"]) == (D("0.00"),) * 4


def test_ledger_entry_is_recorded_on_the_timeline(road: Project, staff: User) -> None:
    entry = add(road, staff, "receipt", "500.00", "shops", payer_or_payee="底商联合", note="首笔")
    event = road.events.get(kind="ledger")
    assert event.actor == staff
    assert event.data == {"entry": entry.pk, "kind": "receipt", "source": "shops", "amount": "500.00"}


@pytest.mark.parametrize(
    ("kind", "source", "amount", "field"),
    [
        ("gift", "residents", "1.00", "kind"),
        ("pledge", "", "1.00", "source"),
        ("receipt", "lottery", "1.00", "source"),
        ("expense", "residents", "1.00", "source"),
        ("receipt", "residents", "0.00", "amount"),
        ("receipt", "residents", "-5.00", "amount"),
        ("receipt", "residents", "1.001", "amount"),
        ("receipt", "residents", "10000000000.00", "amount"),
        ("receipt", "residents", "NaN", "amount"),
    ],
)
def test_bad_entries_are_refused(road: Project, staff: User, kind: str, source: str, amount: str, field: str) -> None:
    with pytest.raises(Invalid) as error:
        add(road, staff, kind, amount, source)
    assert error.value.field == field
    assert not LedgerEntry.objects.exists()


def test_entries_cannot_be_dated_in_the_future(road: Project, staff: User) -> None:
    with pytest.raises(Invalid) as error:
        services.record_ledger_entry(
            road,
            by=staff,
            kind="receipt",
            source="residents",
            amount=D("1.00"),
            occurred_on=timezone.localdate() + timedelta(days=1),
        )
    assert error.value.field == "occurred_on"


@pytest.mark.parametrize("persona", ["outsider", "resident", "committee", "property_staff"])
def test_only_staff_keep_the_ledger(road: Project, persona: str, request: Any) -> None:
    user = request.getfixturevalue(persona)
    with pytest.raises(NotAllowed):
        add(road, user, "receipt", "1.00", "residents")
    entry = add(road, request.getfixturevalue("staff"), "receipt", "1.00", "residents")
    with pytest.raises(NotAllowed):
        services.reverse_ledger_entry(entry, by=user, note="x")


# ---------------------------------------------------------------- reversals


def test_reversal_appends_the_negated_entry(road: Project, staff: User) -> None:
    entry = add(road, staff, "receipt", "1200.50", "residents", payer_or_payee="3号楼住户")
    reversal = services.reverse_ledger_entry(entry, by=staff, note="重复入账")
    assert (reversal.kind, reversal.source, reversal.payer_or_payee) == ("receipt", "residents", "3号楼住户")
    assert reversal.amount == D("-1200.50")
    assert reversal.reverses == entry
    assert reversal.occurred_on == timezone.localdate()
    assert reversal.note == "重复入账"
    entry.refresh_from_db()
    assert entry.amount == D("1200.50")  # the original stays as it was
    assert money_totals(Project.objects.filter(pk=road.pk))["received"] == D("0.00")
    event = road.events.get(kind="reversal")
    assert event.data == {"entry": reversal.pk, "reverses": entry.pk, "kind": "receipt", "amount": "-1200.50"}


def test_expense_reversal_keeps_an_empty_source(road: Project, staff: User) -> None:
    entry = add(road, staff, "expense", "88.00", payer_or_payee="施工队")
    reversal = services.reverse_ledger_entry(entry, by=staff, note="退款")
    assert (reversal.source, reversal.amount) == ("", D("-88.00"))
    assert money_totals(Project.objects.filter(pk=road.pk))["spent"] == D("0.00")


def test_an_entry_is_reversed_at_most_once(road: Project, staff: User) -> None:
    entry = add(road, staff, "receipt", "10.00", "shops")
    services.reverse_ledger_entry(entry, by=staff, note="第一次")
    with pytest.raises(Conflict):
        services.reverse_ledger_entry(entry, by=staff, note="第二次")
    assert LedgerEntry.objects.count() == 2


def test_a_reversal_cannot_be_reversed(road: Project, staff: User) -> None:
    entry = add(road, staff, "receipt", "10.00", "shops")
    reversal = services.reverse_ledger_entry(entry, by=staff, note="更正")
    with pytest.raises(Conflict):
        services.reverse_ledger_entry(reversal, by=staff, note="再更正")


def test_reversal_needs_a_reason(road: Project, staff: User) -> None:
    entry = add(road, staff, "receipt", "10.00", "shops")
    with pytest.raises(Invalid) as error:
        services.reverse_ledger_entry(entry, by=staff, note=" ")
    assert error.value.field == "note"


# ---------------------------------------------------------------- the database's own guards


def test_database_refuses_a_second_reversal_of_one_entry(road: Project, staff: User) -> None:
    entry = add(road, staff, "receipt", "10.00", "shops")
    services.reverse_ledger_entry(entry, by=staff, note="更正")
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerEntry.objects.create(
            project=road, kind="receipt", source="shops", amount=D("-10.00"), occurred_on=DAY,
            recorded_by=staff, reverses=entry,
        )  # fmt: skip


@pytest.mark.parametrize(
    "fields",
    [
        {"kind": "receipt", "source": "shops", "amount": D("0.00")},  # an original is positive
        {"kind": "receipt", "source": "shops", "amount": D("-1.00")},
        {"kind": "receipt", "source": "", "amount": D("1.00")},  # income has a source
        {"kind": "expense", "source": "shops", "amount": D("1.00")},  # an expense has none
        {"kind": "refund", "source": "", "amount": D("1.00")},
    ],
)
def test_database_checks_ledger_rows(road: Project, staff: User, fields: dict[str, Any]) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerEntry.objects.create(project=road, occurred_on=DAY, recorded_by=staff, **fields)


def test_database_refuses_a_positive_reversal(road: Project, staff: User) -> None:
    entry = add(road, staff, "receipt", "10.00", "shops")
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerEntry.objects.create(
            project=road, kind="receipt", source="shops", amount=D("10.00"), occurred_on=DAY,
            recorded_by=staff, reverses=entry,
        )  # fmt: skip


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the append-only trigger is PostgreSQL's")
def test_database_refuses_to_update_ledger_rows(road: Project, staff: User) -> None:
    entry = add(road, staff, "receipt", "10.00", "shops")
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        LedgerEntry.objects.filter(pk=entry.pk).update(amount=D("1000.00"))
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        entry.note = "改一下"
        entry.save()
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE renovations_ledgerentry SET amount = 1 WHERE id = %s", [entry.pk])
    entry.refresh_from_db()
    assert (entry.amount, entry.note) == (D("10.00"), "")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the append-only trigger is PostgreSQL's")
def test_database_refuses_to_delete_ledger_rows(road: Project, staff: User) -> None:
    entry = add(road, staff, "expense", "10.00")
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        LedgerEntry.objects.filter(pk=entry.pk).delete()
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM renovations_ledgerentry")
    assert LedgerEntry.objects.filter(pk=entry.pk).exists()


def test_admin_reverses_entries_through_the_service(road: Project, staff: User, superuser: User, client: Any) -> None:
    entry = add(road, staff, "receipt", "10.00", "shops")
    reversal = services.reverse_ledger_entry(add(road, staff, "receipt", "5.00", "shops"), by=staff, note="x")
    client.force_login(superuser)
    response = client.post(
        "/admin/renovations/ledgerentry/",
        {"action": "reverse_entries", "_selected_action": [entry.pk, reversal.pk]},
    )
    assert response.status_code == 302
    assert entry.reversed_by.amount == D("-10.00")
    assert not LedgerEntry.objects.filter(reverses=reversal).exists()  # a reversal is not reversed
    assert LedgerEntry.objects.count() == 4
