"""The governance demo: requests in every status in the three estates, something to do for each
demo login; service ratings, meetings, disputes and notices.

The module loads the estates demo, the requests demo and the rest of governance once inside a
transaction rolled back at the end; each test runs in a savepoint of its own (pytest-django's
`db`). Everything is dated relative to the moment it is loaded (`anchor` below).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.apps import apps
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone, translation
from rest_framework.test import APIClient

from estates import demo as estates_demo
from estates.errors import Conflict
from estates.models import Estate, Membership, User
from governance import demo, demo_meetings, demo_notices, demo_ratings, services
from governance.models import (
    ActionItem,
    AgendaItem,
    Dispute,
    Meeting,
    MeetingEvent,
    MeetingParticipant,
    Notice,
    PaymentVote,
    RatingCriterion,
    RatingRound,
    RatingSheet,
    Reminder,
    RequestEvent,
    RequestPhoto,
    ResidentRequest,
)

Status = ResidentRequest.Status


@pytest.fixture(scope="module")
def _demo(
    django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[demo.RequestsDemoSummary, demo.GovernanceDemoSummary, datetime]]:
    with (
        django_db_blocker.unblock(),
        override_settings(
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
            MEDIA_ROOT=tmp_path_factory.mktemp("media"),
        ),
        transaction.atomic(),
    ):
        estates_demo.load_demo(force=True)
        anchor = timezone.now()
        requests = demo.load_requests_demo()
        yield requests, demo.load_governance_demo(), anchor
        transaction.set_rollback(True)


@pytest.fixture
def loaded(_demo: tuple[demo.RequestsDemoSummary, demo.GovernanceDemoSummary, datetime], db: Any) -> Any:
    return _demo[0]


@pytest.fixture
def governance(
    _demo: tuple[demo.RequestsDemoSummary, demo.GovernanceDemoSummary, datetime], db: Any
) -> demo.GovernanceDemoSummary:
    return _demo[1]


@pytest.fixture
def anchor(_demo: tuple[demo.RequestsDemoSummary, demo.GovernanceDemoSummary, datetime]) -> datetime:
    return _demo[2]


def _user(username: str) -> User:
    return User.objects.get(username=username)


def _as(username: str) -> APIClient:
    client = APIClient()
    client.force_authenticate(user=_user(username))
    return client


def _request(description_start: str) -> ResidentRequest:
    return ResidentRequest.objects.get(description__startswith=description_start)


def test_every_estate_has_requests_in_many_statuses_and_every_status_is_present(loaded: Any) -> None:
    statuses = Counter(ResidentRequest.objects.values_list("estate__name", "status"))
    per_estate = Counter(ResidentRequest.objects.values_list("estate__name", flat=True))
    assert per_estate == {"蕴园小区": 18, "体委小区": 9, "佳融花园小区": 8}
    assert {status for _estate, status in statuses} == set(Status.values)
    for estate in per_estate:
        assert len({status for name, status in statuses if name == estate}) >= 5, estate
    assert loaded.requests == loaded.created == 35 == len(demo.REQUESTS)
    assert loaded.open == ResidentRequest.objects.open().count() == 13
    assert loaded.photos == RequestPhoto.objects.count() == 3
    categories = set(ResidentRequest.objects.values_list("category__code", flat=True))
    assert {"repair", "plumbing", "lighting", "lift", "cleaning", "greening", "parking", "noise"} <= categories
    assert "suggestion" in categories


def test_the_story_lies_in_the_last_three_months_with_a_consistent_timeline(loaded: Any, anchor: datetime) -> None:
    requests = ResidentRequest.objects.prefetch_related("events")
    for request in requests:
        events = list(request.events.all())
        assert events[0].action == RequestEvent.Action.FILED and events[0].at == request.created_at
        assert anchor - timedelta(days=92) < request.created_at < anchor
        assert [event.at for event in events] == sorted(event.at for event in events)
        assert all(event.at <= anchor for event in events)
        assert request.updated_at == events[-1].at
        # Each status change is a timeline entry; the last one leaves the request where it is.
        assert events[-1].to_status == request.status
        for stamp in ("accepted_at", "routed_at", "started_at", "quoted_at", "resolved_at", "closed_at"):
            value = getattr(request, stamp)
            assert value is None or request.created_at < value <= anchor, (request.description, stamp)
    assert not PaymentVote.objects.filter(at__gt=anchor).exists()
    assert not RequestPhoto.objects.filter(uploaded_at__gt=anchor).exists()


@pytest.mark.parametrize("ask", demo.REQUESTS, ids=lambda ask: ask.description[:12])
def test_every_step_lies_in_the_past_whatever_the_hour_of_loading(ask: demo.Ask) -> None:
    last = max((step.at for step in ask.steps), default=0)
    if isinstance(ask.filed, demo.HoursAgo):
        assert last < ask.filed.hours
    else:
        # Filed at the clock time `days` before the loading day, whose first minute may be the moment of loading.
        hour, minute = (int(part) for part in ask.filed.clock.split(":"))
        assert hour + minute / 60 + last < ask.filed.days * 24


def test_due_times_are_past_for_the_overdue_request_only_whatever_the_hour(loaded: Any, anchor: datetime) -> None:
    midnight = timezone.make_aware(datetime.combine(timezone.localdate(anchor), datetime.min.time()))
    for request in ResidentRequest.objects.filter(status__in=ResidentRequest.DUE_STATUSES):
        ask = next(ask for ask in demo.REQUESTS if ask.description == request.description)
        if isinstance(ask.filed, demo.HoursAgo):
            assert request.due_at > anchor, request.description
        else:
            # Past before the day of loading began, or future after it ends: never within it.
            assert request.due_at < midnight or request.due_at > midnight + timedelta(days=1), request.description
    overdue = {request.description[:6] for request in ResidentRequest.objects.overdue(anchor)}
    assert overdue == {"2号楼1单元", "曹阿姨打电话"}


def test_the_sweep_escalated_the_request_not_taken_in_time_and_the_overdue_one(loaded: Any, anchor: datetime) -> None:
    not_taken = _request("曹阿姨来社区反映")
    assert not_taken.status == Status.SUBMITTED
    assert not_taken.escalation_reason == "not_taken"
    assert not_taken.escalated_at == not_taken.created_at + timedelta(hours=24) + demo.SWEEP_LAG
    overdue = _request("2号楼1单元的单元门")
    assert (overdue.status, overdue.escalation_reason) == (Status.ACCEPTED, "overdue")
    assert overdue.escalated_at == overdue.due_at + demo.SWEEP_LAG
    event = overdue.events.get(action="escalated")
    assert event.at == overdue.escalated_at and event.by is None
    dispute = _request("曹阿姨打电话")
    assert (dispute.status, dispute.escalation_reason) == (Status.IN_PROGRESS, "manual")
    assert dispute.events.get(action="escalated").by == _user("staff")
    assert loaded.escalated == ResidentRequest.objects.exclude(escalated_at=None).count() == 3
    # Fresh requests wait in the queues, not yet late.
    assert ResidentRequest.objects.filter(status=Status.SUBMITTED, escalated_at=None).count() == 3


def test_property_has_open_requests_to_take_start_and_resolve(loaded: Any) -> None:
    response = _as("property").get(
        "/api/v1/requests/", {"status": ["submitted", "accepted", "in_progress", "awaiting_payment"]}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 7
    actions = {action for row in body["results"] for action in row["actions"]}
    assert {"accept", "start", "resolve"} <= actions
    assert {row["estate_name"] for row in body["results"]} == {"蕴园小区"}
    overdue = _request("2号楼1单元的单元门")
    assert _as("property").get(f"/api/v1/requests/{overdue.pk}/").json()["is_overdue"] is True


def test_staff2_handles_tiwei_requests_routed_to_the_community_and_sees_none_of_yunyuan(loaded: Any) -> None:
    tiwei = ResidentRequest.objects.filter(estate__name="体委小区")
    assert not tiwei.exclude(accepted_by_organisation=None).exists()
    handled = tiwei.exclude(routed_at=None)
    assert handled.count() == 7
    assert set(handled.values_list("events__by__username", flat=True)) >= {"staff2"}
    client = _as("staff2")
    assert client.get("/api/v1/requests/", {"estate": tiwei[0].estate_id}).json()["count"] == 9
    yunyuan = ResidentRequest.objects.filter(estate__name="蕴园小区").first()
    assert client.get(f"/api/v1/requests/{yunyuan.pk}/").status_code == 404
    routed = _request("建议在健康生活墙")
    assert routed.status == Status.ROUTED
    assert "start" in client.get(f"/api/v1/requests/{routed.pk}/").json()["actions"]


def test_committee_casts_the_deciding_vote_on_the_quote_the_director_approved(loaded: Any) -> None:
    assert services.committee_size(Estate.objects.get(name="蕴园小区").pk) == 2
    branch = _request("6号楼南边")
    assert branch.status == Status.AWAITING_PAYMENT
    assert list(branch.payment_votes.values_list("member__username", "approve")) == [("demo-wujianguo", True)]
    client = _as("committee")
    assert "approve-payment" in client.get(f"/api/v1/requests/{branch.pk}/").json()["actions"]
    response = client.post(f"/api/v1/requests/{branch.pk}/approve-payment/", {"note": "同意"}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["payment_status"], body["quote_amount"]) == ("in_progress", "approved", "1800.00")


def test_committee_votes_on_the_roof_quote_which_then_waits_for_the_director(loaded: Any) -> None:
    roof = _request("1号楼1单元楼顶")
    assert not roof.payment_votes.exists()
    response = _as("committee").post(f"/api/v1/requests/{roof.pk}/approve-payment/", {}, format="json")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["payment_status"]) == ("awaiting_payment", "pending")


def test_resident_confirms_and_rates_their_resolved_request(loaded: Any) -> None:
    client = _as("resident")
    mine = client.get("/api/v1/requests/", {"mine": "true"}).json()
    assert mine["count"] == 3
    assert {row["status"] for row in mine["results"]} == {"closed", "resolved", "withdrawn"}
    (resolved,) = [row for row in mine["results"] if row["status"] == "resolved"]
    assert resolved["place_label"] == "3号楼3单元502"
    assert len(client.get(f"/api/v1/requests/{resolved['id']}/").json()["photos"]) == 1
    assert {"confirm", "reopen"} <= set(resolved["actions"])
    response = client.post(
        f"/api/v1/requests/{resolved['id']}/confirm/", {"rating": 5, "comment": "修得很好"}, format="json"
    )
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["rating"]) == ("closed", 5)


def test_resident2_has_three_requests_including_the_sewage_smell_after_the_repair(loaded: Any) -> None:
    rows = _as("resident2").get("/api/v1/requests/", {"mine": "true"}).json()["results"]
    assert sorted(row["status"] for row in rows) == ["closed", "in_progress", "submitted"]
    (sewage,) = [row for row in rows if "污水井" in row["description"]]
    assert (sewage["category_name"], sewage["rating"]) == ("上下水与排污", 4)


def test_closed_requests_carry_ratings_of_three_to_five_with_comments_and_one_was_reopened(loaded: Any) -> None:
    closed = ResidentRequest.objects.filter(status=Status.CLOSED)
    assert closed.count() == 15
    assert set(closed.values_list("rating", flat=True)) == {3, 4, 5}
    assert not closed.filter(rating_comment="").exists()
    (reopened,) = ResidentRequest.objects.filter(reopen_count__gt=0)
    assert reopened.status == Status.CLOSED and reopened.category.code == "lift"
    assert reopened.events.filter(action="reopened").count() == 1
    assert reopened.events.filter(action="resolved").count() == 2
    rejected = ResidentRequest.objects.get(status=Status.REJECTED, estate__name="蕴园小区")
    assert "重复" in rejected.resolution_note


def test_staff_filed_requests_for_elderly_residents_in_each_estate(loaded: Any) -> None:
    filed = set(
        ResidentRequest.objects.filter(is_filed_by_staff=True).values_list("estate__name", "filed_by__username")
    )
    assert filed == {("蕴园小区", "staff"), ("体委小区", "staff2"), ("佳融花园小区", "demo-wenlina")}
    for request in ResidentRequest.objects.filter(is_filed_by_staff=True):
        assert request.on_behalf_of != request.filed_by
        assert Membership.objects.filter(user=request.on_behalf_of, role="resident").exists()


def test_figures_of_yunyuan_add_up(loaded: Any) -> None:
    estate = Estate.objects.get(name="蕴园小区")
    body = APIClient().get("/api/v1/requests/figures/", {"estate": estate.pk}).json()
    assert body["count"] == 18
    assert body["taken_count"] == 15  # all but the two submitted and the rejected duplicate
    assert body["resolved_count"] == 9 and body["rated_count"] == 7
    assert body["average_rating"] == 4.29  # 4, 5, 3, 4, 5, 4, 5
    assert 0 < body["on_time_share"] < 1
    assert body["reopened_count"] == 1 and body["escalated_count"] == 3
    assert 0 < body["median_hours_to_take"] < 24
    money = APIClient().get("/api/v1/requests/money/", {"estate": estate.pk}).json()
    assert (money["total"], money["count"]) == ("680.00", 1)


def _counts() -> dict[str, int]:
    models = [*apps.get_app_config("governance").get_models(), User, Membership]
    return {model.__name__: model._default_manager.count() for model in models}


def test_loading_again_creates_nothing(loaded: Any) -> None:
    before = _counts()
    events = list(RequestEvent.objects.order_by("pk").values_list("pk", "at"))
    again = demo.load_requests_demo()
    assert (again.created, again.requests, again.escalated) == (0, 35, 3)
    rest = demo.load_governance_demo()
    assert rest.created == 0
    assert _counts() == before
    assert list(RequestEvent.objects.order_by("pk").values_list("pk", "at")) == events


def test_load_demo_prints_the_requests_summary_before_the_logins(loaded: Any, settings: Any) -> None:
    settings.DEBUG = True
    before = {name: count for name, count in _counts().items() if name not in {"User", "Membership"}}
    out = StringIO()
    with translation.override("en"):
        call_command("load_demo", stdout=out)
    after = _counts()
    assert {name: after[name] for name in before} == before
    lines = out.getvalue().splitlines()
    summary = "Resident requests: 35 (0 new), 13 open, 3 escalated, 3 photos."
    rest = (
        "Ratings, meetings, disputes and notices (0 new): 7 rating rounds (6 published), 10 meetings "
        "(8 with published minutes), 14 action items, 8 disputes, 10 notices."
    )
    assert summary in lines and rest in lines
    admin_row = next(i for i, line in enumerate(lines) if " admin " in line and "huanxin-demo" in line)
    assert lines.index(summary) < lines.index(rest) < admin_row


def test_the_loader_refuses_when_an_estate_of_the_estates_demo_is_missing(loaded: Any) -> None:
    Estate.objects.filter(name="体委小区").update(name="体委小区（旧）")
    before = _counts()
    with translation.override("en"), pytest.raises(Conflict, match="estates demo"):
        demo.load_requests_demo()
    assert _counts() == before


# ---------------------------------------------------------------- ratings, meetings, disputes, notices


def test_the_rest_of_governance_is_loaded_once_with_its_counts(governance: demo.GovernanceDemoSummary) -> None:
    assert (
        governance.created
        == 7 + 8 + 10 + 10
        == len(demo_ratings.ROUNDS)
        + len(demo_meetings.DISPUTES)
        + len(demo_meetings.MEETINGS)
        + len(demo_notices.NOTICES)
    )
    assert (governance.rating_rounds, governance.published_rounds) == (7, 6)
    assert (governance.meetings, governance.published_minutes, governance.action_items) == (10, 8, 14)
    assert (governance.disputes, governance.notices) == (8, 10)


def test_committee_has_the_current_months_round_to_score(governance: Any, anchor: datetime) -> None:
    client = _as("committee")
    body = client.get("/api/v1/rating-rounds/", {"to_score": "true"}).json()
    assert body["count"] == 1
    (current,) = body["results"]
    assert (current["estate_name"], current["status"], current["period_start"]) == (
        "蕴园小区",
        "open",
        timezone.localdate(anchor).replace(day=1).isoformat(),
    )
    assert "score" in current["actions"]
    assert not RatingSheet.objects.filter(round_id=current["id"], member__username="committee").exists()
    # The 主任 scored on the 3rd, once the 3rd has come.
    director = RatingSheet.objects.filter(round_id=current["id"], member__username="demo-wujianguo")
    assert director.exists() == (timezone.localdate(anchor).day > 3)
    scores = dict.fromkeys(RatingCriterion.objects.filter(is_active=True).values_list("code", flat=True), 90)
    response = client.post(f"/api/v1/rating-rounds/{current['id']}/scores/", {"scores": scores}, format="json")
    assert response.status_code == 201


def test_the_last_six_months_are_graded_and_published_mostly_good_once_a_pass(
    governance: Any, anchor: datetime
) -> None:
    body = APIClient().get("/api/v1/rating-rounds/", {"status": "published"}).json()
    assert body["count"] == 6
    rounds = sorted(body["results"], key=lambda row: row["period_start"])
    today = timezone.localdate(anchor)
    month = today.year * 12 + today.month - 1
    assert [row["period_start"] for row in rounds] == [
        datetime(m // 12, m % 12 + 1, 1).date().isoformat() for m in range(month - 6, month)
    ]
    # Whatever the day of loading, which moves the residents' figures between the months.
    assert [row["grade"] for row in rounds] == ["good", "excellent", "pass", "excellent", "good", "good"]
    assert {row["company_name"] for row in rounds} == {"阳泉市恒安物业服务有限公司"}
    for row in rounds:
        assert row["score"] is not None and row["scorer_count"] >= 1 and row["member_count"] == 2
    assert [row["scorer_count"] for row in rounds].count(1) == 1  # one month only the 主任 scored
    assert not RatingRound.objects.exclude(estate__name="蕴园小区").exists()


@pytest.mark.parametrize(("day", "clock"), [(1, "00:02"), (2, "09:00"), (16, "12:00"), (28, "23:50")])
def test_the_ratings_tell_the_same_story_whatever_the_day_of_loading(governance: Any, day: int, clock: str) -> None:
    """Loading later moves the residents' figures between the months; the grades stay the story's."""
    RatingRound.objects.all().delete()
    today = timezone.localdate()
    following = date(today.year + today.month // 12, today.month % 12 + 1, day)
    hour, minute = (int(part) for part in clock.split(":"))
    staff = {name: _user(username) for name, username in demo.COMMUNITY_STAFF.items()}
    with time_machine.travel(timezone.make_aware(datetime.combine(following, time(hour, minute))), tick=False):
        anchor = timezone.now()
        assert demo_ratings.load_ratings_demo(staff, anchor=anchor) == 7
    published = RatingRound.objects.published().order_by("period_start")
    assert list(published.values_list("grade", flat=True)) == ["good", "excellent", "pass", "excellent", "good", "good"]
    assert max(published.values_list("published_at", flat=True)) <= anchor
    current = RatingRound.objects.get(status=RatingRound.Status.OPEN)
    assert current.period_start == following.replace(day=1)
    assert current.sheets.exists() == (day > 3)


def test_rounds_are_dated_in_their_month_and_scored_before_they_closed(governance: Any) -> None:
    # Moments of the story that would lie after the loading (a round closing at 00:05 on the 1st,
    # loaded at 00:02) are the moment of loading: later than the module's anchor.
    anchor = timezone.now()
    for rating_round in RatingRound.objects.all():
        assert timezone.localtime(rating_round.opened_at).date() == rating_round.period_start
        for sheet in rating_round.sheets.all():
            assert rating_round.opened_at < sheet.submitted_at < anchor
            assert timezone.localdate(sheet.submitted_at) <= rating_round.closes_on
        if rating_round.status == RatingRound.Status.PUBLISHED:
            assert rating_round.opened_at < rating_round.closed_at <= rating_round.published_at <= anchor
            assert rating_round.published_by.username == "staff"
    # Their openings were announced when they opened: only the current round's reminders are pending.
    pending = Reminder.objects.filter(kind=Reminder.Kind.RATING_ROUND_OPEN, status=Reminder.Status.PENDING)
    assert set(pending.values_list("target_id", flat=True)) == {RatingRound.objects.get(status="open").pk}


def test_anyone_reads_the_published_minutes_of_past_meetings(governance: Any, anchor: datetime) -> None:
    body = APIClient().get("/api/v1/meetings/").json()
    assert body["count"] == 8
    kinds = {row["kind"] for row in body["results"]}
    assert kinds == {"joint", "deliberation", "coordination", "hearing", "expert"}
    joint = Meeting.objects.filter(kind="joint", minutes_published_at__isnull=False)
    assert joint.count() == 4
    assert {m.community.name for m in joint} == {"小阳泉北社区"} and {m.estate.name for m in joint} == {"蕴园小区"}
    tiwei = Meeting.objects.filter(estate__name="体委小区", minutes_published_at__isnull=False)
    assert tiwei.count() == 4 and {m.community.name for m in tiwei} == {"中心广场社区"}
    meeting = joint.order_by("-starts_at").first()
    minutes = APIClient().get(f"/api/v1/meetings/{meeting.pk}/minutes/")
    assert minutes.status_code == 200


def test_past_meetings_are_held_in_order_with_attendance_notes_and_minutes(governance: Any, anchor: datetime) -> None:
    Action = MeetingEvent.Action
    stories = {data.title: data for data in demo_meetings.MEETINGS}
    for meeting in Meeting.objects.filter(minutes_published_at__isnull=False).prefetch_related("events"):
        assert meeting.status == Meeting.Status.CLOSED and meeting.summary == stories[meeting.title].summary
        assert meeting.agenda_items.count() == len(stories[meeting.title].items)
        assert meeting.created_at < meeting.starts_at == meeting.started_at < meeting.ends_at == meeting.closed_at
        assert meeting.closed_at < meeting.minutes_published_at == meeting.updated_at < anchor
        events = {event.action: event.at for event in meeting.events.all()}
        assert events == {
            Action.SCHEDULED: meeting.created_at,
            Action.STARTED: meeting.started_at,
            Action.CLOSED: meeting.closed_at,
            Action.PUBLISHED: meeting.minutes_published_at,
        }
        assert not meeting.participants.filter(attended__isnull=True).exists()
        for item in meeting.agenda_items.select_related("request", "dispute"):
            assert item.outcome or item.resolution, (meeting.title, item.title)
            if item.dispute is not None:
                assert item.dispute.created_at < meeting.starts_at
        assert not meeting.agenda_items.filter(source=AgendaItem.Source.REQUEST).exists()
    absent = MeetingParticipant.objects.filter(attended=False).values_list("meeting__kind", "user__username")
    assert set(absent) == {("joint", "demo-wujianguo"), ("hearing", "demo-yanchunmei")}


def test_action_items_some_done_some_open_one_overdue(governance: Any, anchor: datetime) -> None:
    today = timezone.localdate(anchor)
    items = ActionItem.objects.select_related("meeting")
    assert items.filter(status="done").count() == 9 and items.filter(status="open").count() == 5
    for item in items.filter(status="done"):
        assert item.meeting.ends_at == item.created_at < item.done_at < anchor
        assert item.done_note and item.done_by is not None
    (overdue,) = ActionItem.objects.overdue(today)
    assert overdue.title == "组织全小区楼道和地下室杂物清理"
    assert overdue.owner_organisation.name == "阳泉市恒安物业服务有限公司"
    # Carried over: on the agenda of every later meeting of the estate, the coming one included.
    assert overdue.agenda_items.count() == 2
    mine = _as("property").get("/api/v1/action-items/").json()
    assert overdue.pk in {row["id"] for row in mine["results"]}


def test_the_next_joint_meeting_is_scheduled_within_ten_days_with_its_agenda_drawn(
    governance: Any, anchor: datetime
) -> None:
    (upcoming,) = Meeting.objects.filter(kind="joint", status=Meeting.Status.SCHEDULED)
    assert upcoming.estate.name == "蕴园小区" and upcoming.created_at < anchor
    assert anchor < upcoming.starts_at < anchor + timedelta(days=10)
    items = list(upcoming.agenda_items.select_related("request", "dispute", "action_item"))
    assert Counter(item.source for item in items) == {"action_item": 3, "request": 3, "dispute": 2, "other": 1}
    assert {item.dispute.stage for item in items if item.dispute} == {"raised", "heard"}
    assert {item.request.escalated_at is not None for item in items if item.request} == {True}
    assert set(upcoming.participants.values_list("user__username", flat=True)) == {
        "staff",
        "committee",
        "demo-wujianguo",
        "property",
        "mediator",
    }
    soon = Reminder.objects.filter(kind=Reminder.Kind.MEETING_SOON, target_id=upcoming.pk, status="pending")
    assert soon.filter(recipient__username="committee").exists()
    body = _as("committee").get("/api/v1/meetings/", {"status": "scheduled"}).json()
    assert upcoming.pk in {row["id"] for row in body["results"]}
    tiwei = Meeting.objects.get(estate__name="体委小区", status=Meeting.Status.SCHEDULED)
    assert tiwei.kind == "deliberation" and tiwei.starts_at > anchor


def test_disputes_are_in_every_stage_and_seen_by_the_mediator_not_by_resident2(governance: Any) -> None:
    stages = Counter(Dispute.objects.values_list("estate__name", "stage", "outcome"))
    assert stages == {
        ("蕴园小区", "settled", "agreement"): 2,
        ("蕴园小区", "settled", "referred"): 1,
        ("蕴园小区", "heard", ""): 1,
        ("蕴园小区", "raised", ""): 1,
        ("体委小区", "settled", "agreement"): 1,
        ("体委小区", "settled", "withdrawn"): 1,
        ("体委小区", "heard", ""): 1,
    }
    yunyuan = Dispute.objects.filter(estate__name="蕴园小区")
    assert set(yunyuan.values_list("mediators__username", flat=True)) == {"mediator"}
    assert _as("mediator").get("/api/v1/disputes/").json()["count"] == 5
    assert _as("resident2").get("/api/v1/disputes/").json()["count"] == 0
    noise = Dispute.objects.get(title="1号楼2单元楼上装修噪音")
    assert _as("resident2").get(f"/api/v1/disputes/{noise.pk}/").status_code == 404
    assert _as("mediator").get(f"/api/v1/disputes/{noise.pk}/").status_code == 200
    assert noise.agenda_items.get().meeting.status == Meeting.Status.SCHEDULED
    mine = _as("resident").get("/api/v1/disputes/").json()
    assert [row["title"] for row in mine["results"]] == ["3号楼3单元楼上渗水损坏顶棚的修复费用"]
    # The settled ones were heard at a joint meeting or a consultation before they were settled.
    for dispute in Dispute.objects.filter(stage="settled").exclude(outcome="withdrawn"):
        meeting = dispute.agenda_items.get().meeting
        assert meeting.starts_at < dispute.settled_at


def test_dispute_timelines_run_in_order_in_the_past(governance: Any, anchor: datetime) -> None:
    for dispute in Dispute.objects.prefetch_related("events", "sessions"):
        events = [event.at for event in dispute.events.all()]
        assert events == sorted(events) and events[0] == dispute.created_at and events[-1] == dispute.updated_at
        assert events[-1] < anchor
        if dispute.settled_at is not None:
            assert dispute.settled_at == events[-1]
        for session in dispute.sessions.all():
            assert session.held_at == session.recorded_at and dispute.created_at < session.held_at


def test_each_estate_has_a_pinned_notice_one_ending_soon_and_its_communitys_notice(
    governance: Any, anchor: datetime
) -> None:
    for estate in Estate.objects.all():
        body = APIClient().get("/api/v1/notices/", {"estate": estate.pk}).json()
        rows = body["results"]
        assert rows and rows[0]["is_pinned"] and rows[0]["estate"] == estate.pk, estate.name
        assert any(row["estate"] is None for row in rows), estate.name
        ending = [row for row in rows if row["publish_until"]]
        assert len(ending) == 1, estate.name
        until = datetime.fromisoformat(ending[0]["publish_until"])
        assert anchor < until < anchor + timedelta(days=10)
    invitation = Notice.objects.get(title="关于召开蕴园小区本月联席会议的通知")
    meeting = Meeting.objects.get(kind="joint", status=Meeting.Status.SCHEDULED)
    day = timezone.localdate(meeting.starts_at)
    assert f"{day.month}月{day.day}日下午3点" in invitation.body
    assert invitation.publish_until == meeting.ends_at
    assert not Notice.objects.filter(created_at__gt=anchor).exists()


def test_the_governance_loader_refuses_without_the_requests_demo(loaded: Any) -> None:
    User.objects.filter(username="demo-wenlina").update(username="someone-else")
    before = _counts()
    with translation.override("en"), pytest.raises(Conflict, match="requests demos first"):
        demo.load_governance_demo()
    assert _counts() == before
