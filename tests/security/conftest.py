"""The security suite's worlds and switches.

- `matrix_world` (module scope): one object of each kind in 蕴园小区 (the personas' world) and
  its twin in 体委小区 (the outsider's), built once through the services with the personas and
  builders of tests/conftest.py, tests/governance/conftest.py and tests/renovations/conftest.py.
  It lives in a transaction that is rolled back after the module; each test runs in a savepoint
  inside it (pytest-django's `db`), so a test's writes never reach the next test.
- `basic_auth`: HTTP Basic authentication for the API, in the tests only, so that a fuzzer can
  act as a persona without a session and its CSRF token.
"""

from __future__ import annotations

import copy
import importlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
import time_machine
from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.test import Client, override_settings
from rest_framework.views import APIView

from estates import services as estate_services
from estates.models import Membership, User
from governance import services as governance_services
from governance.models import RatingCriterion, Reminder
from renovations import services as renovation_services
from renovations.models import ProjectEvent
from tests import conftest as base
from tests.conftest import SEEDING_MIGRATIONS, make_user
from tests.governance import conftest as governance
from tests.governance.conftest import T0, photo_file
from tests.governance.test_meetings_helpers import schedule
from tests.renovations import conftest as renovations

# The personas, in the order the access table lists them. `outsider` is community staff of
# 中心广场社区, the community of 体委小区.
ROLES = (
    "anonymous",
    "resident",
    "neighbour",
    "committee",
    "property_staff",
    "mediator",
    "staff",
    "street_admin",
    "superuser",
    "outsider",
)

BASIC_AUTHENTICATION = [
    "estates.auth.TokenAuthentication",
    "rest_framework.authentication.SessionAuthentication",
    "rest_framework.authentication.BasicAuthentication",
]


def build(fixture: Any, *args: Any) -> Any:
    """Run a fixture of the shared conftest modules as a plain function: the module-scoped world
    cannot request function-scoped fixtures, but it builds the very same personas and objects."""
    return fixture.__wrapped__(*args)


@dataclass
class Side:
    """One side of the world: `targets` name the objects an endpoint acts on (each with the values
    of its URL's placeholders, e.g. {"project_pk": 3, "id": 7}); `refs` are the ids a request body
    or query string refers to (the estate, a household, a person…)."""

    targets: dict[str, dict[str, Any]] = field(default_factory=dict)
    refs: SimpleNamespace = field(default_factory=SimpleNamespace)


@dataclass
class MatrixWorld:
    users: dict[str, User]
    inside: Side
    outside: Side
    # A signed-in session per persona, made once: the pages' tests send its cookie.
    sessions: dict[str, str] = field(default_factory=dict)

    def user(self, role: str) -> User | None:
        """The persona, as a new object for each test: no scope cached by an earlier request."""
        return copy.deepcopy(self.users[role]) if role != "anonymous" else None


def scores(value: int) -> dict[str, int]:
    """A rating sheet: every criterion in use, scored `value`."""
    return dict.fromkeys(RatingCriterion.objects.filter(is_active=True).values_list("code", flat=True), value)


def _rating_round(estate: Any, *, staff: User, member: User | None, month: int, to: str) -> Any:
    """A round for `month` of 2025, scored by `member` and moved on to `to` (open, closed, published)."""
    rating_round = governance_services.open_rating_round(estate, by=staff, period_start=date(2025, month, 1))
    if member is not None:
        governance_services.submit_rating(rating_round, by=member, scores=scores(85), comment="良好")
    if to in ("closed", "published"):
        rating_round = governance_services.close_rating_round(rating_round, by=staff)
    if to == "published":
        rating_round = governance_services.publish_rating_round(rating_round, by=staff)
    return rating_round


def _notify(user: User, number: int) -> Any:
    """A delivered in-app notification for `user`."""
    governance_services.schedule_reminder(
        kind=Reminder.Kind.REQUEST_OVERDUE,
        target=("governance.residentrequest", number),
        recipient=user,
        due_at=T0 - timedelta(minutes=5),
        title=f"点单 #{number} 已超过约定时间",
        url=f"/requests/{number}/",
    )
    governance_services.deliver_due_reminders(T0)
    return user.notifications.get(url=f"/requests/{number}/")


def _build() -> MatrixWorld:
    for name in SEEDING_MIGRATIONS:
        importlib.import_module(name).seed(apps, None)
    w = build(base.world, None)
    staff = build(base.staff, w)
    outsider = build(base.outsider, w)
    resident = build(base.resident, w)
    neighbour = build(base.neighbour, w)
    committee = build(base.committee, w)
    property_staff = build(base.property_staff, w)
    mediator = build(base.mediator, w)
    street_admin = build(base.street_admin, w)
    superuser = build(base.superuser, w)
    director = build(governance.director, w)
    # Under the estate's majority rule the committee persona (委员, not 主任) decides on payments.
    build(governance.majority_rule, w)
    # The outsider's world has its own residents and committee.
    other_resident = make_user("other_resident", phone="13911112222", full_name="钱体委")
    Membership.objects.create(user=other_resident, role="resident", household=w.other_household, is_owner=True)
    other_member = make_user("other_member", phone="13711113333", full_name="孙物管")
    Membership.objects.create(
        user=other_member, role="committee_member", organisation=w.other_committee_org, position="委员"
    )
    users = {
        "resident": resident,
        "neighbour": neighbour,
        "committee": committee,
        "property_staff": property_staff,
        "mediator": mediator,
        "staff": staff,
        "street_admin": street_admin,
        "superuser": superuser,
        "outsider": outsider,
    }
    inside = Side()
    outside = Side()
    put_in = inside.targets.__setitem__
    put_out = outside.targets.__setitem__

    # ------------------------------------------------------------ places and organisations
    other_building = w.other_household.unit.building
    spare = estate_services.create_household(w.unit, by=staff, room="601", floor=6, floor_area=Decimal("78.50"))
    empty_building = estate_services.create_building(w.estate, by=staff, name="9号楼", floors=6)
    empty_unit = estate_services.create_unit(w.building, by=staff, name="9单元")
    other_empty_building = estate_services.create_building(w.other_estate, by=outsider, name="9号楼", floors=5)
    other_empty_unit = estate_services.create_unit(other_building, by=outsider, name="9单元")
    for name, mine, theirs in (
        ("community", w.community, w.other_community),
        ("estate", w.estate, w.other_estate),
        ("building", w.building, other_building),
        ("empty_building", empty_building, other_empty_building),
        ("unit", w.unit, w.other_household.unit),
        ("empty_unit", empty_unit, other_empty_unit),
        ("household", w.household, w.other_household),
        ("spare_household", spare, w.other_household),
        ("organisation", w.committee_org, w.other_committee_org),
    ):
        put_in(name, {"id": mine.pk, "pk": mine.pk})
        put_out(name, {"id": theirs.pk, "pk": theirs.pk})
    put_in("household_resident", {"id": w.household.pk, "user_id": resident.pk})
    put_out("household_resident", {"id": w.other_household.pk, "user_id": other_resident.pk})

    # ------------------------------------------------------------ requests
    categories = build(governance.categories, None)
    file_request = build(governance.file_request, w, resident, categories["plumbing"])
    request_in = build(governance.request_in, w, file_request, resident, staff, property_staff, director)
    theirs = governance_services.file_request(
        w.other_estate,
        by=other_resident,
        category=categories["plumbing"],
        place_kind="household",
        household=w.other_household,
        description="厨房下水道堵了",
    )
    for status in ("submitted", "accepted", "awaiting_payment", "in_progress", "resolved"):
        mine = request_in(status)
        put_in(f"request_{status}", {"id": mine.pk, "pk": mine.pk})
        put_out(f"request_{status}", {"id": theirs.pk, "pk": theirs.pk})

    # ------------------------------------------------------------ projects
    advance = build(renovations.advance, staff)
    road = build(renovations.road, w, staff)
    lift = advance(build(renovations.lift, w, staff), "consent")
    lighting = renovation_services.create_project(
        w.estate, by=staff, kind="lighting", title="太阳能路灯", budget=Decimal("30000.00")
    )
    lighting = advance(lighting, "inspection")
    other_project = build(renovations.other_project, w, outsider)
    ballot, _created = renovation_services.cast_ballot(
        lift, by=neighbour, household=w.neighbour_household, choice="agree"
    )
    inspection = renovation_services.record_inspection(
        lighting, by=staff, inspected_on=date(2025, 3, 1), inspectors="质监站 王工", passed=False, note="三盏不亮"
    )
    for name, project in (("road", road), ("lift", lift), ("lighting", lighting)):
        put_in(name, {"id": project.pk, "pk": project.pk, "project_pk": project.pk})
        put_out(name, {"id": other_project.pk, "pk": other_project.pk, "project_pk": other_project.pk})
    put_in("ballot", {"project_pk": lift.pk, "id": ballot.pk})
    put_out("ballot", {"project_pk": other_project.pk})
    put_in("inspection", {"project_pk": lighting.pk, "id": inspection.pk})
    put_out("inspection", {"project_pk": other_project.pk})
    for name, project, by in (("inside", road, staff), ("outside", other_project, outsider)):
        side = inside if name == "inside" else outside
        entry = renovation_services.record_ledger_entry(
            project, by=by, kind="receipt", source="government_subsidy", amount=Decimal("10000.00"),
            occurred_on=date(2025, 2, 1),
        )  # fmt: skip
        update = renovation_services.add_progress_update(project, by=by, text="施工队进场", percent=10)
        photo = renovation_services.add_project_photo(project, by=by, upload=photo_file(), stage="before")
        event = ProjectEvent.objects.filter(project=project).order_by("at", "id").first()
        side.targets["ledger_entry"] = {"project_pk": project.pk, "id": entry.pk}
        side.targets["update"] = {"project_pk": project.pk, "id": update.pk}
        side.targets["photo"] = {"project_pk": project.pk, "id": photo.pk}
        side.targets["project_event"] = {"project_pk": project.pk, "id": event.pk}

    # ------------------------------------------------------------ disputes
    dispute = governance_services.raise_dispute(
        w.estate,
        by=resident,
        kind="noise",
        title="楼上噪音",
        description="每晚十一点后仍有很大的声音。",
        parties=[
            {"household": w.household, "side": "applicant"},
            {"household": w.neighbour_household, "side": "respondent"},
        ],
    )
    governance_services.assign_mediators(dispute, by=staff, mediators=[mediator])
    other_dispute = governance_services.raise_dispute(
        w.other_estate,
        by=other_resident,
        kind="parking",
        title="车位被占",
        description="我的车位总被占用。",
        parties=[{"household": w.other_household, "side": "applicant"}],
    )
    put_in("dispute", {"id": dispute.pk})
    put_out("dispute", {"id": other_dispute.pk})

    # ------------------------------------------------------------ meetings and action items
    invited = {"organisations": [w.committee_org], "people": [resident]}
    scheduled = schedule(w, staff, days=7, **invited)
    item = governance_services.add_agenda_item(scheduled, by=staff, title="加装电梯进展")
    running = governance_services.start_meeting(schedule(w, staff, days=1, **invited), by=staff)
    action = governance_services.add_action_item(
        running, by=staff, title="修复3号楼路灯", owner=property_staff, due_on=date(2025, 3, 20)
    )
    closed = governance_services.start_meeting(schedule(w, staff, days=2, **invited), by=staff)
    governance_services.update_meeting(closed, by=staff, summary="议定三项事宜。")
    closed = governance_services.close_meeting(closed, by=staff)
    published = governance_services.start_meeting(schedule(w, staff, days=3, **invited), by=staff)
    governance_services.update_meeting(published, by=staff, summary="议定两项事宜。")
    published = governance_services.publish_minutes(governance_services.close_meeting(published, by=staff), by=staff)
    other_meeting = governance_services.schedule_meeting(
        w.other_community,
        by=outsider,
        kind="deliberation",
        starts_at=T0 + timedelta(days=1),
        ends_at=T0 + timedelta(days=1, hours=2),
        place="中心广场社区活动室",
        estate=w.other_estate,
        organisations=[w.other_committee_org],
    )
    other_item = governance_services.add_agenda_item(other_meeting, by=outsider, title="车位")
    other_meeting = governance_services.start_meeting(other_meeting, by=outsider)
    other_action = governance_services.add_action_item(
        other_meeting, by=outsider, title="划车位线", owner=other_member, due_on=date(2025, 3, 20)
    )
    for name, meeting in (
        ("meeting_scheduled", scheduled),
        ("meeting_running", running),
        ("meeting_closed", closed),
        ("meeting_published", published),
    ):
        put_in(name, {"id": meeting.pk, "pk": meeting.pk, "meeting_pk": meeting.pk})
        put_out(name, {"id": other_meeting.pk, "pk": other_meeting.pk, "meeting_pk": other_meeting.pk})
    put_in("agenda_item", {"meeting_pk": scheduled.pk, "id": item.pk})
    put_out("agenda_item", {"meeting_pk": other_meeting.pk, "id": other_item.pk})
    put_in("action_item", {"id": action.pk})
    put_out("action_item", {"id": other_action.pk})
    feed = governance_services.reset_calendar_feed(by=resident)
    put_in("feed", {"token": feed.token})

    # ------------------------------------------------------------ notices
    for side, by, community, estate in (
        (inside, staff, w.community, w.estate),
        (outside, outsider, w.other_community, w.other_estate),
    ):
        draft = governance_services.create_notice(
            community, by=by, estate=estate, title="停水通知", body="周五停水。", publish_from=T0 + timedelta(days=10)
        )
        live = governance_services.create_notice(community, by=by, estate=estate, title="电梯开工", body="下周开工。")
        pinned = governance_services.create_notice(
            community, by=by, estate=estate, title="文明养犬", body="请牵绳。", is_pinned=True
        )
        side.targets["notice_draft"] = {"id": draft.pk, "pk": draft.pk}
        side.targets["notice_published"] = {"id": live.pk, "pk": live.pk}
        side.targets["notice_pinned"] = {"id": pinned.pk, "pk": pinned.pk}

    # ------------------------------------------------------------ rating rounds
    round_published = _rating_round(w.estate, staff=staff, member=committee, month=1, to="published")
    round_closed = _rating_round(w.estate, staff=staff, member=committee, month=2, to="closed")
    round_open = _rating_round(w.estate, staff=staff, member=None, month=3, to="open")
    other_round = _rating_round(w.other_estate, staff=outsider, member=None, month=3, to="open")
    for name, mine in (
        ("round_open", round_open),
        ("round_closed", round_closed),
        ("round_published", round_published),
    ):
        put_in(name, {"id": mine.pk})
        put_out(name, {"id": other_round.pk})

    # ------------------------------------------------------------ notifications
    put_in("notification", {"id": _notify(resident, 9001).pk})
    put_out("notification", {"id": _notify(outsider, 9002).pk})

    # ------------------------------------------------------------ what request bodies refer to
    inside.refs = SimpleNamespace(
        street=w.street.pk,
        community=w.community.pk,
        estate=w.estate.pk,
        building=w.building.pk,
        unit=w.unit.pk,
        household=w.household.pk,
        spare_household=spare.pk,
        resident=resident.pk,
        committee=committee.pk,
        mediator=mediator.pk,
        meeting_running=running.pk,
        seat=running.participants.order_by("id").first().pk,
        agenda=list(scheduled.agenda_items.order_by("position", "id").values_list("id", flat=True)),
    )
    outside.refs = SimpleNamespace(
        street=w.other_street.pk,
        community=w.other_community.pk,
        estate=w.other_estate.pk,
        building=other_building.pk,
        unit=w.other_household.unit.pk,
        household=w.other_household.pk,
        spare_household=w.other_household.pk,
        resident=other_resident.pk,
        committee=other_member.pk,
        mediator=other_member.pk,
        meeting_running=other_meeting.pk,
        seat=other_meeting.participants.order_by("id").first().pk,
        agenda=list(other_meeting.agenda_items.order_by("position", "id").values_list("id", flat=True)),
    )
    return MatrixWorld(
        users={role: User.objects.get(pk=user.pk) for role, user in users.items()}, inside=inside, outside=outside
    )


@pytest.fixture(scope="module")
def matrix_world(
    django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[MatrixWorld]:
    """The two worlds, built once for the module at T0 (2025-03-03 09:00 in Yangquan), where the
    module's tests stay (the clock ticks on from there)."""
    media = tmp_path_factory.mktemp("matrix-media")
    hashers = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=hashers, MEDIA_ROOT=media, CELERY_TASK_ALWAYS_EAGER=True),
        time_machine.travel(T0, tick=True),
        transaction.atomic(),
    ):
        built = _build()
        for role, user in built.users.items():
            client = Client()
            client.force_login(user)
            built.sessions[role] = client.cookies[settings.SESSION_COOKIE_NAME].value
        # Run the world's deferred foreign-key checks now, once: left pending, they would run
        # again at the end of every test (pytest-django checks constraints before each rollback).
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        yield built
        transaction.set_rollback(True)


@pytest.fixture
def basic_auth(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Accept HTTP Basic credentials on the API. The views read their authentication classes
    when their module is imported, so the class attribute is patched as well as the setting."""
    from rest_framework.settings import api_settings

    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_AUTHENTICATION_CLASSES": BASIC_AUTHENTICATION}
    monkeypatch.setattr(APIView, "authentication_classes", api_settings.DEFAULT_AUTHENTICATION_CLASSES)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the fuzz tests of known findings (KNOWN_FINDINGS of test_schemathesis.py) as strict
    xfails. Their ids read `test_…[METHOD /path][role]`."""
    for item in items:
        findings = getattr(getattr(item, "module", None), "KNOWN_FINDINGS", None)
        if not findings:
            continue
        match = re.search(r"\[(\w+ [^\]]+)\]\[(\w+)\]$", item.name)
        if match is None:
            continue
        operation, role = match.groups()
        roles, reason = findings.get(operation, (frozenset(), ""))
        if role in roles:
            item.add_marker(pytest.mark.xfail(strict=True, reason=reason))
