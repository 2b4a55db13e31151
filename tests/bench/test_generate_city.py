"""`manage.py generate_city`: the synthetic city for benchmarks, at a tiny scale.

Scale 0.002 is 4 estates, 600 households, 2,000 requests, 40 projects, 48 meetings and 120
rating scores; each generation takes a second or two. COPY works inside the test's transaction,
so these tests need no real commit.
"""

from __future__ import annotations

import subprocess
import sys
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import translation

from estates.models import Building, Estate, Household, Membership, Organisation, User
from governance.models import (
    Meeting,
    RatingCriterion,
    RatingRound,
    RatingScore,
    RequestCategory,
    RequestEvent,
    ResidentRequest,
)
from governance.services.ratings import grade_round
from renovations.models import LedgerEntry, Project

ROOT = Path(__file__).resolve().parents[2]
NOW = "2026-11-27"
TINY = ["--scale", "0.002", "--now", NOW]

pytestmark = pytest.mark.django_db


def generate(*args: str) -> str:
    out = StringIO()
    call_command("generate_city", *args, stdout=out)
    return out.getvalue()


def checksum(table: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT md5(string_agg(t::text, '|' ORDER BY t.id)) FROM {table} t")
        return cursor.fetchone()[0]


def scalar(sql: str) -> Any:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


CHECKED_TABLES = (
    "estates_household",
    "estates_membership",
    "governance_request",
    "governance_requestevent",
    "governance_meeting",
    "governance_ratinground",
    "renovations_project",
    "renovations_ledgerentry",
)


def test_generates_the_counts_of_the_scale_and_keeps_the_seeded_rows() -> None:
    categories, criteria = RequestCategory.objects.count(), RatingCriterion.objects.count()

    output = generate(*TINY)

    assert Estate.objects.count() == 4
    assert Household.objects.count() == 600
    assert ResidentRequest.objects.count() == 2_000
    assert Project.objects.count() == 40
    assert Meeting.objects.count() == 48
    assert RatingScore.objects.count() == 120
    assert RequestCategory.objects.count() == categories > 0
    assert RatingCriterion.objects.count() == criteria > 0
    # Every estate has buildings, a committee of five with a director, and residents.
    for estate in Estate.objects.all():
        assert Building.objects.filter(estate=estate).exists()
        committee = Organisation.objects.get(estates=estate, kind__in=Organisation.COMMITTEE_KINDS)
        assert committee.members.count() == 5
        assert committee.members.filter(position="主任").count() == 1
        assert Membership.objects.filter(role="resident", household__unit__building__estate=estate).exists()
    assert "governance_request" in output and "2,000" in output


def test_meetings_and_requests_can_be_set_apart_from_the_scale() -> None:
    generate(*TINY, "--meetings", "70", "--requests", "333")

    assert Meeting.objects.count() == 70
    assert ResidentRequest.objects.count() == 333
    assert Estate.objects.count() == 4


def test_same_scale_and_now_give_the_same_rows() -> None:
    generate(*TINY)
    first = {table: checksum(table) for table in CHECKED_TABLES}

    generate(*TINY, "--flush")
    again = {table: checksum(table) for table in CHECKED_TABLES}
    generate("--scale", "0.002", "--now", "2026-11-28", "--flush")
    next_day = {table: checksum(table) for table in CHECKED_TABLES}

    assert again == first
    assert all(first.values())
    assert next_day["governance_request"] != first["governance_request"]


def test_refuses_to_add_a_city_to_a_database_with_estates(world: Any) -> None:
    users = User.objects.count()

    with pytest.raises(CommandError, match="--flush"):
        generate(*TINY)

    assert Estate.objects.count() == 2
    assert User.objects.count() == users


def test_flush_replaces_what_was_there(world: Any) -> None:
    generate(*TINY, "--flush")

    assert Estate.objects.count() == 4
    assert not Estate.objects.filter(name="体委小区", community__name="中心广场社区").exists()


def test_rejects_a_scale_of_zero() -> None:
    with translation.override("en"), pytest.raises(CommandError, match="The scale must be more than zero"):
        generate("--scale", "0")


def test_requests_tell_a_consistent_story() -> None:
    generate(*TINY)

    # Each request's status is where its timeline ends, and it starts with its filing.
    assert not scalar(
        """SELECT count(*) FROM governance_request r WHERE r.status <> (
               SELECT e.to_status FROM governance_requestevent e WHERE e.request_id = r.id ORDER BY e.at DESC, e.id DESC
               LIMIT 1)"""
    )
    assert RequestEvent.objects.filter(action="filed").count() == ResidentRequest.objects.count()
    # Taken requests carry who took them, for which company (one serving the estate), and a due time.
    assert not ResidentRequest.objects.filter(accepted_at__isnull=False, accepted_by_organisation__isnull=True).count()
    assert not scalar(
        """SELECT count(*) FROM governance_request r WHERE r.accepted_by_organisation_id IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM estates_organisation_estates s
                           WHERE s.organisation_id = r.accepted_by_organisation_id AND s.estate_id = r.estate_id)"""
    )
    assert not ResidentRequest.objects.filter(status__in=ResidentRequest.DUE_STATUSES, due_at__isnull=True).count()
    assert not ResidentRequest.objects.filter(status__in=["resolved", "closed"], resolved_at__isnull=True).count()
    assert not ResidentRequest.objects.filter(status="awaiting_payment").exclude(payment_status="pending").count()
    # A realistic spread: most closed, some open and overdue.
    closed = ResidentRequest.objects.filter(status="closed").count()
    assert 0.8 * 2_000 < closed < 2_000
    assert ResidentRequest.objects.open().exists()
    # Money received covers the budget before construction, unless staff recorded an override.
    for project in Project.objects.filter(status__in=["construction", "inspection", "in_service"]):
        received = sum(entry.amount for entry in LedgerEntry.objects.filter(project=project, kind="receipt"))
        assert received >= project.budget or project.funding_override_at is not None


def test_published_grades_are_the_ones_the_service_computes() -> None:
    generate(*TINY)

    rounds = RatingRound.objects.exclude(status="open")
    assert rounds.exists()
    for rating_round in rounds:
        result = grade_round(rating_round)
        assert (result["score"], result["grade"], result["figures"]) == (
            rating_round.score,
            rating_round.grade,
            rating_round.figures,
        )
    assert RatingRound.objects.filter(status="open", period_start="2026-11-01").exists()


def test_generated_people_read_through_the_apps_own_paths(api_as: Any) -> None:
    generate(*TINY)
    staff = User.objects.get(username="city.staff.1.1")
    company_staff = User.objects.get(username="city.property.1.1")
    resident = User.objects.get(username="city.resident.1")

    in_community = ResidentRequest.objects.filter(estate__community__staff__user=staff).count()
    served = ResidentRequest.objects.filter(estate__organisations__members__user=company_staff).count()
    own = ResidentRequest.objects.filter(on_behalf_of=resident).count()
    assert ResidentRequest.objects.visible_to(staff).count() == in_community == 2_000
    assert ResidentRequest.objects.visible_to(company_staff).count() == served > 0
    assert ResidentRequest.objects.visible_to(resident).count() == own

    response = api_as(staff).get("/api/v1/requests/")
    assert response.status_code == 200
    assert response.json()["count"] == in_community
    first = response.json()["results"][0]
    timeline = api_as(staff).get(f"/api/v1/requests/{first['id']}/timeline/")
    assert timeline.status_code == 200
    assert timeline.json()[-1]["to_status"] == first["status"]
    for path in ("/api/v1/meetings/", "/api/v1/projects/", "/api/v1/rating-rounds/", "/api/v1/households/"):
        assert api_as(staff).get(path).status_code == 200, path


def test_later_inserts_get_fresh_ids() -> None:
    generate(*TINY)
    last = Estate.objects.order_by("-id").values_list("id", flat=True).first()
    community = Estate.objects.first().community

    estate = Estate.objects.create(community=community, name="新建小区")

    assert estate.pk == last + 1


def test_stops_with_a_clear_error_on_sqlite(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "config.settings"}
    result = subprocess.run(
        [sys.executable, "manage.py", "generate_city", "--scale", "0.001"],
        cwd=ROOT,
        env={**env, "DATABASE_URL": f"sqlite:///{tmp_path / 'city.sqlite3'}"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 1
    assert "PostgreSQL" in result.stderr
