"""Projects built on the shared world (tests/conftest.py).

- lift: 3号楼3单元加装电梯 in 蕴园小区, budget ¥100,000.00, a major matter voted by the unit's
  households (501 of the resident, 502 of the neighbour), floor coefficients set.
- road: 蕴园小区道路拓宽, no vote needed, budget ¥50,000.00.
- other_project: a project of 体委小区 (the outsider's estate).

`advance(project, to)` walks a project along the happy path (paper ballots, receipts covering
the budget, a passed inspection) until it reaches `to`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from estates.models import Membership, Organisation, User
from renovations import services
from renovations.models import Ballot, Project

PATH = [
    Project.Status.PROPOSED,
    Project.Status.SURVEYED,
    Project.Status.CONSENT,
    Project.Status.FUNDING,
    Project.Status.CONSTRUCTION,
    Project.Status.INSPECTION,
    Project.Status.IN_SERVICE,
]

Advance = Callable[..., Project]


@pytest.fixture
def contractor(world: Any) -> Organisation:
    return Organisation.objects.create(kind="contractor", name="阳泉市建工集团", community=world.community)


@pytest.fixture
def lift(world: Any, staff: User) -> Project:
    return services.create_project(
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
        lift_floor_coefficients={"1": "0", "2": "0.6", "3": "0.8", "4": "1", "5": "1.2", "6": "1.4"},
    )


@pytest.fixture
def road(world: Any, staff: User) -> Project:
    return services.create_project(
        world.estate,
        by=staff,
        kind="road",
        title="蕴园小区道路拓宽",
        budget=Decimal("50000.00"),
        planned_start=date(2023, 4, 1),
    )


@pytest.fixture
def other_staff(world: Any) -> User:
    """Staff of 中心广场社区, created separately from `outsider` so both can be used."""
    user = User.objects.create_user(username="other_staff", password="pw-other")
    Membership.objects.create(user=user, role="community_staff", community=world.other_community)
    return user


@pytest.fixture
def other_project(world: Any, other_staff: User) -> Project:
    return services.create_project(
        world.other_estate, by=other_staff, kind="parking", title="体委小区停车位", budget=Decimal("80000.00")
    )


def fresh(user: User) -> User:
    """The user loaded again, without a scope cached from earlier calls."""
    return User.objects.get(pk=user.pk)


@pytest.fixture
def advance(staff: User) -> Advance:
    """advance(project, to, by=staff): move along the happy path until `to`."""

    def _advance(project: Project, to: str, *, by: User | None = None) -> Project:
        by = by or staff
        project.refresh_from_db()
        target = PATH.index(to)
        while PATH.index(project.status) < target:
            nxt = PATH[PATH.index(project.status) + 1]
            if nxt == Project.Status.CONSENT and not project.needs_consent:
                nxt = Project.Status.FUNDING
            if project.status == Project.Status.CONSENT:
                for number, household in enumerate(project.scope_households().order_by("pk")):
                    if not Ballot.objects.filter(project=project, household=household).exists():
                        services.cast_ballot(
                            project,
                            by=by,
                            household=household,
                            choice="agree",
                            is_paper=True,
                            paper_reference=f"P-{number + 1:03d}",
                        )
            if nxt == Project.Status.CONSTRUCTION:
                missing = project.budget - Project.objects.with_money().get(pk=project.pk).received
                if missing > 0:
                    services.record_ledger_entry(
                        project,
                        by=by,
                        kind="receipt",
                        source="government_subsidy",
                        amount=missing,
                        occurred_on=date(2021, 1, 15),
                    )
            if nxt == Project.Status.IN_SERVICE and not project.inspections.filter(passed=True).exists():
                services.record_inspection(
                    project, by=by, inspected_on=date(2021, 6, 20), inspectors="质监站 王工", passed=True
                )
            project = services.transition_project(project, by=by, to=nxt, note="")
        return project

    return _advance
