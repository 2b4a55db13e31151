"""Every page of the site, with the persona that sees it and a scene that fills it.

The accessibility tests (tests/e2e/test_accessibility.py) and the page-weight test
(tests/test_page_weight.py) both walk this catalogue, so a new page added here is checked by
both. A persona of None is a visitor who has not signed in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from estates.models import User
from governance import services
from governance.models import Meeting, RequestCategory
from renovations import services as renovations
from tests.conftest import World


@dataclass(frozen=True)
class SitePage:
    """A page to open: its name, who opens it, and its address given the scene's objects."""

    name: str
    persona: str | None
    path: str

    def url(self, scene: dict[str, Any]) -> str:
        return self.path.format(**{key: getattr(value, "pk", value) for key, value in scene.items()})


PAGES: list[SitePage] = [
    # What a visitor sees.
    SitePage("home-public", None, "/"),
    SitePage("login", None, "/accounts/login/"),
    SitePage("register", None, "/accounts/register/"),
    SitePage("privacy-notice", None, "/privacy/"),
    SitePage("estate-list", None, "/estates/"),
    SitePage("estate-detail", None, "/estates/{estate}/"),
    SitePage("project-list-public", None, "/projects/"),
    SitePage("project-detail-public", None, "/projects/{project}/"),
    SitePage("project-print", None, "/projects/{project}/print/"),
    SitePage("meeting-list-public", None, "/meetings/"),
    SitePage("meeting-minutes-public", None, "/meetings/{held}/minutes/"),
    SitePage("notice-list-public", None, "/notices/"),
    SitePage("notice-detail-public", None, "/notices/{notice}/"),
    SitePage("rating-companies", None, "/ratings/companies/"),
    # A resident.
    SitePage("dashboard-resident", "resident", "/"),
    SitePage("request-list", "resident", "/requests/"),
    SitePage("request-new", "resident", "/requests/new/"),
    SitePage("request-detail", "resident", "/requests/{request}/"),
    SitePage("dispute-list", "resident", "/disputes/"),
    SitePage("dispute-new", "resident", "/disputes/new/"),
    SitePage("dispute-detail", "resident", "/disputes/{dispute}/"),
    SitePage("notification-list", "resident", "/notifications/"),
    SitePage("notification-preferences", "resident", "/notifications/preferences/"),
    SitePage("my-privacy", "resident", "/accounts/privacy/"),
    # The property company.
    SitePage("dashboard-property", "property_staff", "/"),
    SitePage("request-queue", "property_staff", "/requests/queue/"),
    # The owners' committee.
    SitePage("dashboard-committee", "committee", "/"),
    SitePage("request-approvals", "committee", "/requests/approvals/"),
    SitePage("rating-score", "committee", "/ratings/"),
    # Community staff.
    SitePage("dashboard-staff", "staff", "/"),
    SitePage("request-overview", "staff", "/requests/overview/"),
    SitePage("project-list-staff", "staff", "/projects/"),
    SitePage("project-detail-staff", "staff", "/projects/{project}/"),
    SitePage("project-new", "staff", "/projects/new/"),
    SitePage("project-edit", "staff", "/projects/{project}/edit/"),
    SitePage("meeting-list-staff", "staff", "/meetings/"),
    SitePage("meeting-new", "staff", "/meetings/new/"),
    SitePage("meeting-detail", "staff", "/meetings/{meeting}/"),
    SitePage("meeting-run", "staff", "/meetings/{meeting}/run/"),
    SitePage("meeting-minutes-staff", "staff", "/meetings/{held}/minutes/"),
    SitePage("rating-manage", "staff", "/ratings/manage/"),
    SitePage("notice-new", "staff", "/notices/new/"),
    SitePage("notice-edit", "staff", "/notices/{notice}/edit/"),
    SitePage("registry", "staff", "/registry/"),
    SitePage("estate-manage", "staff", "/registry/estates/{estate}/"),
    SitePage("household-import", "staff", "/registry/estates/{estate}/import/"),
]


def next_and_held_meetings(world: World, staff: User) -> tuple[Meeting, Meeting]:
    """A joint meeting in two days, and a deliberation held an hour ago with its minutes published."""
    now = timezone.now()
    upcoming = services.schedule_meeting(
        world.community,
        by=staff,
        kind="joint",
        title="下月联席会议",
        starts_at=now + timedelta(days=2),
        ends_at=now + timedelta(days=2, hours=2),
        place="社区会议室",
    )
    held = services.schedule_meeting(
        world.community,
        by=staff,
        kind="deliberation",
        title="停车位议事会",
        starts_at=now + timedelta(hours=1),
        ends_at=now + timedelta(hours=2),
        place="社区会议室",
    )
    services.start_meeting(held, by=staff)
    services.close_meeting(held, by=staff)
    Meeting.objects.filter(pk=held.pk).update(summary="议定：北门新划二十个车位。")
    return upcoming, services.publish_minutes(Meeting.objects.get(pk=held.pk), by=staff)


def build_scene(world: World, people: dict[str, User]) -> dict[str, Any]:
    """One of everything in 蕴园小区, made through the services as the other tests make them:
    a request accepted and quoted, a meeting ahead with an agenda item, one held with its
    minutes published, an open rating round, a notice, a dispute between neighbours, a lift project."""
    resident, staff, company = people["resident"], people["staff"], people["property_staff"]
    category, _created = RequestCategory.objects.get_or_create(
        code="plumbing",
        defaults={"name_zh": "上下水与排污", "name_en": "Plumbing and sewage", "take_within": 24, "resolve_within": 48},
    )
    request = services.file_request(
        world.estate,
        by=resident,
        category=category,
        place_kind="household",
        household=world.household,
        description="厨房下水道堵了",
    )
    request = services.accept_request(request, by=company)
    request = services.quote_request(request, by=company, amount="350.00", note="更换管道")

    now = timezone.now()
    meeting, held = next_and_held_meetings(world, staff)
    services.add_agenda_item(meeting, by=staff, title="北门停车位", description="业主反映车位不足。")

    services.open_rating_round(world.estate, by=staff, period_start=timezone.localdate().replace(day=1))
    notice = services.create_notice(
        world.community,
        by=staff,
        estate=world.estate,
        title="3号楼停水通知",
        body="明天9:00-17:00 3号楼停水检修，请提前储水。",
        publish_from=now - timedelta(minutes=1),
    )
    dispute = services.raise_dispute(
        world.estate,
        by=resident,
        kind="leak",
        title="楼上漏水",
        description="卫生间天花板渗水",
        parties=[
            {"household": world.household, "side": "applicant"},
            {"household": world.neighbour_household, "side": "respondent"},
        ],
    )
    project = renovations.create_project(
        world.estate,
        by=staff,
        kind="lift",
        title="3号楼3单元加装电梯",
        description="为3号楼3单元加装一部电梯。",
        budget=Decimal("100000.00"),
    )
    renovations.add_progress_update(project, by=staff, text="完成入户调研，业主意见已汇总。", percent=10)
    return {
        "estate": world.estate,
        "request": request,
        "meeting": meeting,
        "held": held,
        "notice": notice,
        "dispute": dispute,
        "project": project,
    }
