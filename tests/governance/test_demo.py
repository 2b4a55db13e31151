"""The requests demo: every status in the three estates, something to do for each demo login.

The module loads the estates demo and the requests demo once inside a transaction rolled back at
the end; each test runs in a savepoint of its own (pytest-django's `db`). The requests are dated
relative to the moment they are loaded (`anchor` below).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from io import StringIO
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone, translation
from rest_framework.test import APIClient

from estates import demo as estates_demo
from estates.errors import Conflict
from estates.models import Estate, Membership, User
from governance import demo, services
from governance.models import PaymentVote, RequestEvent, RequestPhoto, ResidentRequest

Status = ResidentRequest.Status


@pytest.fixture(scope="module")
def _demo(
    django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[demo.RequestsDemoSummary, datetime]]:
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
        yield demo.load_requests_demo(), anchor
        transaction.set_rollback(True)


@pytest.fixture
def loaded(_demo: tuple[demo.RequestsDemoSummary, datetime], db: Any) -> demo.RequestsDemoSummary:
    return _demo[0]


@pytest.fixture
def anchor(_demo: tuple[demo.RequestsDemoSummary, datetime]) -> datetime:
    return _demo[1]


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
    assert resolved["place_label"] == "3号楼3单元502" and len(resolved["photos"]) == 1
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
    assert summary in lines
    admin_row = next(i for i, line in enumerate(lines) if " admin " in line and "huanxin-demo" in line)
    assert lines.index(summary) < admin_row


def test_the_loader_refuses_when_an_estate_of_the_estates_demo_is_missing(loaded: Any) -> None:
    Estate.objects.filter(name="体委小区").update(name="体委小区（旧）")
    before = _counts()
    with translation.override("en"), pytest.raises(Conflict, match="estates demo"):
        demo.load_requests_demo()
    assert _counts() == before
